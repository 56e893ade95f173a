"""Procedural, non-photographic "photos" and their near-duplicate variants.

Why procedural: no real images may ship, yet photo-reuse detection needs
distinct pictures plus transformed copies (resize, re-encode, crop, mirror,
border, watermark). Bytes are a pure function of (seed, source, palette,
variant, width), generated lazily and LRU-cached so 10,000-ad corpora stay fast.
Also provides decoys (a shared placeholder, same-palette pictures) and broken files.
"""

from __future__ import annotations

import hashlib
import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 480, 640
VARIANTS: tuple[str, ...] = ("orig", "resize", "q40", "crop", "mirror", "border", "wm", "crop+wm",
                             "mirror+q40", "resize+border")
BLANK_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
             b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
BROKEN_SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="48" height="64">'
              b'<rect width="48" height="64" fill="#c0c"/><text x="4" y="30">?</text></svg>')
BROKEN_HTML = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


def _rng(*key: object) -> random.Random:
    digest = hashlib.sha256(repr(key).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _palette(seed: int, palette_source: int) -> list[tuple[int, int, int]]:
    rng = _rng("palette", seed, palette_source)
    return [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(5)]


@lru_cache(maxsize=256)
def source_image(seed: int, source: int, palette_source: int) -> Image.Image:
    """The original picture for ``source`` (shapes unique per source, colours per palette)."""
    pal = _palette(seed, palette_source)
    grad = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    img = ImageOps.colorize(grad, pal[0], pal[1])
    draw = ImageDraw.Draw(img)
    rng = _rng("shapes", seed, source)
    for _ in range(rng.randint(7, 13)):
        x0, y0 = rng.randrange(-60, WIDTH), rng.randrange(-60, HEIGHT)
        x1, y1 = x0 + rng.randint(60, 300), y0 + rng.randint(60, 340)
        colour = pal[2 + rng.randrange(3)] if rng.random() < 0.7 else tuple(rng.randrange(256) for _ in range(3))
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif kind < 0.7:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            pts = [(rng.randrange(WIDTH), rng.randrange(HEIGHT)) for _ in range(rng.randint(3, 6))]
            draw.polygon(pts, fill=colour)
    noise = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    return Image.blend(img, noise, 0.08)


def _encode(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False)
    return buf.getvalue()


def _apply(img: Image.Image, variant: str, rng: random.Random) -> tuple[Image.Image, int]:
    quality = 88
    for step in variant.split("+"):
        if step == "resize":
            img = img.resize((int(img.width * 0.75), int(img.height * 0.75)), Image.Resampling.BILINEAR)
        elif step == "q40":
            quality = 40
        elif step == "crop":
            fx, fy = rng.uniform(0.05, 0.15), rng.uniform(0.05, 0.15)
            left, top = int(img.width * fx * rng.random()), int(img.height * fy * rng.random())
            right = img.width - (int(img.width * fx) - left)
            bottom = img.height - (int(img.height * fy) - top)
            img = img.crop((left, top, right, bottom))
        elif step == "mirror":
            img = ImageOps.mirror(img)
        elif step == "border":
            img = ImageOps.expand(img, border=rng.choice((12, 20, 28)), fill=rng.choice(("white", "black")))
        elif step == "wm":
            img = img.copy()
            draw = ImageDraw.Draw(img)
            text = rng.choice(("NEW", "100% real", "VIP girls", "hot-dk"))
            draw.text((12, img.height - 28), text, fill=(255, 255, 255), font=ImageFont.load_default(18))
    return img, quality


@lru_cache(maxsize=1024)
def photo_bytes(seed: int, source: int, palette_source: int, variant: str, width: int | None = None) -> bytes:
    """JPEG bytes of ``source`` transformed by ``variant`` (deterministic); ``width`` rescales."""
    img, quality = _apply(source_image(seed, source, palette_source), variant, _rng("variant", seed, source, variant))
    if width and width < img.width:
        img = img.resize((width, int(img.height * width / img.width)), Image.Resampling.BILINEAR)
    return _encode(img, quality)


@lru_cache(maxsize=8)
def placeholder_bytes(site: str) -> bytes:
    """The site's "no photo" placeholder: identical on many unrelated ads (must not link them)."""
    img = Image.new("RGB", (WIDTH, HEIGHT), (214, 214, 214))
    draw = ImageDraw.Draw(img)
    draw.ellipse((165, 170, 315, 320), fill=(170, 170, 170))
    draw.rectangle((120, 340, 360, 520), fill=(170, 170, 170))
    draw.text((150, 560), f"{site} - no photo", fill=(90, 90, 90), font=ImageFont.load_default(22))
    return _encode(img, 85)


@lru_cache(maxsize=4)
def logo_png(site: str) -> bytes:
    """Small site logo shown in every page header."""
    img = Image.new("RGB", (160, 40), (150, 20, 60) if site == "rodelygte" else (20, 30, 90))
    ImageDraw.Draw(img).text((8, 10), site, fill=(255, 255, 255), font=ImageFont.load_default(18))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def broken_bytes(kind: str, seed: int) -> tuple[bytes, str]:
    """(body, content type) for a deliberately broken image."""
    if kind == "broken_truncated":
        data = photo_bytes(seed, 999_999, 999_999, "orig")
        return data[: len(data) // 3], "image/jpeg"
    if kind == "broken_html":
        return BROKEN_HTML, "image/jpeg"
    return BROKEN_SVG, "image/svg+xml"
