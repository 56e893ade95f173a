"""Benchmark: synthetic ads (text, phones, photo hashes; no crawling) through link + cluster + score.

Usage: .venv/bin/python bench/link.py --sizes 100000,300000,1000000 --increment 20000 [--profile] [--phases]
Prints, per size: wall and CPU time, peak RSS (``resource.getrusage``), growth ratio against the first size,
the machine load, one nightly increment into the largest size, and the photo false-match count against the
synthetic truth. Each size runs in its own process (``--one``) so peak RSS is that size's own.

Synthetic market (generated vectorised with numpy: 1M ads in a few seconds, held as columns; an
``AdRecord`` is built only when the link stage asks for it, like rows streamed from the database):
- ~30% of ads belong to networks of 2-8 persons: one or two shared phones, one template text (30 words)
  with the persons' names, ages and cities swapped in one of a few intro sentences, 0-2 words changed per
  copy, and 1-3 source photos reused across the persons as near-duplicate copies;
- independents: own phone, own words, own photo; ~20% repost once (same phone, text and a photo copy);
- noise: ~15% of ads write their number in the text, ~25% a price; every ad carries the site's footer
  (boilerplate) and ~1% show the site's placeholder picture;
- the placeholder is one file, so its copies have identical hashes (the index collapses exact copies);
- a photo is 14 views, each an independent uniformly random 64-bit pHash and dHash (views of one picture
  differ as much as different pictures: the worst case for the index); a copy flips 0-4 random bits in
  every view of its source;
- the nightly increment: 80% new networks/independents, 20% reposts of random earlier ads (same person,
  phone and text, a fresh copy of the photo), so existing clusters grow.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
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
NAMES = [f"{a.upper()}{b}{c}{d}" for a in "bdfklmnprst" for b in "aeiouy" for c in "lnrs" for d in "aei"]
CITIES = ["Aarhus", "Odense", "Aalborg", "Vejle", "Esbjerg", "Kolding", "Horsens", "Randers"]
INTROS = ["Hi I'm {name}, {age} years.", "{name} here, {age} y.o., new in {city}.",
          "Sweet {name} ({age}) visiting {city} this week.", "My name is {name} and I am {age}."]
FOOTER = "All advertisers are over 18. Report abuse to the site team."
PLACEHOLDER_SOURCE = -1
T0 = datetime(2026, 11, 1, tzinfo=UTC)
N_WORDS = 30


class Market(Mapping[int, AdRecord]):
    """Market: synthetic ads as numpy columns (ad ids ``start .. start+n-1``); ad id -> AdRecord on lookup."""

    def __init__(self, start: int, cols: dict[str, np.ndarray], words: np.ndarray) -> None:
        self.start, self.n = start, int(cols["phone"].size)
        self.c, self.words = cols, words

    def record(self, i: int) -> AdRecord:
        c = self.c
        name = NAMES[int(c["name"][i])]
        city = CITIES[int(c["city"][i])]
        ws = [WORDS[w] for w in self.words[int(c["wrow"][i])].tolist()]
        for j in range(2):
            pos = int(c["edit_pos"][i, j])
            if pos >= 0:
                ws[pos] = WORDS[int(c["edit_word"][i, j])]
        phone = f"+45{int(c['phone'][i])}"
        text = INTROS[int(c["intro"][i])].format(name=name, age=int(c["age"][i]), city=city) + " " + " ".join(ws)
        if c["noise"][i] & 1:
            text += f" Call {phone[3:5]} {phone[5:7]} {phone[7:9]} {phone[9:]}."
        if c["noise"][i] & 2:
            text += f" {500 + 100 * int(c['noise'][i] >> 2)} kr per hour."
        aid = self.start + i
        return AdRecord(aid, "bench", T0 + timedelta(days=int(c["day"][i])), text + "\n" + FOOTER, city, name,
                        int(c["age"][i]), (phone,), photos=(aid,))

    def __getitem__(self, aid: int) -> AdRecord:
        i = aid - self.start
        if not 0 <= i < self.n:
            raise KeyError(aid)
        return self.record(i)

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.start, self.start + self.n))

    def __len__(self) -> int:
        return self.n


class AdSeq(Sequence[AdRecord]):
    """AdSeq: a market's ads as a lazy sequence (slices build their records)."""

    def __init__(self, m: Market) -> None:
        self.m = m

    def __len__(self) -> int:
        return self.m.n

    def __getitem__(self, k):  # type: ignore[no-untyped-def, override]
        if isinstance(k, slice):
            return [self.m.record(i) for i in range(*k.indices(self.m.n))]
        return self.m.record(k)


