"""Benchmark: synthetic ads (text, phones, photo hashes; no crawling) through link + cluster + score.

Usage: .venv/bin/python bench/link.py --sizes 100000,1000000 --increment 20000 [--profile]
Prints wall time, peak RSS, growth ratios against the first size, one nightly increment into the largest
size, and the photo false-match count against the synthetic truth.

Synthetic data (realistic enough to stress the index honestly):
- ~30% of ads belong to networks of 2-8 persons: one or two shared phones, one template text with the
  names/ages swapped, and 1-3 source photos reused across the persons as near-duplicate copies;
- independents: own phone, own words, own photo; ~20% repost once (same phone, text and a copy of the photo);
- a photo is 14 views, each an independent uniformly random 64-bit pHash and dHash (views of one picture
  differ as much as different pictures); a copy flips 0-4 random bits in every view of its source;
- every ad carries the site's footer line (boilerplate) and ~1% show the site's placeholder picture.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers.linking import LinkGraph
from classifiers.photo_index import N_VIEWS, PhotoIndex
from classifiers.pipeline import run_night
from classifiers.records import AdRecord
from config.scoring_schema import ScoringConfig, load_scoring

WORDS = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "lmnrst"]  # 360 syllable words
CITIES = ["Aarhus", "Odense", "Aalborg", "Vejle", "Esbjerg", "Kolding", "Horsens", "Randers"]
FOOTER = "All advertisers are over 18. Report abuse to the site team."
PLACEHOLDER_SOURCE = -1


class Synth:
    """Deterministic synthetic market; ``source`` per photo is the truth for the false-match check."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.next_source = 0
        self.src_p: dict[int, np.ndarray] = {}
        self.src_d: dict[int, np.ndarray] = {}
        self.placeholder = self.rng.integers(0, 2**64 - 1, (2, N_VIEWS), dtype=np.uint64, endpoint=True)

    def _source(self) -> int:
        s = self.next_source
        self.next_source += 1
        self.src_p[s] = self.rng.integers(0, 2**64 - 1, N_VIEWS, dtype=np.uint64, endpoint=True)
        self.src_d[s] = self.rng.integers(0, 2**64 - 1, N_VIEWS, dtype=np.uint64, endpoint=True)
        return s

    def _copy(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        if s == PLACEHOLDER_SOURCE:
            return self.placeholder[0].copy(), self.placeholder[1].copy()
        out = []
        for base in (self.src_p[s], self.src_d[s]):
            h = base.copy()
            k = int(self.rng.integers(0, 5))
            for v in range(N_VIEWS):
                for b in self.rng.choice(64, size=k, replace=False).tolist():
                    h[v] ^= np.uint64(1 << b)
            out.append(h)
        return out[0], out[1]

    def words(self, n: int) -> list[str]:
        return [WORDS[i] for i in self.rng.integers(0, len(WORDS), n)]

    def phone(self) -> str:
        return f"+45{self.rng.integers(10**7, 10**8)}"

    def ads(self, n: int, start_id: int) -> tuple[list[AdRecord], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rng = self.rng
        recs: list[AdRecord] = []
        pv: list[np.ndarray] = []
        dv: list[np.ndarray] = []
        srcs: list[int] = []
        t0 = datetime(2026, 11, 1, tzinfo=UTC)
        aid = start_id

        def emit(name: str, age: int, phones: tuple[str, ...], words: list[str], source: int, city: str) -> None:
            nonlocal aid
            if rng.random() < 0.01:
                source = PLACEHOLDER_SOURCE
            p, d = self._copy(source)
            recs.append(AdRecord(aid, "bench", t0 + timedelta(days=int(rng.integers(0, 10))),
                                 f"Hi I'm {name}, {age} years. " + " ".join(words) + "\n" + FOOTER, city, name,
                                 age, phones, photos=(aid,)))
            pv.append(p)
            dv.append(d)
            srcs.append(source)
            aid += 1

        while len(recs) < n:
            if rng.random() < 0.3 / 5:  # a network (~5 ads on average)
                persons = int(rng.integers(2, 9))
                phones = [self.phone() for _ in range(int(rng.integers(1, 3)))]
                template = self.words(30)
                sources = [self._source() for _ in range(int(rng.integers(1, 4)))]
                for k in range(persons):
                    emit(f"N{aid}", 19 + k, (phones[k % len(phones)],), template,
                         sources[int(rng.integers(0, len(sources)))], CITIES[k % 8])
            else:
                name, phone, words, src = f"I{aid}", self.phone(), self.words(30), self._source()
                city = CITIES[int(rng.integers(0, 8))]
                for _ in range(2 if rng.random() < 0.2 else 1):
                    emit(name, 30, (phone,), words, src, city)
        k = n
        pids = np.array([r.ad_id for r in recs[:k]], np.int64)
        return recs[:k], pids, np.vstack(pv)[:k], np.vstack(dv)[:k], np.array(srcs[:k], np.int64)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def false_photo_pairs(index: PhotoIndex, source_of: dict[int, int]) -> int:
    """Photos grouped with a photo of a different source (placeholder copies are one source)."""
    groups = index.group_array()
    src = np.array([source_of[i] for i in index.ids.tolist()], np.int64)
    order = np.lexsort((src, groups))
    g, s = groups[order], src[order]
    # per group, photos not of the group's majority-first source
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    distinct = np.add.reduceat(np.r_[True, (s[1:] != s[:-1]) | (g[1:] != g[:-1])].astype(np.int64), starts)
    return int((distinct - 1).sum())


def run(n: int, increment: int, cfg: ScoringConfig, profile: bool) -> dict[str, float]:
    syn = Synth(n)
    recs, pids, p, d, src = syn.ads(n, 1)
    source_of = dict(zip(pids.tolist(), src.tolist(), strict=True))
    records = {r.ad_id: r for r in recs}
    graph = LinkGraph(cfg)
    pc = cfg.photos
    index = PhotoIndex(phash_max=pc.phash_max_distance, dhash_max=pc.dhash_max_distance, chunks=pc.index_chunks,
                       chunk_radius=pc.index_chunk_radius, bucket_cap=pc.index_bucket_cap)
    prof = cProfile.Profile() if profile else None
    t = time.perf_counter()
    if prof:
        prof.enable()
    res = run_night(cfg=cfg, graph=graph, index=index, new_ads=recs, photo_ids=pids, photo_p=p, photo_d=d,
                    records=records)
    full = time.perf_counter() - t
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    out = {"n": n, "seconds": full, "peak_mb": peak_mb(), "clusters": len(set(res.cluster_of.values())),
           "false_photo": false_photo_pairs(index, source_of)}
    if increment:
        recs2, pids2, p2, d2, _ = syn.ads(increment, n + 10)
        records.update({r.ad_id: r for r in recs2})
        t = time.perf_counter()
        run_night(cfg=cfg, graph=graph, index=index, new_ads=recs2, photo_ids=pids2, photo_p=p2, photo_d=d2,
                  records=records)
        out["increment_s"] = time.perf_counter() - t
        out["peak_mb"] = peak_mb()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--increment", type=int, default=20000, help="nightly ads added into the largest size")
    ap.add_argument("--profile", action="store_true", help="cProfile the first full run (top 25 cumulative)")
    args = ap.parse_args()
    cfg = load_scoring(Path(__file__).resolve().parents[1] / "config")
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None
    for i, n in enumerate(sizes):
        r = run(n, args.increment if i == len(sizes) - 1 else 0, cfg, args.profile and i == 0)
        base = base or r
        ratio = (r["seconds"] / base["seconds"]) / (n / base["n"])
        inc = f"  increment {args.increment:,}: {r['increment_s']:.1f}s" if "increment_s" in r else ""
        print(f"n={n:>9,}  {r['seconds']:7.1f}s  peak RSS {r['peak_mb']:7.0f} MB  clusters {r['clusters']:,}  "
              f"photos in a wrong group {r['false_photo']}  time/ad vs n={base['n']:,}: x{ratio:.2f}{inc}",
              flush=True)


if __name__ == "__main__":
    main()
