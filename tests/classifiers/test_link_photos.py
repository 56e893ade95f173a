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
from classifiers.photos import CROPS, HASH_VERSION, hash_image, is_duplicate


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


def _cut(img: Image.Image, side: str, f: float) -> Image.Image:
    """Crop a fraction ``f`` from one side only."""
    w, h = img.size
    box = {"left": (int(w * f), 0, w, h), "right": (0, 0, w - int(w * f), h),
           "top": (0, int(h * f), w, h), "bottom": (0, 0, w, h - int(h * f))}[side]
    return img.crop(box)


@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
@pytest.mark.parametrize("frac", [0.05, 0.10, 0.15])
def test_one_sided_crops_match(side: str, frac: float) -> None:
    for seed in range(6):
        img = make_image(seed)
        h = hash_image(img)
        copy = _cut(img, side, frac)
        assert is_duplicate(h, hash_image(copy)), (side, frac, seed)
        # a re-encoded mirrored copy of the one-sided crop, and the crop as the older photo
        assert is_duplicate(hash_image(_jpeg(ImageOps.mirror(copy), 60)), h), (side, frac, seed, "mirrored")


def test_one_sided_crops_are_found_by_the_index() -> None:
    """The index finds every one-sided copy whose matching view pair is within its guaranteed radius
    (chunks * (radius + 1) - 1 = 5 bits) and, beyond that, most others (a chunk survived)."""
    sides = ["left", "right", "top", "bottom"]
    imgs = [make_image(s) for s in range(4)]
    copies = [(i, _cut(imgs[i], side, f)) for i in range(4) for side in sides for f in (0.05, 0.10, 0.15)]
    h_orig = [hash_image(i) for i in imgs]
    h_copy = [hash_image(c) for _, c in copies]
    p, d = views_to_arrays([h.views for h in h_orig + h_copy])
    idx = PhotoIndex()
    idx.add(np.arange(4), p[:4], d[:4])
    idx.add(np.arange(4, 4 + len(copies)), p[4:], d[4:])
    g = idx.groups()
    found = 0
    for k, (i, _) in enumerate(copies):
        a, b = h_orig[i], h_copy[k]
        assert is_duplicate(a, b)
        pairs = [(a.views[0], v) for v in b.views] + [(v, b.views[0]) for v in a.views]
        close = min((x[0] ^ y[0]).bit_count() for x, y in pairs if (x[1] ^ y[1]).bit_count() <= 18)
        hit = g[4 + k] == i
        assert hit or close > 5, (i, k, close)
        found += hit
    assert found >= 0.9 * len(copies)


def test_view_layout() -> None:
    assert N_VIEWS == 2 * len(CROPS) == len(hash_image(make_image(0)).views) == 22
    assert HASH_VERSION.endswith(".v2")


def test_index_rejects_hashes_of_another_view_layout() -> None:
    p, d = views_to_arrays([hash_image(make_image(0)).views])
    idx = PhotoIndex()
    idx.add(np.array([1]), p, d)
    with pytest.raises(ValueError, match="HASH_VERSION"):
        idx.add(np.array([2]), p[:, :14], d[:, :14])
    with pytest.raises(ValueError, match="HASH_VERSION"):
        idx.query(p[:, :14], d[:, :14])


def test_different_images_with_shared_colours_and_crops_do_not_match() -> None:
    """More views must not make different pictures in one palette match: one-sided crops of other pictures
    stay apart, in is_duplicate and in the index."""
    pal = [(30, 120, 60), (220, 220, 220), (90, 40, 20), (240, 180, 40), (10, 10, 10)]
    imgs = [make_image(300 + s, pal) for s in range(12)]
    hashes = [hash_image(i) for i in imgs]
    cut = [hash_image(_cut(i, side, 0.1)) for i, side in zip(imgs, ["left", "right", "top", "bottom"] * 3,
                                                               strict=True)]
    for i in range(len(imgs)):
        for j in range(len(imgs)):
            if i != j:
                assert not is_duplicate(hashes[i], hashes[j]), (i, j)
                assert not is_duplicate(hashes[i], cut[j]), (i, j)
    p, d = views_to_arrays([h.views for h in hashes + cut])
    idx = PhotoIndex()
    idx.add(np.arange(24), p, d)
    g = idx.groups()
    assert all(g[i] == i and g[12 + i] == i for i in range(12))


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
                # the verification rule: a view pair with a full view on one side within both limits
                ok = ((np.bitwise_count(p[i, 0] ^ p[j]) <= 7) & (np.bitwise_count(d[i, 0] ^ d[j]) <= 7)).any() | (
                    (np.bitwise_count(p[i] ^ p[j, 0]) <= 7) & (np.bitwise_count(d[i] ^ d[j, 0]) <= 7)).any()
                if ok and min(
                        np.bitwise_count(p[i, 0] ^ p[j]).min(), np.bitwise_count(p[i] ^ p[j, 0]).min()) <= 7:
                    brute.add((i, j))
    assert brute <= found


def test_hashes_of_an_older_version_are_recomputed(session, settings) -> None:
    """A new HASH_VERSION rehashes stored photos in place (photo_hash has one row per photo); a purged
    photo keeps its old hash, which the stage leaves out of the index."""
    import hashlib

    from classifiers.link_stage import _rehash_stale
    from storage.models import Photo, PhotoHash

    old_views = [["0" * 16, "0" * 16]] * 14
    rows = []
    for key, keep_file in (("a", True), ("b", False)):
        img = make_image(ord(key))
        path = settings.blobs_dir / f"p/{key}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, "JPEG", quality=80)
        ph = Photo(sha256=hashlib.sha256(key.encode()).hexdigest(), path=f"p/{key}.jpg" if keep_file else None,
                   width=img.width, height=img.height, format="JPEG", size_bytes=path.stat().st_size)
        session.add(ph)
        session.flush()
        session.add(PhotoHash(photo_id=ph.id, version="phash_dhash_views.v1", views=old_views))
        rows.append(ph.id)
    session.flush()
    assert _rehash_stale(session, settings) == 1
    session.flush()
    fresh, purged = (session.get(PhotoHash, pid) for pid in rows)
    assert fresh.version == HASH_VERSION and len(fresh.views) == N_VIEWS
    assert purged.version == "phash_dhash_views.v1" and len(purged.views) == 14
