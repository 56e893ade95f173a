"""Equality harness for speed work on the reader: pickle every reading of a fixed corpus, compare later.

Run: ``PYTHONPATH=. .venv/bin/python bench/reading_equality.py dump /tmp/base.pkl`` before a change and
``... bench/reading_equality.py compare /tmp/base.pkl`` after it (exit 1 on any difference). Corpus: the bench
corpus (``bench.extract.make_corpus``) seeds 1 and 7 x 3,000 ads, and the demo market seed 23 with crawler fields
and seed 11 without (2,500 ads each, ``bench.extract_eval.ad_inputs``): 11,000 ads. Every field of every
reading (``AdReading.as_dict``: indicators with offsets, text and source) is compared, also by ``repr`` (types,
float digits, order). ``--batch N`` reads through ``read_ads`` in batches of N ads (as the stage does) instead of
``read_ad`` one by one; both must give the dumped readings.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench.extract import make_corpus
from bench.extract_eval import ad_inputs
from classifiers.reading import load_resources, read_ad, read_ads
from config.settings import AppSettings


def inputs() -> Iterator[tuple[tuple[str, Any], tuple[str, str, dict[str, Any]]]]:
    from crawler.demo_site import build_corpus  # bench only: classifiers must not import crawler

    for seed in (1, 7):
        for i, ad in enumerate(make_corpus(3000, seed)):
            yield (f"bench{seed}", i), ad
    for seed, fields in ((23, "crawler"), (11, "none")):
        corpus = build_corpus(seed=seed, n_ads=2500, n_nights=1)
        for ad in corpus.ads:
            if ad.present(1):
                yield (f"demo{seed}", ad.external_id), ad_inputs(ad, 1, fields)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("mode", choices=("dump", "compare"))
    ap.add_argument("path")
    ap.add_argument("--batch", type=int, default=0, help="read through read_ads in batches of this many ads")
    args = ap.parse_args()
    settings = AppSettings(env="test")
    res = load_resources(settings)
    t0 = time.process_time()
    if args.batch > 0:
        keyed = list(inputs())
        out = {}
        for i in range(0, len(keyed), args.batch):
            chunk = keyed[i:i + args.batch]
            for (k, _), r in zip(chunk, read_ads([ad for _, ad in chunk], settings=settings, resources=res),
                                 strict=True):
                out[k] = r.as_dict()
    else:
        out = {k: read_ad(t, x, raw, settings=settings, resources=res).as_dict() for k, (t, x, raw) in inputs()}
    print(f"read {len(out)} ads in {time.process_time() - t0:.1f} s CPU")
    if args.mode == "dump":
        with open(args.path, "wb") as f:
            pickle.dump(out, f)
        return
    with open(args.path, "rb") as f:
        base = pickle.load(f)  # our own file from "dump"
    if base.keys() != out.keys():
        sys.exit("the corpus changed: different ads")
    bad = [k for k in base if base[k] != out[k] or repr(base[k]) != repr(out[k])]
    print(f"differences: {len(bad)}")
    for k in bad[:5]:
        for f in base[k]:
            if repr(base[k][f]) != repr(out[k][f]):
                print(k, f, "\n  old", base[k][f], "\n  new", out[k][f])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