class Records(Mapping[int, AdRecord]):
    """Records: several markets as one ad id -> AdRecord mapping."""

    def __init__(self, *markets: Market) -> None:
        self.markets = list(markets)

    def __getitem__(self, aid: int) -> AdRecord:
        for m in self.markets:
            if m.start <= aid < m.start + m.n:
                return m.record(aid - m.start)
        raise KeyError(aid)

    def __iter__(self) -> Iterator[int]:
        for m in self.markets:
            yield from m

    def __len__(self) -> int:
        return sum(m.n for m in self.markets)


def _flips(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 14) uint64 masks with the same 0-4 random bits count in every view of a copy."""
    k = rng.integers(0, 5, n)
    bits = rng.integers(0, 64, (n, N_VIEWS, 4), dtype=np.uint64)
    on = (np.arange(4)[None, None, :] < k[:, None, None])
    return np.bitwise_or.reduce(np.where(on, np.uint64(1) << bits, np.uint64(0)), axis=2)


def synth(n: int, start: int, seed: int, prior: tuple[Market, np.ndarray, np.ndarray, np.ndarray] | None = None,
          repost_share: float = 0.0) -> tuple[Market, np.ndarray, np.ndarray, np.ndarray]:
    """synth ((market, pHash views, dHash views, source per photo)): ``n`` ads from ``start``; vectorised."""
    rng = np.random.default_rng(seed)
    n_rep = int(n * repost_share) if prior is not None else 0
    n_new = n - n_rep
    # Units: networks (2-8 persons) or independents (1, or 2 with a repost); 9.3% networks -> ~30% of ads.
    units = int(n_new / 1.4) + 64
    net = rng.random(units) < 0.093
    size = np.where(net, rng.integers(2, 9, units), np.where(rng.random(units) < 0.2, 2, 1))
    unit = np.repeat(np.arange(units), size)[:n_new]
    k = np.arange(unit.size) - np.r_[0, np.cumsum(size)][unit]  # position within unit
    isnet = net[unit]
    nphones = np.where(net, rng.integers(1, 3, units), 1)
    uphone = rng.integers(10**7, 10**8, (units, 2))
    phone = uphone[unit, k % nphones[unit]]
    uname = rng.integers(0, len(NAMES), units)
    name = np.where(isnet, (uname[unit] + k) % len(NAMES), uname[unit])
    uage = rng.integers(20, 46, units)
    age = np.where(isnet, 19 + k, uage[unit])
    ucity = rng.integers(0, len(CITIES), units)
    city = np.where(isnet, k % len(CITIES), ucity[unit])
    intro = rng.integers(0, len(INTROS), units)[unit]
    words = rng.integers(0, len(WORDS), (units, N_WORDS), dtype=np.uint16)
    edited = isnet[:, None] & (rng.random((unit.size, 2)) < 0.3)
    edit_pos = np.where(edited, rng.integers(0, N_WORDS, (unit.size, 2)), -1)
    edit_word = rng.integers(0, len(WORDS), (unit.size, 2))
    nsrc = np.where(net, rng.integers(1, 4, units), 1)
    src_base = np.r_[0, np.cumsum(nsrc)[:-1]]
    src0 = 0 if prior is None else int(prior[3].max()) + 1
    src = src0 + src_base[unit] + (rng.random(unit.size) * nsrc[unit]).astype(np.int64)
    cols = {"phone": phone, "name": name.astype(np.int16), "age": age.astype(np.int8),
            "city": city.astype(np.int8), "intro": intro.astype(np.int8), "wrow": unit.astype(np.int32),
            "edit_pos": edit_pos.astype(np.int8), "edit_word": edit_word.astype(np.uint16),
            "day": rng.integers(0, 10, unit.size).astype(np.int8)}
    if n_rep:
        pm, pp, pd, psrc = prior
        pick = rng.integers(0, pm.n, n_rep)
        words = np.vstack((words, pm.words))
        for key in cols:
            extra = pm.c[key][pick] + (units if key == "wrow" else 0)
            cols[key] = np.concatenate((cols[key], extra.astype(cols[key].dtype)))
        cols["day"][n_new:] = 10
    noise = (rng.random(n) < 0.15).astype(np.int64) | ((rng.random(n) < 0.25).astype(np.int64) << 1)
    cols["noise"] = (noise | (rng.integers(0, 20, n) << 2)).astype(np.int16)
    src = np.concatenate((src, np.full(n_rep, -2, np.int64)))
    src[rng.random(n) < 0.01] = PLACEHOLDER_SOURCE
    placeholder = rng.integers(0, 2**64 - 1, (2, N_VIEWS), dtype=np.uint64, endpoint=True)
    p = np.empty((n, N_VIEWS), np.uint64)
    d = np.empty((n, N_VIEWS), np.uint64)
    for s in range(0, n, 50000):  # source hashes drawn per block of sources (bounded memory)
        e = min(n, s + 50000)
        blk = src[s:e]
        fresh = blk >= src0
        u, inv = np.unique(blk[fresh], return_inverse=True)
        # Every source's hashes come from its own seed, so copies in different blocks agree.
        hp, hd = _source_hashes(u, seed)
        p[s:e][fresh], d[s:e][fresh] = hp[inv], hd[inv]
        rep = blk == -2
        if rep.any():
            pm, pp, pd, psrc = prior  # type: ignore[misc]
            j = pick[np.arange(s, e)[rep] - n_new]
            p[s:e][rep], d[s:e][rep] = pp[j], pd[j]
            src[s:e][rep] = psrc[j]
        p[s:e] ^= _flips(rng, e - s)
        d[s:e] ^= _flips(rng, e - s)
        ph = blk == PLACEHOLDER_SOURCE  # the site's placeholder is the same file: identical hashes
        p[s:e][ph], d[s:e][ph] = placeholder[0], placeholder[1]
    return Market(start, cols, words), p, d, src


def _source_hashes(u: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic uniform 64-bit view hashes per source id (a counter-based hash, vectorised)."""
    with np.errstate(over="ignore"):  # splitmix64 of (seed, source, view)
        x = (u.astype(np.uint64)[:, None] * np.uint64(2 * N_VIEWS) + np.arange(2 * N_VIEWS, dtype=np.uint64)[None, :]
             + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15))
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return x[:, :N_VIEWS], x[:, N_VIEWS:]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def false_photo_pairs(index: PhotoIndex, src_of_id: np.ndarray) -> int:
    """Photos grouped with a photo of a different source (placeholder copies are one source)."""
    groups = index.group_array()
    src = src_of_id[index.ids]
    order = np.lexsort((src, groups))
    g, s = groups[order], src[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    distinct = np.add.reduceat(np.r_[True, (s[1:] != s[:-1]) | (g[1:] != g[:-1])].astype(np.int64), starts)
    return int((distinct - 1).sum())


def run(n: int, increment: int, cfg: ScoringConfig, profile: bool, phases: bool) -> dict[str, float]:
    t = time.perf_counter()
    m, p, d, src = synth(n, 1, n)
    gen_s = time.perf_counter() - t
    pids = np.arange(1, n + 1, dtype=np.int64)
    graph = LinkGraph(cfg)
    pc = cfg.photos
    index = PhotoIndex(phash_max=pc.phash_max_distance, dhash_max=pc.dhash_max_distance, chunks=pc.index_chunks,
                       chunk_radius=pc.index_chunk_radius, bucket_cap=pc.index_bucket_cap)
    if phases:
        import logging
        logging.basicConfig(level=logging.INFO, format="%(relativeCreated)8.0f ms  %(message)s",
                            stream=sys.stderr)
    prof = cProfile.Profile() if profile else None
    load0 = os.getloadavg()[0]
    rss0, c0, t = peak_mb(), cpu_s(), time.perf_counter()
    if prof:
        prof.enable()
    res = run_night(cfg=cfg, graph=graph, index=index, new_ads=AdSeq(m), photo_ids=pids, photo_p=p, photo_d=d,
                    records=m)
    full, cpu = time.perf_counter() - t, cpu_s() - c0
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    assert res.cluster_ids is not None
    src_of_id = np.r_[0, src]
    out = {"n": n, "gen_s": gen_s, "seconds": full, "cpu_s": cpu, "peak_mb": peak_mb(), "rss_before_mb": rss0,
           "clusters": int(np.unique(res.cluster_ids).size), "false_photo": false_photo_pairs(index, src_of_id),
           "with_indicators": len(res.hits), "load": (load0 + os.getloadavg()[0]) / 2}
    top = res.cluster_scores.top(10)  # explanations are built only for what is shown
    out["top_cluster_factors"] = [f["factor"] for f in res.cluster_scores[top[0]].explanation()] if top else []
    del res
    if increment:
        m2, p2, d2, _ = synth(increment, n + 10, n + 1, prior=(m, p, d, src), repost_share=0.2)
        recs = Records(m, m2)
        c0, t = cpu_s(), time.perf_counter()
        res2 = run_night(cfg=cfg, graph=graph, index=index, new_ads=AdSeq(m2),
                         photo_ids=np.arange(n + 10, n + 10 + increment, dtype=np.int64), photo_p=p2, photo_d=d2,
                         records=recs)
        out["increment_s"], out["increment_cpu_s"] = time.perf_counter() - t, cpu_s() - c0
        out["increment_dirty"] = len(res2.dirty)
        out["peak_mb"] = peak_mb()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--increment", type=int, default=20000, help="nightly ads added into the largest size")
    ap.add_argument("--profile", action="store_true", help="cProfile the first full run (top 30 cumulative)")
    ap.add_argument("--phases", action="store_true", help="log each phase with a timestamp")
    ap.add_argument("--one", action="store_true", help="run the first size in this process, print JSON")
    ap.add_argument("--gen-only", action="store_true", help="time the synthetic market generation only")
    args = ap.parse_args()
    cfg = load_scoring(Path(__file__).resolve().parents[1] / "config")
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.gen_only:
        for n in sizes:
            t = time.perf_counter()
            m, _, _, _ = synth(n, 1, n)
            recs = AdSeq(m)[0:50000]
            print(f"n={n:,}: generated in {time.perf_counter() - t:.1f}s (incl. 50k records), peak RSS "
                  f"{peak_mb():.0f} MB; e.g. {recs[0].text!r}", flush=True)
        return
    if args.one:
        print(json.dumps(run(sizes[0], args.increment, cfg, args.profile, args.phases)), flush=True)
        return
    base = None
    for i, n in enumerate(sizes):
        cmd = [sys.executable, __file__, "--one", "--sizes", str(n),
               "--increment", str(args.increment if i == len(sizes) - 1 else 0)]
        cmd += ["--profile"] if args.profile and i == 0 else []
        cmd += ["--phases"] if args.phases else []
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        base = base or r
        ratio = (r["seconds"] / base["seconds"]) / (n / base["n"])
        cratio = (r["cpu_s"] / base["cpu_s"]) / (n / base["n"])
        inc = (f"  increment {args.increment:,}: {r['increment_s']:.1f}s wall / {r['increment_cpu_s']:.1f}s CPU "
               f"({r['increment_dirty']:,} clusters re-scored)" if "increment_s" in r else "")
        print(f"n={n:>9,}  gen {r['gen_s']:5.1f}s  link {r['seconds']:7.1f}s wall / {r['cpu_s']:7.1f}s CPU  "
              f"peak RSS {r['peak_mb']:7.0f} MB  clusters {r['clusters']:,} ({r['with_indicators']:,} with "
              f"indicators)  photos in a wrong group {r['false_photo']}  per-ad vs n={base['n']:,}: "
              f"x{ratio:.2f} wall, x{cratio:.2f} CPU  load {r['load']:.1f}{inc}", flush=True)


if __name__ == "__main__":
    main()
