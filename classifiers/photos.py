"""Perceptual photo hashes that survive resizing, re-encoding, crops, mirroring, borders and watermarks.

Each photo gets several *views* (``CROPS``): the full image, centre crops, corner-anchored crops and
single-side crops (so a copy cropped by 5-15% centrally, on two adjacent sides or on one side only lines up
with one of the original's views), each also mirrored. Every view has a 64-bit pHash (indexed) and a 64-bit
dHash (used to verify a pHash candidate, which keeps pictures that merely share colours apart). Hashes are
plain Python ints, never numpy integers, so they go to JSON and SQL unchanged. ``HASH_VERSION`` names the
view layout: hashes of another version are recomputed, never compared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

HASH_VERSION = "phash_dhash_views.v2"
# (width kept, height kept, anchor x, anchor y): the full image, centre crops, corner-anchored crops (a cut
# on two adjacent sides) and single-side crops (a cut on one side only: a one-sided crop of the original
# lines up with one of these instead of being 12-18 bits from every centred view). Mirrored views follow.
CROPS: tuple[tuple[float, float, float, float], ...] = (
    (1.0, 1.0, 0.5, 0.5), (0.93, 0.93, 0.5, 0.5), (0.86, 0.86, 0.5, 0.5),
    (0.88, 0.88, 0.0, 0.0), (0.88, 0.88, 1.0, 0.0), (0.88, 0.88, 0.0, 1.0), (0.88, 0.88, 1.0, 1.0),
    (0.88, 1.0, 0.0, 0.5), (0.88, 1.0, 1.0, 0.5), (1.0, 0.88, 0.5, 0.0), (1.0, 0.88, 0.5, 1.0),
)
N_VIEWS = 2 * len(CROPS)
# MIRROR_OF[i]: the view that is view i mirrored (mirror(crop anchored at x) = crop of the mirror at 1 - x).
_MIRROR_CROP = [CROPS.index((fx, fy, 1.0 - ax, ay)) for fx, fy, ax, ay in CROPS]
MIRROR_OF: tuple[int, ...] = tuple([len(CROPS) + k for k in _MIRROR_CROP] + _MIRROR_CROP)
MASK64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class PhotoHashes:
    """PhotoHashes: (phash, dhash) per view; views[0] is the full image, mirrored views follow."""

    views: tuple[tuple[int, int], ...]

    @property
    def phash(self) -> int:
        return self.views[0][0]

    @property
    def dhash(self) -> int:
        return self.views[0][1]

    def to_json(self) -> list[list[str]]:
        return [[f"{p:016x}", f"{d:016x}"] for p, d in self.views]

    @classmethod
    def from_json(cls, data: list[list[str]]) -> PhotoHashes:
        return cls(tuple((int(p, 16), int(d, 16)) for p, d in data))


def _bits_to_int(h: imagehash.ImageHash) -> int:
    return int.from_bytes(np.packbits(h.hash.flatten()).tobytes(), "big")


def _trim_border(img: Image.Image) -> Image.Image:
    """Remove a uniform frame (added borders) before hashing: compare against the corner colour."""
    arr = np.asarray(img.convert("L"), dtype=np.int16)
    h, w = arr.shape
    corner = int(arr[0, 0])
    # Added frames are black or white; a coloured uniform margin is more likely the picture's background.
    others = (int(arr[0, -1]), int(arr[-1, 0]), int(arr[-1, -1]))
    if 30 <= corner <= 225 or max(abs(c - corner) for c in others) > 12:
        return img
    diff = np.abs(arr - corner) > 12
    rows = np.flatnonzero(diff.mean(axis=1) > 0.01)
    cols = np.flatnonzero(diff.mean(axis=0) > 0.01)
    if rows.size == 0 or cols.size == 0:
        return img
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    # A frame is uniform on all four sides; keep the image if trimming would remove most of it.
    if min(top, left, h - bottom, w - right) < 2 or (bottom - top) * (right - left) < 0.4 * h * w:
        return img
    return img.crop((left, top, right, bottom))


def _crop(img: Image.Image, fx: float, fy: float, ax: float, ay: float) -> Image.Image:
    if fx >= 1.0 and fy >= 1.0:
        return img
    w, h = img.size
    cw, ch = int(w * fx), int(h * fy)
    left, top = int((w - cw) * ax), int((h - ch) * ay)
    return img.crop((left, top, left + cw, top + ch))


def hash_image(img: Image.Image) -> PhotoHashes:
    """hash_image (PhotoHashes): pHash and dHash of every view in ``CROPS``, plain then mirrored."""
    img = _trim_border(ImageOps.exif_transpose(img).convert("RGB"))
    # Hash a small copy: pHash/dHash resample anyway, and this bounds time on huge images.
    img.thumbnail((256, 256))
    views: list[tuple[int, int]] = []
    for mirrored in (False, True):
        base = ImageOps.mirror(img) if mirrored else img
        for fx, fy, ax, ay in CROPS:
            view = _crop(base, fx, fy, ax, ay)
            views.append((_bits_to_int(imagehash.phash(view)), _bits_to_int(imagehash.dhash(view))))
    return PhotoHashes(tuple(views))


def hash_file(path: Path) -> PhotoHashes | None:
    """hash_file (PhotoHashes | None): hashes of an image file, None when it cannot be decoded."""
    try:
        with Image.open(path) as img:
            return hash_image(img)
    except (OSError, ValueError) as exc:
        log.warning("photo %s cannot be hashed: %s", path, exc)
        return None


def hamming(a: int, b: int) -> int:
    """hamming (int): differing bits between two 64-bit hashes."""
    return (a ^ b).bit_count()


def is_duplicate(a: PhotoHashes, b: PhotoHashes, *, phash_max: int = 13, dhash_max: int = 18) -> bool:
    """is_duplicate (bool): some view pair with a full view on one side is within both limits.

    Only pairs that involve a full view are compared (A's full view vs B's views, A's views vs B's full
    view: ``2 * N_VIEWS - 1`` pairs), the pairs the index probes; a copy is the original cropped, so its
    full view lines up with one of the original's views or the reverse. The two limits together are what
    keep different pictures in one palette apart: measured on generated images, copies (resized,
    re-encoded, cropped 5-15% centrally or on one side, mirrored, framed, watermarked) stay within 13/18
    while different pictures sharing a palette stay apart (tests/classifiers/test_link_photos.py).
    """
    n = len(a.views)
    mirror = MIRROR_OF if n == N_VIEWS else tuple(range(n))

    def ok(i: int, j: int) -> bool:
        (pa, da), (pb, db) = a.views[i], b.views[j]
        return hamming(pa, pb) <= phash_max and hamming(da, db) <= dhash_max

    pairs = [(0, j) for j in range(n)] + [(i, 0) for i in range(1, n)]
    return any(ok(i, j) and ok(mirror[i], mirror[j]) for i, j in pairs)
