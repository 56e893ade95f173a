"""One night of linking, pure: photos -> index, ads -> graph, clusters, network indicators, scores.

Used by the DB stage (``link_stage``) and the benchmark alike. Only clusters touched by tonight's ads
are re-analysed and re-scored ("dirty" clusters); the rest keep yesterday's results.

Memory: nothing per ad is kept as a Python object. Cluster membership, score values and cluster ids are
numpy columns behind read-only mappings; network indicators are kept only for clusters that have some;
a ``Score`` with its explanation (factors and evidence) is built when it is looked up, from the ad's
record, its cluster's indicators and the cluster size, so 1M ads never hold 1M explanation objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from classifiers.clustering import Constraint
from classifiers.features import FEATURE_NAMES, TEXT_CODES, ad_features, cluster_features
from classifiers.linking import KIND_ORDER, LinkGraph
from classifiers.network_indicators import NETWORK_CODES, NetworkHit, network_indicators
from classifiers.photo_index import PhotoIndex
from classifiers.records import AdRecord
from classifiers.scoring import Score, TrainedModel, weighted_score
from config.scoring_schema import ScoringConfig

log = logging.getLogger(__name__)

_NET_BIT = {c: i for i, c in enumerate(NETWORK_CODES)}
_TEXT_BIT = {c: i for i, c in enumerate(TEXT_CODES)}


class Members(Mapping[int, list[int]]):
    """Members: cluster id -> member ad ids, stored as one sorted column (cluster ids, offsets, ad ids)."""

    def __init__(self, cids: np.ndarray, starts: np.ndarray, ads: np.ndarray) -> None:
        self.cids, self.starts, self.ads = cids, starts, ads  # starts has len(cids) + 1 entries

    def _pos(self, cid: int) -> int:
        i = int(np.searchsorted(self.cids, cid))
        if i >= self.cids.size or self.cids[i] != cid:
            raise KeyError(cid)
        return i

    def __getitem__(self, cid: int) -> list[int]:
        i = self._pos(cid)
        return self.ads[self.starts[i]:self.starts[i + 1]].tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self.cids.tolist())

    def __len__(self) -> int:
        return int(self.cids.size)

    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)


class ClusterOf(Mapping[int, int]):
    """ClusterOf: ad id -> cluster id, over the graph's rows and tonight's cluster id column."""

    def __init__(self, rows: Mapping[int, int], ad_ids: list[int], ids: np.ndarray) -> None:
        self.rows, self.ad_ids, self.ids = rows, ad_ids, ids

    def __getitem__(self, ad_id: int) -> int:
        row = self.rows[ad_id]
        if row >= self.ids.size:
            raise KeyError(ad_id)
        return int(self.ids[row])

    def __iter__(self) -> Iterator[int]:
        return iter(self.ad_ids[:self.ids.size])

    def __len__(self) -> int:
        return int(self.ids.size)


class Scores(Mapping[int, Score]):
    """Scores: id -> Score. Values are a float column; the Score (with explanation) is built on lookup."""

    def __init__(self, ids: np.ndarray, values: np.ndarray, build: Callable[[int], Score]) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids, self.values, self._build = ids[order], values[order], build

    def _pos(self, key: int) -> int:
        i = int(np.searchsorted(self.ids, key))
        if i >= self.ids.size or self.ids[i] != key:
            raise KeyError(key)
        return i

    def __getitem__(self, key: int) -> Score:
        self._pos(key)
        return self._build(int(key))

    def value(self, key: int) -> float:
        """value (float): the score alone, without building the explanation."""
        return float(self.values[self._pos(key)])

    def top(self, n: int) -> list[int]:
        """top (list of ids): the ``n`` highest scores, best first."""
        k = min(n, self.ids.size)
        idx = np.argsort(-self.values, kind="stable")[:k]
        return self.ids[idx].tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return int(self.ids.size)


class _Hits(dict):  # type: ignore[type-arg]
    """cluster id -> hits; clusters without network indicators are not stored and read as []."""

    def __missing__(self, key: int) -> list[NetworkHit]:
        return []


@dataclass
class NightResult:
    """NightResult: tonight's cluster ids, and indicators and scores of the clusters that changed."""

    cluster_of: Mapping[int, int]  # ad id -> cluster id (all ads)
    dirty: Mapping[int, list[int]]  # cluster id -> member ad ids (changed tonight)
    hits: dict[int, list[NetworkHit]] = field(default_factory=_Hits)  # only clusters with indicators
    cluster_scores: Mapping[int, Score] = field(default_factory=dict)
    ad_scores: Mapping[int, Score] = field(default_factory=dict)
    guard_reasons: list[str] = field(default_factory=list)
    new_edges: int = 0
    cluster_ids: np.ndarray | None = None  # cluster id per graph row (all ads)


def _noisy_or(net: np.ndarray, text: np.ndarray, size: np.ndarray, cfg: ScoringConfig) -> np.ndarray:
    """Vectorised ``weighted_score`` values: same factor order and rounding as the scalar function."""
    keep = np.ones(net.size)
    for code, bit in _NET_BIT.items():
        w = cfg.weights.get(code, 0.0)
        if w > 0:
            keep *= np.where((net >> bit) & 1, 1 - w, 1.0)
    for code, bit in _TEXT_BIT.items():
        w = cfg.weights.get(code, 0.0)
        if w > 0:
            keep *= np.where((text >> bit) & 1, 1 - w, 1.0)
    w = cfg.weights.get("CLUSTER_SIZE", 0.0) * np.log1p(size) / np.log(1000)
    keep *= np.where(w > 0, 1 - w, 1.0)
    return np.round(1 - keep, 4)


