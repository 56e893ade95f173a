"""Scale structures: chunked linking equals one batch, lazy scores equal built ones, exact photo copies."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import classifiers.linking as linking
from classifiers.linking import LinkGraph
from classifiers.photo_index import PhotoIndex
from classifiers.pipeline import run_night
from config.scoring_schema import load_scoring

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.link import AdSeq, synth

CFG = load_scoring(Path(__file__).resolve().parents[2] / "config")


def _night(n: int = 600):
    m, p, d, _ = synth(n, 1, 3)
    graph, index = LinkGraph(CFG), PhotoIndex()
    res = run_night(cfg=CFG, graph=graph, index=index, new_ads=AdSeq(m), photo_ids=np.arange(1, n + 1),
                    photo_p=p, photo_d=d, records=m)
    return graph, res


def test_chunked_add_equals_one_batch(monkeypatch) -> None:
    g1, r1 = _night()
    monkeypatch.setattr(linking, "ADD_CHUNK", 97)
    g2, r2 = _night()
    assert np.array_equal(r1.cluster_ids, r2.cluster_ids)
    for x, y in zip(g1.edges()[:3], g2.edges()[:3], strict=True):
        assert np.array_equal(np.sort(x), np.sort(y))
    assert np.array_equal(g1.sigs, g2.sigs)


def test_lazy_scores_equal_built_scores() -> None:
    _, res = _night()
    assert len(res.hits) > 0 and len(res.ad_scores) == 600
    for aid in list(res.ad_scores)[::7]:
        assert res.ad_scores[aid].score == res.ad_scores.value(aid)
    for cid in res.cluster_scores:
        s = res.cluster_scores[cid]
        assert s.score == res.cluster_scores.value(cid)
        assert bool(res.hits[cid]) == any(f["factor"] in {"SHARED_PHONE", "PHOTO_REUSE", "TEMPLATE_TEXT",
                                                              "CITY_ROTATION", "HIGH_VOLUME",
                                                              "AGE_INCONSISTENCY"} for f in s.factors)
        assert sorted(res.dirty[cid]) == sorted(a for a in res.dirty[cid] if res.cluster_of[a] == cid)


def test_exact_copies_join_one_group_and_are_found_by_query(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    p = rng.integers(0, 2**63, (6, 14), dtype=np.uint64)
    d = rng.integers(0, 2**63, (6, 14), dtype=np.uint64)
    p[3:], d[3:] = p[0], d[0]  # photos 3, 4, 5 are the same file as photo 0
    idx = PhotoIndex()
    idx.add(np.arange(10, 14), p[:4], d[:4])
    idx.add(np.arange(14, 16), p[4:], d[4:])  # later nights: copies of an indexed photo
    g = idx.groups()
    assert g[10] == g[13] == g[14] == g[15] == 10 and len({g[11], g[12], g[10]}) == 3
    _, ts = idx.query(p[:1], d[:1])
    assert {int(t) for t in ts} == {0, 3, 4, 5}
    idx.save(tmp_path / "index.npz")
    again = PhotoIndex.load(tmp_path / "index.npz")
    assert again.groups() == g
    assert {int(t) for t in again.query(p[:1], d[:1])[1]} == {0, 3, 4, 5}
