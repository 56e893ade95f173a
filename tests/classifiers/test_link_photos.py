"""Photo hashing robustness and the multi-index near-duplicate search."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from classifiers.photo_index import N_VIEWS, PhotoIndex, views_to_arrays
from classifiers.photos import hash_image, is_duplicate


def make_image(seed: int, palette: list[tuple[int, int, int]] | None = None) -> Image.Image:
    rnd = random.Random(seed)
    pal = palette or [tuple(rnd.randrange(256) for _ in range(3)) for _ in range(5)]
    img = Image.new("RGB", (640, 480), pal[0])
    d = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = rnd.randrange(640), rnd.randrange(480)
        box = (x0, y0, x0 + rnd.randrange(30, 300), y0 + rnd.randrange(30, 300))
        (d.ellipse if rnd.random() < 0.5 else d.rectangle)(box, fill=rnd.choice(pal))
    return img.filter(ImageFilter.GaussianBlur(2))


def _jpeg(img: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return Image.open(io.BytesIO(buf.getvalue()))


def _crop(img: Image.Image, f: float) -> Image.Image:
    w, h = img.size
    return img.crop((int(w * f / 2), int(h * f / 2), w - int(w * f / 2), h - int(h * f / 2)))


def _watermark(img: Image.Image) -> Image.Image:
    img = img.copy()
    ImageDraw.Draw(img).text((20, 20), "example-site", fill=(255, 255, 255))
    return img


TRANSFORMS = {
    "resized": lambda i: i.resize((320, 240)),
    "reencoded": lambda i: _jpeg(i, 30),
    "cropped5": lambda i: _crop(i, 0.05),
    "cropped15": lambda i: _crop(i, 0.15),
    "cropped10_one_side": lambda i: i.crop((0, 0, int(i.width * 0.9), i.height)),
    "mirrored": ImageOps.mirror,
    "bordered": lambda i: ImageOps.expand(i, 30, fill=(0, 0, 0)),
    "watermarked": _watermark,
    "mirrored_cropped_jpeg": lambda i: _jpeg(ImageOps.mirror(_crop(i, 0.1)), 50),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_copies_match(name: str) -> None:
    for seed in range(4):
        img = make_image(seed)
        assert is_duplicate(hash_image(img), hash_image(TRANSFORMS[name](img))), (name, seed)


def test_different_images_with_shared_colours_do_not_match() -> None:
    pal = [(200, 30, 30), (30, 30, 200), (240, 240, 240), (20, 20, 20), (200, 200, 40)]
    hashes = [hash_image(make_image(100 + s, pal)) for s in range(16)]
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            assert not is_duplicate(hashes[i], hashes[j])


def test_hashes_are_plain_ints() -> None:
    h = hash_image(make_image(1))
    assert all(type(p) is int and type(d) is int for p, d in h.views)


def test_index_groups_copies_and_persists(tmp_path) -> None:
    imgs = [make_image(s) for s in range(3)]
    views = [hash_image(i).views for i in imgs] + [hash_image(ImageOps.mirror(_crop(imgs[0], 0.1))).views]
    p, d = views_to_arrays(views)
    idx = PhotoIndex()
    idx.add(np.array([10, 11, 12]), p[:3], d[:3])
    idx.save(tmp_path / "i.npz")
    idx = PhotoIndex.load(tmp_path / "i.npz")
    idx.add(np.array([13]), p[3:], d[3:])  # incremental add of a later copy
    g = idx.groups()
    assert g[13] == g[10] == 10 and len({g[10], g[11], g[12]}) == 3


def _flip(x: int, bits: list[int]) -> int:
    for b in bits:
        x ^= 1 << b
    return x


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.integers(0, 7), min_size=8, max_size=30))
def test_index_equals_brute_force(seed: int, noise: list[int]) -> None:
    """Pairs the index finds == pairs a full scan finds, for distances within the guaranteed radius."""
    rng = np.random.default_rng(seed)
    n = len(noise)
    base = rng.integers(0, 2**63, (4, N_VIEWS), dtype=np.uint64)
    p = np.empty((n, N_VIEWS), np.uint64)
    for i, k in enumerate(noise):  # copies of 4 originals with k (<= 7) flipped bits in the full view
        p[i] = base[i % 4]
        flips = rng.choice(64, size=k, replace=False).tolist()
        p[i, 0] = np.uint64(_flip(int(base[i % 4, 0]), flips))
    d = p.copy()
    idx = PhotoIndex(phash_max=7, dhash_max=7, chunks=4, chunk_radius=1)  # guarantee: 4 * 2 - 1 = 7 bits
    idx.add(np.arange(n), p, d)
    qs, ts = idx.query(p, d)
    found = {(int(a), int(b)) for a, b in zip(qs, ts, strict=True) if a != b}
    brute = set()
    for i in range(n):
        for j in range(n):
            if i != j:
                dp = np.bitwise_count(p[i][:, None] ^ p[j][None, :])
                dd = np.bitwise_count(d[i][:, None] ^ d[j][None, :])
                if ((dp <= 7) & (dd <= 7)).any() and min(
                        np.bitwise_count(p[i, 0] ^ p[j]).min(), np.bitwise_count(p[i] ^ p[j, 0]).min()) <= 7:
                    brute.add((i, j))
    assert brute <= found
