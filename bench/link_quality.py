"""Linking quality on the synthetic demo market: photo pairs, cluster B-cubed F1, risk AP.

Usage: .venv/bin/python bench/link_quality.py --seed 7 --ads 600 --nights 3
Every ad ever posted (``corpus.truth(None)``) is linked in one night from what reading would give
(phones, e-mails, handles, name, age, city, text indicators from the truth record; title + body text)
and its photos' pixels (``images.photo_bytes``). Truth: photo group, cluster = network id (independents:
their persona), controlled = network ad. Placeholders and broken images are left out of the photo pairs.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers.link_eval import LinkReport, evaluate
from classifiers.linking import LinkGraph
from classifiers.photo_index import PhotoIndex, views_to_arrays
from classifiers.photos import hash_image
from classifiers.pipeline import run_night
from classifiers.records import AdRecord
from config.scoring_schema import ScoringConfig, load_scoring
from crawler.demo_site import build_corpus, images


def demo_report(seed: int = 7, n_ads: int = 600, n_nights: int = 3, cfg: ScoringConfig | None = None) -> LinkReport:
    cfg = cfg or load_scoring(Path(__file__).resolve().parents[1] / "config")
    corpus = build_corpus(seed=seed, n_ads=n_ads, n_nights=n_nights)
    by_key = {(a.site, str(a.external_id)): a for a in corpus.ads}
    truth = corpus.truth(None)
    recs: list[AdRecord] = []
    photo_num: dict[str, int] = {}
    photo_true: dict[int, str] = {}
    views = []
    for i, t in enumerate(truth, start=1):
        ad = by_key[(t["site"], t["external_id"])]
        content = ad.content(t["first_night"])
        pids = []
        for ph in t["photos"]:
            if ph["kind"] not in ("photo", "placeholder"):
                continue
            if ph["id"] not in photo_num:
                num = photo_num[ph["id"]] = len(photo_num) + 1
                src = corpus.photos[ph["id"]].source
                data = (images.placeholder_bytes(t["site"]) if ph["kind"] == "placeholder" else
                        images.photo_bytes(corpus.seed, src, corpus.palette_of.get(src, src), ph["variant"]))
                views.append(hash_image(Image.open(io.BytesIO(data))).views)
                if ph["kind"] == "photo":
                    photo_true[num] = ph["group"]
            pids.append(photo_num[ph["id"]])
        recs.append(AdRecord(
            ad_id=i, site=t["site"], seen_at=datetime.fromisoformat(t["posted"]),
            text=f"{t['title']}\n{content.body}", city=t["city"], name=t["persona_name"], age=t["age"],
            phones=tuple(sorted({p["e164"] for p in t["phones"]})), emails=tuple(t["emails"]),
            handles=tuple(sorted(f"{h['kind']}:{h['value']}" for h in t["handles"])), photos=tuple(pids),
            indicators=tuple(t["indicators"]), languages=(t["language"],), url=t["url"]))
    p, d = views_to_arrays(views)
    pc = cfg.photos
    index = PhotoIndex(phash_max=pc.phash_max_distance, dhash_max=pc.dhash_max_distance, chunks=pc.index_chunks,
                       chunk_radius=pc.index_chunk_radius, bucket_cap=pc.index_bucket_cap)
    records = {r.ad_id: r for r in recs}
    res = run_night(cfg=cfg, graph=LinkGraph(cfg), index=index, new_ads=recs,
                    photo_ids=np.arange(1, len(views) + 1, dtype=np.int64), photo_p=p, photo_d=d, records=records)
    groups = index.groups()
    cluster_true = {i: (t["network_id"] or f"persona:{t['persona_id']}") for i, t in enumerate(truth, start=1)}
    return evaluate(photo_pred={k: groups[k] for k in photo_true}, photo_true=photo_true,
                    cluster_pred=res.cluster_of, cluster_true=cluster_true,
                    risk={a: s.score for a, s in res.ad_scores.items()},
                    controlled={i: t["network_id"] is not None for i, t in enumerate(truth, start=1)})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ads", type=int, default=600)
    ap.add_argument("--nights", type=int, default=3)
    a = ap.parse_args()
    t = time.perf_counter()
    rep = demo_report(a.seed, a.ads, a.nights)
    print("\n".join(rep.lines()) + f"\n({time.perf_counter() - t:.1f}s)")


if __name__ == "__main__":
    main()
