"""One night of linking, pure: photos -> index, ads -> graph, clusters, network indicators, scores.

Used by the DB stage (``link_stage``) and the benchmark alike. Only clusters touched by tonight's ads
are re-analysed and re-scored ("dirty" clusters); the rest keep yesterday's results.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from classifiers.features import ad_features, cluster_features
from classifiers.linking import KIND_ORDER, LinkGraph
from classifiers.network_indicators import NetworkHit, network_indicators
from classifiers.photo_index import PhotoIndex
from classifiers.records import AdRecord
from classifiers.scoring import Score, TrainedModel, weighted_score
from config.scoring_schema import ScoringConfig

log = logging.getLogger(__name__)


@dataclass
class NightResult:
    """NightResult: tonight's cluster ids, and indicators and scores of the clusters that changed."""

    cluster_of: dict[int, int]  # ad id -> cluster id (all ads)
    dirty: dict[int, list[int]]  # cluster id -> member ad ids (changed tonight)
    hits: dict[int, list[NetworkHit]] = field(default_factory=dict)
    cluster_scores: dict[int, Score] = field(default_factory=dict)
    ad_scores: dict[int, Score] = field(default_factory=dict)
    guard_reasons: list[str] = field(default_factory=list)
    new_edges: int = 0


def run_night(*, cfg: ScoringConfig, graph: LinkGraph, index: PhotoIndex, new_ads: list[AdRecord],
              photo_ids: np.ndarray, photo_p: np.ndarray, photo_d: np.ndarray,
              records: dict[int, AdRecord], model: TrainedModel | None = None) -> NightResult:
    """run_night (NightResult): add tonight's photos and ads, recluster, analyse and score dirty clusters.

    records (dict): ad id -> AdRecord for every ad (or at least the members of touched clusters).
    """
    index.add(photo_ids, photo_p, photo_d)
    groups = index.groups()
    before = graph.cluster_of.copy()
    new_edges = graph.add(new_ads, groups)
    ids, comps, reasons = graph.cluster()
    n_old = before.size
    changed = np.flatnonzero(np.r_[before != ids[:n_old], np.ones(ids.size - n_old, bool)])
    dirty_ids = set(ids[changed].tolist())
    members: dict[int, list[int]] = defaultdict(list)
    sel = np.flatnonzero(np.isin(ids, list(dirty_ids)))
    for row in sel.tolist():
        members[int(ids[row])].append(graph.ad_ids[row])
    kind, a, b, _ = graph.edges()
    tmask = kind == KIND_ORDER.index("text")
    text_rows = set(a[tmask].tolist()) | set(b[tmask].tolist())
    res = NightResult({}, dict(members), guard_reasons=reasons + [e.reason for e in comps.guard_events],
                      new_edges=new_edges)
    for cid, ads in members.items():
        recs = [records[x] for x in ads]
        text_linked = {x for x in ads if graph.rows[x] in text_rows}
        hits = network_indicators(recs, groups, text_linked, cfg.indicators) if len(recs) > 1 else []
        res.hits[cid] = hits
        feats = cluster_features(recs, hits)
        res.cluster_scores[cid] = (model.score(feats, hits, recs) if model
                                   else weighted_score(feats, cfg, hits, recs))
        for r in recs:
            f = ad_features(r, hits, len(recs))
            res.ad_scores[r.ad_id] = model.score(f, hits, [r]) if model else weighted_score(f, cfg, hits, [r])
    res.cluster_of = dict(zip(graph.ad_ids, ids.tolist(), strict=True))
    log.info("night: %d new ads, %d new edges, %d clusters re-scored", len(new_ads), new_edges, len(members))
    return res
