"""Benchmark: synthetic ads (text, phones, photo hashes; no crawling) through link + cluster + score.

Usage: .venv/bin/python bench/link.py --sizes 20000,100000 [--increment 20000]
Prints wall time, peak RSS, growth ratios against the first size, and one nightly increment into the
largest size. Synthetic data: 35% of ads in networks of 2-8 persons sharing a phone, template text and
reused photos (copies with a few flipped bits); the rest independent.
"""

from __future__ import annotations

import argparse
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
from config.scoring_schema import load_scoring

WORDS = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "lmnrst"]  # 360 syllable words
CITIES = ["Aarhus", "Odense", "Aalborg", "Vejle", "Esbjerg", "Kolding", "Horsens", "Randers"]


def synth(n: int, start_id: int, rng: np.random.Generator) -> tuple[list[AdRecord], np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    recs: list[AdRecord] = []
    pids: list[int] = []
    pv: list[np.ndarray] = []
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    aid = start_id
    while len(recs) < n:
        net = rng.random() < 0.35 / 4
        persons = int(rng.integers(2, 9)) if net else 1
        phone = f"+45{rng.integers(10**7, 10**8)}"
        template = [WORDS[i] for i in rng.integers(0, len(WORDS), 30)]
        base = rng.integers(0, 2**63, (1, N_VIEWS), dtype=np.uint64)
        for k in range(persons):
            words = template if net else [WORDS[i] for i in rng.integers(0, len(WORDS), 30)]
            name = f"N{aid}"
            photo = base.copy() if net else rng.integers(0, 2**63, (1, N_VIEWS), dtype=np.uint64)
            if net:
                photo[0, 0] ^= np.uint64(1 << int(rng.integers(0, 64)))
            recs.append(AdRecord(aid, "bench", t0 + timedelta(days=int(rng.integers(0, 10))),
                                 f"Hi I'm {name}, {20 + k} years. " + " ".join(words), CITIES[k % 8], name,
                                 20 + k, (phone if net else f"+45{rng.integers(10**7, 10**8)}",),
                                 photos=(aid,)))
            pids.append(aid)
            pv.append(photo)
            aid += 1
    recs = recs[:n]
    p = np.vstack(pv)[:n]
    return recs, np.array(pids[:n], np.int64), p, p.copy()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int, increment: int, cfg) -> dict[str, float]:
    rng = np.random.default_rng(n)
    recs, pids, p, d = synth(n, 1, rng)
    records = {r.ad_id: r for r in recs}
    graph = LinkGraph(cfg)
    pc = cfg.photos
    index = PhotoIndex(phash_max=pc.phash_max_distance, dhash_max=pc.dhash_max_distance, chunks=pc.index_chunks,
                       chunk_radius=pc.index_chunk_radius, bucket_cap=pc.index_bucket_cap)
    t = time.perf_counter()
    res = run_night(cfg=cfg, graph=graph, index=index, new_ads=recs, photo_ids=pids, photo_p=p, photo_d=d,
                    records=records)
    full = time.perf_counter() - t
    out = {"n": n, "seconds": full, "peak_mb": peak_mb(), "clusters": len(set(res.cluster_of.values()))}
    if increment:
        recs2, pids2, p2, d2 = synth(increment, n + 10, rng)
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
    args = ap.parse_args()
    cfg = load_scoring(Path(__file__).resolve().parents[1] / "config")
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None
    for i, n in enumerate(sizes):
        r = run(n, args.increment if i == len(sizes) - 1 else 0, cfg)
        base = base or r
        ratio = (r["seconds"] / base["seconds"]) / (n / base["n"])
        inc = f"  increment {args.increment}: {r['increment_s']:.1f}s" if "increment_s" in r else ""
        print(f"n={n:>9,}  {r['seconds']:7.1f}s  peak RSS {r['peak_mb']:7.0f} MB  clusters {r['clusters']:,}  "
              f"time/ad vs n={base['n']:,}: x{ratio:.2f}{inc}", flush=True)


if __name__ == "__main__":
    main()
