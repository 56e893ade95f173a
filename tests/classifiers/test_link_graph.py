"""Template masking, giant-component guard, stable cluster ids, network indicators, scoring explanations."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from classifiers.clustering import guarded_components, stable_ids
from classifiers.linking import LinkGraph
from classifiers.photo_index import PhotoIndex
from classifiers.pipeline import run_night
from classifiers.records import AdRecord
from classifiers.texts import MinHasher, estimated_jaccard, mask_text, shingles
from config.scoring_schema import load_scoring

CFG = load_scoring(Path(__file__).resolve().parents[2] / "config")
NOW = datetime(2026, 11, 1, tzinfo=UTC)
T = ("Hi I'm {n}, {a} years old. New here and waiting for you in my private apartment. Call {p} "
     "for a relaxing massage and a sweet time together, {price} kr per hour")


def rec(i: int, **kw: object) -> AdRecord:
    return AdRecord(ad_id=i, site=str(kw.pop("site", "s")), seen_at=NOW, **kw)  # type: ignore[arg-type]


def test_template_masking_makes_swapped_names_equal() -> None:
    a = mask_text(T.format(n="Anna", a=21, p="22 33 44 55", price=1500), ["Anna"])
    b = mask_text(T.format(n="Mia", a=19, p="+45 21 99 88 77", price=2000), ["Mia"])
    assert a == b
    s = MinHasher(64).signatures([shingles(a), shingles(b), shingles(mask_text("A lovely mature lady offers "
                                                                                "tantric sessions downtown"))])
    assert estimated_jaccard(s[0], s[1]) == 1.0 and estimated_jaccard(s[0], s[2]) < 0.3


def test_site_boilerplate_does_not_link() -> None:
    footer = "Remember: all advertisers are over 18. Report abuse to the site team at any time please"
    rnd = random.Random(0)
    words = ["".join(rnd.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(2000)]
    recs = [rec(i, text=f"{footer}\n" + " ".join(rnd.sample(words, 14))) for i in range(60)]
    g = LinkGraph(CFG)
    g.add(recs, {})
    ids, _, _ = g.cluster()
    assert len(set(ids.tolist())) == 60


def test_guard_cuts_weak_kind_that_builds_giant() -> None:
    # 30 pairs linked by phone; a text kind chains all of them together.
    a = np.arange(0, 60, 2)
    b = a + 1
    ta, tb = np.zeros(59, np.int64), np.arange(1, 60)
    comps = guarded_components(60, [("phone", a, b), ("text", ta, tb)], max_size=10)
    assert np.bincount(comps.labels).max() == 2
    assert comps.guard_events and comps.guard_events[0].kind == "text"


def test_stable_ids_grow_and_merge_keep_oldest() -> None:
    prev = np.array([5, 5, 7, 7, -1, -1])
    labels = np.array([0, 0, 0, 0, 0, 1])  # clusters 5 and 7 merge and grow; a new singleton
    ids, nxt = stable_ids(labels, prev, 100)
    assert ids[:5].tolist() == [5] * 5 and ids[5] == 100 and nxt == 101
    # a split: the larger piece keeps the id
    ids2, _ = stable_ids(np.array([0, 0, 0, 1, 1, 2]), np.array([5, 5, 5, 5, 5, 100]), 200)
    assert ids2.tolist() == [5, 5, 5, 200, 200, 100]


def _network() -> list[AdRecord]:
    phone = ("+4522334455",)
    return [
        rec(1, text=T.format(n="Anna", a=21, p=phone[0], price=1500), name="Anna", age=21, city="Aarhus",
            phones=phone, photos=(1,), indicators=("THIRD_PARTY",)),
        rec(2, text=T.format(n="Mia", a=19, p=phone[0], price=1200), name="Mia", age=19, city="Odense",
            phones=phone, photos=(2,)),
        rec(3, text=T.format(n="Eva", a=22, p="+4531313131", price=1000), name="Eva", age=22, city="Vejle",
            phones=("+4531313131",), photos=(3,)),
        rec(4, text="Mature independent lady, tantric massage in a calm studio, weekdays only, call me",
            name="Lis", age=45, city="Aarhus", phones=("+4540404040",)),
    ]


def _night(graph: LinkGraph, index: PhotoIndex, recs: list[AdRecord], records: dict[int, AdRecord]):
    rng = np.random.default_rng(len(records))
    ph = sorted({p for r in recs for p in r.photos})
    p = rng.integers(0, 2**63, (len(ph), 14), dtype=np.uint64)
    if 3 in ph and 1 in ph:
        p[ph.index(3)] = p[ph.index(1)]  # photo 3 is a copy of photo 1
    return run_night(cfg=CFG, graph=graph, index=index, new_ads=recs, photo_ids=np.array(ph, np.int64),
                     photo_p=p, photo_d=p.copy(), records=records)


def test_network_indicators_scores_and_stable_ids_across_nights() -> None:
    recs = _network()
    records = {r.ad_id: r for r in recs}
    graph, index = LinkGraph(CFG), PhotoIndex()
    res = _night(graph, index, recs, records)
    cid = res.cluster_of[1]
    assert res.cluster_of[2] == res.cluster_of[3] == cid != res.cluster_of[4]
    codes = {h.code: h for h in res.hits[cid]}
    assert {"SHARED_PHONE", "PHOTO_REUSE", "TEMPLATE_TEXT", "CITY_ROTATION"} <= codes.keys()
    assert codes["SHARED_PHONE"].ads == [1, 2] and codes["PHOTO_REUSE"].ads == [1, 3]
    score = res.cluster_scores[cid]
    top = score.explanation()
    assert top[0]["factor"] == "SHARED_PHONE" and top[0]["evidence"]["ads"] == [1, 2]
    assert score.score > res.ad_scores[4].score
    # Night 2: a new ad with the shared phone joins; the cluster keeps its id.
    later = AdRecord(5, "s", NOW + timedelta(days=1), "short", "Aalborg", "Nina", 18, ("+4522334455",))
    records[5] = later
    res2 = _night(graph, index, [later], records)
    assert res2.cluster_of[5] == cid and res2.cluster_of[1] == cid
    assert res2.cluster_of[4] == res.cluster_of[4]


def test_independent_reposting_is_not_a_shared_phone() -> None:
    recs = [rec(i, text=f"ad {i}", name="Sofie", age=30, city="Aarhus", phones=("+4550505050",))
            for i in range(1, 5)]
    res = _night(LinkGraph(CFG), PhotoIndex(), recs, {r.ad_id: r for r in recs})
    codes = {h.code for h in res.hits[res.cluster_of[1]]}
    assert "SHARED_PHONE" not in codes and "PHOTO_REUSE" not in codes
