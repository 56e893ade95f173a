"""Template-text detection: mask what varies between copies, shingle, MinHash (datasketch), LSH bands.

Masking makes "Hi I'm Anna, 21" and "Hi I'm Mia, 19" the same template: names, numbers, phones,
emails, handles, prices and capitalised words inside a sentence become placeholders before shingling.
Site boilerplate (a line that very many ads of one site share, such as a footer) is dropped first, so it
cannot link unrelated ads. Signatures are exactly datasketch's ``MinHash`` with ``scheme="affine32"``
(trap 8: the scheme is stored with the index) but computed vectorised over many texts at once, and
banding is done on numpy arrays, which keeps 1M texts in a few hundred MB instead of datasketch's LSH.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

log = logging.getLogger(__name__)

SCHEME = "affine32"
TEXT_VERSION = "masked_shingles_minhash.v1"

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_HANDLE = re.compile(r"(?<!\w)@\w{2,}")
_PRICE = re.compile(r"(?:(?:kr|dkk|eur|€|\$|£)\.?\s*\d[\d.,]*|\d[\d.,]*\s*(?:kr|dkk|eur|€|\$|£|,-))", re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_NUM = re.compile(r"\d+")
_TOKEN = re.compile(r"<[a-z]+>|[^\W\d_]+", re.U)


_WORDCHARS = re.compile(r"\w+")
_PUNCT = "\"'.,!?:;()[]{}*-_~/"


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """mask_text (str): lower-cased text with contacts, prices, numbers and names replaced by placeholders.

    names (iterable of str): the ad's own names (from reading), masked wherever they appear.
    """
    t = _EMAIL.sub(" <email> ", text)
    t = _URL.sub(" <url> ", t)
    t = _HANDLE.sub(" <handle> ", t)
    t = _PRICE.sub(" <price> ", t)
    t = _PHONE.sub(" <phone> ", t)
    t = _NUM.sub(" <num> ", t)
    single = {n.lower() for n in names if n and len(n) > 1 and _WORDCHARS.fullmatch(n)}
    for name in names:  # multi-word names (rare): a regex each
        if name and len(name) > 1 and name.lower() not in single:
            t = re.sub(rf"\b{re.escape(name)}\b", " <name> ", t, flags=re.I)
    # Capitalised words inside a sentence are mostly names and places: mask them too.
    out: list[str] = []
    prev_end = True
    for w in t.split():
        own_name = bool(single) and w.strip(_PUNCT).lower() in single
        if own_name or (not prev_end and w[:1].isupper() and not w.isupper()):
            out.append("<name>")
        else:
            out.append(w)
        prev_end = w[-1] in ".!?:;"
    return " ".join(out).lower()


def line_key(line: str) -> int:
    """line_key (int): stable hash of one normalised line, for boilerplate counting."""
    return zlib.crc32(" ".join(line.lower().split()).encode())


def lines_of(text: str) -> list[str]:
    return [ln for ln in (s.strip() for s in re.split(r"[\n\r]+", text)) if ln]


@dataclass
class BoilerplateModel:
    """BoilerplateModel: per-site line counts; a line shared by many of a site's ads is boilerplate."""

    min_ads: int = 30
    share: float = 0.02
    counts: dict[str, Counter[int]] = field(default_factory=dict)
    ads: Counter[str] = field(default_factory=Counter)

    def observe(self, site: str, text: str) -> None:
        self.ads[site] += 1
        self.counts.setdefault(site, Counter()).update({line_key(ln) for ln in lines_of(text)})

    def is_boilerplate(self, site: str, line: str) -> bool:
        n = self.counts.get(site, Counter()).get(line_key(line), 0)
        return n >= self.min_ads and n >= self.share * self.ads[site]

    def strip(self, site: str, text: str) -> str:
        """strip (str): the text without its site's boilerplate lines."""
        return "\n".join(ln for ln in lines_of(text) if not self.is_boilerplate(site, ln))


def shingles(masked: str, k: int = 3) -> list[bytes]:
    """shingles (list of bytes): distinct word k-grams of a masked text."""
    toks = _TOKEN.findall(masked)
    if len(toks) < k:
        return [" ".join(toks).encode()] if toks else []
    return list({" ".join(toks[i:i + k]).encode() for i in range(len(toks) - k + 1)})


def shingle_hash(b: bytes) -> int:
    """shingle_hash (int): 32-bit hash of a shingle (the ``hashfunc`` given to datasketch)."""
    return zlib.crc32(b)


class MinHasher:
    """MinHasher: datasketch-compatible MinHash signatures (affine32) for many shingle sets at once."""

    def __init__(self, num_perm: int = 64, seed: int = 1) -> None:
        ref = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME, hashfunc=shingle_hash)
        self.num_perm, self.seed, self.scheme = num_perm, seed, ref.scheme
        a, b = ref.permutations
        self.a, self.b = a.astype(np.uint32), b.astype(np.uint32)

    def signatures(self, docs: Sequence[Sequence[bytes]], batch: int = 4096) -> np.ndarray:
        """signatures (uint32 array (n, num_perm)): one row per document; empty docs get max values."""
        out = np.full((len(docs), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        for s in range(0, len(docs), batch):
            chunk = docs[s:s + batch]
            lens = np.fromiter((len(d) for d in chunk), np.int64, len(chunk))
            if lens.sum() == 0:
                continue
            hv = np.fromiter((shingle_hash(x) for d in chunk for x in d), np.uint32, int(lens.sum()))
            hv = _fmix(hv, 32)
            phv = hv[:, None] * self.a[None, :] + self.b[None, :]
            nz = np.flatnonzero(lens)
            starts = np.concatenate(([0], np.cumsum(lens)[:-1]))[nz]
            out[s + nz] = np.minimum.reduceat(phv, starts, axis=0)
        return out

    def to_datasketch(self, sig: np.ndarray) -> MinHash:
        """to_datasketch (MinHash): a signature row as a datasketch object (same seed and scheme)."""
        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.scheme, hashvalues=sig)


def band_keys(sigs: np.ndarray, bands: int) -> np.ndarray:
    """band_keys (uint64 array (n, bands)): one hash per LSH band of each signature."""
    n, p = sigs.shape
    r = p // bands
    view = sigs[:, : r * bands].reshape(n, bands, r).astype(np.uint64)
    h = np.full((n, bands), np.uint64(1469598103934665603), dtype=np.uint64)
    for i in range(r):
        h = (h ^ view[:, :, i]) * np.uint64(1099511628211)
    # Mix the band number in so equal rows in different bands do not collide.
    return h ^ (np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))[None, :]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """estimated_jaccard (float array): share of equal MinHash values, row by row."""
    return (a == b).mean(axis=-1)
