"""Photo validation without a pixel decode (``inspect_image`` / ``jpeg_problem``).

JPEGs are no longer decoded before they are stored; their structure is walked instead. These tests hold the
walk to what the decode rejected: every truncation, damaged headers and tables, and (on a fixed sample) the
nearly the same verdict as Pillow's decode for single-bit damage anywhere in the file; plus the header rules (pixel
limit, decompression bombs, formats, SVG) that did not change.
"""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image, ImageDraw, ImageFilter
from scrapy.pipelines.media import FileException

from crawler.demo_site import images
from crawler.jpeg_check import jpeg_problem
from crawler.pipelines import inspect_image

MAX_PIXELS = 40_000_000


def _picture() -> Image.Image:
    """A deterministic photo-like picture (blurred noise plus shapes), independent of other modules' state."""
    noise = random.Random(0).randbytes(240 * 180 * 3)
    img = Image.frombytes("RGB", (240, 180), noise).filter(ImageFilter.GaussianBlur(3))
    draw = ImageDraw.Draw(img)
    draw.ellipse((60, 40, 170, 150), fill=(200, 120, 90))
    draw.rectangle((10, 120, 90, 170), fill=(30, 60, 140))
    return img


def _jpeg(**save: object) -> bytes:
    img = _picture()
    mode = save.pop("mode", None)
    if mode:
        img = img.convert(str(mode))
    out = io.BytesIO()
    img.save(out, "JPEG", **save)
    return out.getvalue()


def _decodes(data: bytes) -> bool:
    """The rule before this change: Pillow decodes the whole file (full scale, the strictest form)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
        return True
    except Exception:
        return False


def _exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "camera"
    return _jpeg(exif=exif, quality=85)


VALID = {
    "baseline": lambda: _jpeg(quality=80),
    "progressive": lambda: _jpeg(progressive=True, quality=75),
    "optimized grey": lambda: _jpeg(mode="L", optimize=True),
    "cmyk": lambda: _jpeg(mode="CMYK"),
    "exif": _exif_jpeg,
    "restart markers": lambda: _jpeg(restart_marker_blocks=4),
    "data after the end marker": lambda: _jpeg() + b"camera trailer \xff\xd8\xff\xe0",
    "demo photo": lambda: images.photo_bytes.__wrapped__(7, 5, 5, "orig", None),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_jpegs_pass(name: str) -> None:
    data = VALID[name]()
    assert _decodes(data)
    assert jpeg_problem(data) is None
    with Image.open(io.BytesIO(data)) as img:
        assert inspect_image(data, max_pixels=MAX_PIXELS) == ("JPEG", *img.size)  # size from the frame header


@pytest.mark.parametrize("name", ["baseline", "progressive", "exif", "restart markers"])
def test_every_truncation_is_rejected(name: str) -> None:
    data = VALID[name]()
    end = data.rindex(b"\xff\xd9")
    for cut in range(2, end + 1, max(1, end // 400)):
        assert jpeg_problem(data[:cut]) is not None, cut
        with pytest.raises(FileException, match="broken-image"):
            inspect_image(data[:cut], max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("name", ["baseline", "progressive", "exif"])
def test_nearly_the_same_verdict_as_a_decode_for_bit_flips(name: str) -> None:
    """Single-bit damage: the walk and a full decode agree on >= 98 % of files (measured 99.3-100 %). The
    rest is header damage a decode refuses and the walk does not model (e.g. progressive scan parameters);
    such a file is stored and the photo-hash stage skips it (``classifiers.photos.hash_file`` -> None)."""
    data = VALID[name]()
    rng = random.Random(name)
    differ = 0
    for _ in range(400):
        damaged = bytearray(data)
        damaged[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        flipped = bytes(damaged)
        if _accepted(flipped) != _decodes(flipped):
            differ += 1
    assert differ <= 8


def _accepted(data: bytes) -> bool:
    try:
        inspect_image(data, max_pixels=MAX_PIXELS)
        return True
    except FileException:
        return False


@pytest.mark.parametrize("damage, reason", [
    (lambda d: d.replace(b"\xff\xc4", b"\xff\xc4\x00\x03\x00", 1)[:0] + d[:2] + b"\xff\x02\x00\x04ab" + d[2:],
     "unsupported marker"),
    (lambda d: d[:-2], "truncated"),
    (lambda d: b"\x00" + d, "no JPEG start marker"),
    (lambda d: d[:2] + b"\xff\xd9", "no image data"),
])
def test_structural_damage_named(damage, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert reason in (jpeg_problem(damage(VALID["baseline"]())) or "")


def test_overfull_huffman_table_rejected() -> None:
    data = VALID["baseline"]()
    at = data.index(b"\xff\xc4") + 5  # the first count (codes of length 1) of the first table
    broken = data[:at] + b"\x03" + data[at + 1:]  # three 1-bit codes cannot exist
    assert not _decodes(broken)
    assert jpeg_problem(broken) == "bad Huffman table"


def test_pixel_limit_and_bombs_from_the_header() -> None:
    data = VALID["baseline"]()
    sof = data.index(b"\xff\xc0")
    huge = data[:sof + 5] + struct.pack(">HH", 30_000, 30_000) + data[sof + 9:]
    with pytest.raises(FileException, match=r"too-many-pixels|broken-image"):
        inspect_image(huge, max_pixels=MAX_PIXELS)
    with pytest.raises(FileException, match="too-many-pixels"):
        inspect_image(data, max_pixels=10_000)


def test_other_formats_still_decoded() -> None:
    img = Image.new("RGB", (64, 48), "red")
    out = io.BytesIO()
    img.save(out, "PNG")
    png = out.getvalue()
    assert inspect_image(png, max_pixels=MAX_PIXELS) == ("PNG", 64, 48)
    with pytest.raises(FileException, match="broken-image"):
        inspect_image(png[: len(png) // 2], max_pixels=MAX_PIXELS)
    with pytest.raises(FileException, match="broken-image"):
        inspect_image(b"<html><body>not an image</body></html>", max_pixels=MAX_PIXELS)
    with pytest.raises(FileException, match="svg-refused"):
        inspect_image(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', max_pixels=MAX_PIXELS)
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    with pytest.raises(FileException, match="too-small"):
        inspect_image(out.getvalue(), max_pixels=MAX_PIXELS)