def _model_values(model: TrainedModel, net: np.ndarray, text: np.ndarray, size: np.ndarray) -> np.ndarray:
    out = np.empty(net.size)
    for s in range(0, net.size, 100000):
        e = slice(s, s + 100000)
        x = np.zeros((net[e].size, len(FEATURE_NAMES)))
        for j in range(len(NETWORK_CODES)):
            x[:, j] = (net[e] >> j) & 1
        for j in range(len(TEXT_CODES)):
            x[:, len(NETWORK_CODES) + j] = (text[e] >> j) & 1
        x[:, -1] = np.log1p(size[e]) / np.log(1000)
        out[e] = np.round(model.pipeline.predict_proba(x)[:, 1], 4)
    return out


def run_night(*, cfg: ScoringConfig, graph: LinkGraph, index: PhotoIndex, new_ads: list[AdRecord],
              photo_ids: np.ndarray, photo_p: np.ndarray, photo_d: np.ndarray,
              records: Mapping[int, AdRecord], model: TrainedModel | None = None,
              constraints: Sequence[Constraint] = ()) -> NightResult:
    """run_night (NightResult): add tonight's photos and ads, recluster, analyse and score dirty clusters.

    new_ads (sequence of AdRecord): may be lazy; it is sliced in chunks. records (mapping): ad id ->
    AdRecord for every ad (or at least the members of touched clusters); may build records on lookup.
    constraints: analysts' active merge/split decisions over graph rows, oldest first (``LinkGraph.cluster``).
    A cluster is dirty when it gained ads, or lost some (a split, a merge undone): both need new indicators.
    """
    index.add(photo_ids, photo_p, photo_d)
    groups = index.group_map()
    before = graph.cluster_of.copy()
    new_edges = graph.add(new_ads, groups)
    ids, comps, reasons = graph.cluster(constraints)
    n_old = before.size
    changed = np.r_[before != ids[:n_old], np.ones(ids.size - n_old, bool)]
    lost = before[changed[:n_old]]  # clusters that lost ads; ids that vanished select nothing below
    dirty_cids = np.unique(np.r_[ids[changed], lost[lost >= 0]])
    del lost
    del before, changed
    sel = np.flatnonzero(np.isin(ids, dirty_cids))
    order = sel[np.argsort(ids[sel], kind="stable")]
    ad_ids = np.asarray(graph.ad_ids, np.int64)
    cid_sorted = ids[order]
    cids, starts = np.unique(cid_sorted, return_index=True)
    members = Members(cids, np.r_[starts, order.size].astype(np.int64), ad_ids[order])
    sizes = members.sizes()
    kind, a, b = graph.edge_columns()
    tmask = kind == KIND_ORDER.index("text")
    text_row = np.zeros(ids.size, bool)
    text_row[a[tmask]] = True
    text_row[b[tmask]] = True
    del kind, a, b, tmask
    text_linked_col = text_row[order]
    res = NightResult(ClusterOf(graph.rows, graph.ad_ids, ids), members,
                      guard_reasons=reasons + [e.reason for e in comps.guard_events], new_edges=new_edges,
                      cluster_ids=ids)
    # Network indicators (multi-ad clusters only) and per-ad text-indicator bits, one pass over records.
    net_bits = np.zeros(cids.size, np.int64)
    text_bits = np.zeros(order.size, np.int64)
    hits_of: dict[int, list[NetworkHit]] = _Hits()
    ads_col = members.ads
    for i in range(cids.size):
        s, e = int(members.starts[i]), int(members.starts[i + 1])
        aids = ads_col[s:e].tolist()
        recs = [records[x] for x in aids]
        for j, r in enumerate(recs):
            if r.indicators:
                m = 0
                for c in r.indicators:
                    if c in _TEXT_BIT:
                        m |= 1 << _TEXT_BIT[c]
                text_bits[s + j] = m
        if e - s > 1:
            linked = {x for x, t in zip(aids, text_linked_col[s:e].tolist(), strict=True) if t}
            hits = network_indicators(recs, groups, linked, cfg.indicators)
            if hits:
                hits_of[int(cids[i])] = hits
                m = 0
                for h in hits:
                    m |= 1 << _NET_BIT[h.code]
                net_bits[i] = m
    res.hits = hits_of
    # Score values, vectorised (ad: own text indicators; cluster: any member's).
    ad_net = np.repeat(net_bits, sizes)
    ad_size = np.repeat(sizes, sizes)
    cl_text = np.bitwise_or.reduceat(text_bits, members.starts[:-1]) if cids.size else text_bits[:0]
    if model is not None:
        ad_vals = _model_values(model, ad_net, text_bits, ad_size)
        cl_vals = _model_values(model, net_bits, cl_text, sizes)
    else:
        ad_vals = _noisy_or(ad_net, text_bits, ad_size, cfg)
        cl_vals = _noisy_or(net_bits, cl_text, sizes, cfg)
    cluster_of = res.cluster_of

    def cluster_score(cid: int) -> Score:
        recs = [records[x] for x in members[cid]]
        hits = hits_of[cid]
        feats = cluster_features(recs, hits)
        return model.score(feats, hits, recs) if model else weighted_score(feats, cfg, hits, recs)

    def ad_score(aid: int) -> Score:
        cid = cluster_of[aid]
        r, hits = records[aid], hits_of[cid]
        f = ad_features(r, hits, int(sizes[members._pos(cid)]))
        return model.score(f, hits, [r]) if model else weighted_score(f, cfg, hits, [r])

    res.cluster_scores = Scores(cids, cl_vals, cluster_score)
    res.ad_scores = Scores(members.ads, ad_vals, ad_score)
    log.info("night: %d new ads, %d new edges, %d clusters re-scored (%d with network indicators)",
             len(new_ads), new_edges, cids.size, len(hits_of))
    return res
