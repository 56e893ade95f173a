"""Entity resolution: edges between ads from shared contacts, duplicate photos and template text.

``LinkGraph`` keeps everything needed to add tonight's ads without rebuilding: the first ad seen with each
contact value, photo group and LSH band key (new ads link to it: a star per value, enough for components),
per-value counts for the "too common" guards, and the text signatures for verification.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.clustering import Components, guarded_components, stable_ids
from classifiers.records import AdRecord
from classifiers.registry import registry
from classifiers.texts import BoilerplateModel, MinHasher, band_keys, mask_text, shingles
from config.scoring_schema import ScoringConfig

log = logging.getLogger(__name__)

KIND_ORDER = ("phone", "email", "handle", "photo", "text")


@dataclass(frozen=True, slots=True)
class Edge:
    """Edge: ads ``ad_a`` and ``ad_b`` share something of ``kind``; evidence names the shared value."""

    kind: str
    ad_a: int
    ad_b: int
    weight: float
    evidence: dict[str, Any]


@registry.linkers("contact_exact.v1")
def contact_values(rec: AdRecord) -> list[tuple[str, str]]:
    """Exact normalised phone/email/handle values of an ad."""
    return rec.contacts()


@registry.linkers("photo_group.v1")
def photo_values(rec: AdRecord, groups: dict[int, int]) -> list[tuple[str, str]]:
    """Duplicate-group ids of an ad's photos."""
    return [("photo", str(groups[p])) for p in rec.photos if p in groups]


@dataclass
class LinkGraph:
    """LinkGraph: incremental edge store and per-value statistics over every ad seen so far."""

    cfg: ScoringConfig
    rows: dict[int, int] = field(default_factory=dict)  # ad id -> row
    ad_ids: list[int] = field(default_factory=list)
    first: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, value) -> first row
    value_ads: Counter[tuple[str, str]] = field(default_factory=Counter)
    value_names: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    photo_contacts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    edge_kind: list[np.ndarray] = field(default_factory=list)
    edge_a: list[np.ndarray] = field(default_factory=list)
    edge_b: list[np.ndarray] = field(default_factory=list)
    edge_value: list[list[str]] = field(default_factory=list)
    sigs: np.ndarray | None = None
    band_first: dict[int, int] = field(default_factory=dict)
    band_count: Counter[int] = field(default_factory=Counter)
    boilerplate: BoilerplateModel | None = None
    cluster_of: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    next_cluster_id: int = 1

    def __post_init__(self) -> None:
        t = self.cfg.texts
        self.hasher = MinHasher(t.num_perm)
        if self.boilerplate is None:
            self.boilerplate = BoilerplateModel(t.boilerplate_min_ads, t.boilerplate_share)
        if self.sigs is None:
            self.sigs = np.empty((0, t.num_perm), np.uint32)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("hasher", None)
        state["value_names"] = dict(state["value_names"])
        state["photo_contacts"] = dict(state["photo_contacts"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["value_names"] = defaultdict(set, state["value_names"])
        state["photo_contacts"] = defaultdict(set, state["photo_contacts"])
        self.__dict__.update(state)
        self.hasher = MinHasher(self.cfg.texts.num_perm)

    # -- guards ---------------------------------------------------------------------------------
    def blocked(self, kind: str, value: str) -> str | None:
        """blocked (str | None): why a value may not link (site number, logo, placeholder), or None."""
        g, p = self.cfg.guards, self.cfg.photos
        key = (kind, value)
        if kind == "photo":
            if len(self.photo_contacts.get(value, ())) > p.too_common_contacts:
                return f"photo group {value} appears with {len(self.photo_contacts[value])} contacts"
            if self.value_ads[key] > p.too_common_ads:
                return f"photo group {value} appears on {self.value_ads[key]} ads"
            return None
        if self.value_ads[key] > g.max_ads_per_value:
            return f"{kind} {value} appears on {self.value_ads[key]} ads"
        if len(self.value_names.get(key, ())) > g.max_names_per_value:
            return f"{kind} {value} appears with {len(self.value_names[key])} names"
        return None

    # -- adding ads -------------------------------------------------------------------------------
    def add(self, recs: list[AdRecord], photo_groups: dict[int, int]) -> int:
        """add (int): link new (or re-read) ads to everything seen so far; returns the number of new edges."""
        new = [r for r in recs if r.ad_id not in self.rows]
        n0 = len(self.ad_ids)
        for i, r in enumerate(new):
            self.rows[r.ad_id] = n0 + i
            self.ad_ids.append(r.ad_id)
        kinds: list[str] = []
        ea: list[int] = []
        eb: list[int] = []
        vals: list[str] = []

        def link(kind: str, value: str, row: int) -> None:
            key = (kind, value)
            self.value_ads[key] += 1
            first = self.first.setdefault(key, row)
            if first != row:
                kinds.append(kind)
                ea.append(first)
                eb.append(row)
                vals.append(value)

        for r in new:
            row = self.rows[r.ad_id]
            contacts = [v for _, v in r.contacts()]
            for kind, value in contact_values(r):
                if r.name:
                    self.value_names[(kind, value)].add(r.name.lower())
                link(kind, value, row)
            for kind, value in photo_values(r, photo_groups):
                self.photo_contacts[value].update(contacts)
                link(kind, value, row)
        n_text = self._add_texts(new, n0, kinds, ea, eb, vals)
        if kinds:
            self.edge_kind.append(np.array([KIND_ORDER.index(k) for k in kinds], np.int8))
            self.edge_a.append(np.array(ea, np.int64))
            self.edge_b.append(np.array(eb, np.int64))
            self.edge_value.append(vals)
        self.cluster_of = np.concatenate((self.cluster_of, np.full(len(new), -1, np.int64)))
        log.info("linked %d new ads: %d edges (%d text)", len(new), len(kinds), n_text)
        return len(kinds)

    def _add_texts(self, new: list[AdRecord], n0: int, kinds: list[str], ea: list[int], eb: list[int],
                   vals: list[str]) -> int:
        t = self.cfg.texts
        bp = self.boilerplate
        assert bp is not None and self.sigs is not None
        for r in new:
            bp.observe(r.site, r.text)
        docs = []
        for r in new:
            sh = shingles(mask_text(bp.strip(r.site, r.text), [r.name] if r.name else ()), t.shingle_words)
            docs.append(sh if len(sh) >= t.min_shingles else [])
        sigs = self.hasher.signatures(docs)
        self.sigs = np.vstack((self.sigs, sigs))
        has = np.fromiter((bool(d) for d in docs), bool, len(docs))
        keys = band_keys(sigs, t.bands)
        count = 0
        for i in np.flatnonzero(has).tolist():
            row = n0 + i
            linked = False
            for k in keys[i].tolist():
                self.band_count[k] += 1
                first = self.band_first.setdefault(k, row)
                if linked or first == row or self.band_count[k] > t.bucket_cap:
                    continue
                if float((self.sigs[first] == sigs[i]).mean()) >= t.threshold:
                    kinds.append("text")
                    ea.append(first)
                    eb.append(row)
                    vals.append(f"band:{k:016x}")
                    linked = True
                    count += 1
        return count

    # -- clustering -------------------------------------------------------------------------------
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        if not self.edge_kind:
            e = np.empty(0, np.int64)
            return e.astype(np.int8), e, e, []
        vals = [v for chunk in self.edge_value for v in chunk]
        return (np.concatenate(self.edge_kind), np.concatenate(self.edge_a), np.concatenate(self.edge_b), vals)

    def cluster(self) -> tuple[np.ndarray, Components, list[str]]:
        """cluster ((cluster id per row, components, blocked reasons)): stable ids over the whole graph."""
        kind, a, b, vals = self.edges()
        ok = np.ones(kind.size, bool)
        reasons: dict[str, str] = {}
        # A value that became too common since its edges were made stops linking now.
        for key in {(KIND_ORDER[k], v) for k, v in zip(kind.tolist(), vals, strict=True) if k != 4}:
            why = self.blocked(*key)
            if why:
                reasons[key[1]] = why
        if reasons:
            ok = np.fromiter((v not in reasons for v in vals), bool, len(vals))
            for why in reasons.values():
                log.warning("guard: value does not link: %s", why)
        w = self.cfg.edge_weights
        order = sorted(range(len(KIND_ORDER)), key=lambda k: -w.get(KIND_ORDER[k], 0.5))
        staged = [(KIND_ORDER[k], a[ok & (kind == k)], b[ok & (kind == k)]) for k in order
                  if w.get(KIND_ORDER[k], 0.5) > 0]
        comps = guarded_components(len(self.ad_ids), staged, self.cfg.guards.max_cluster_size)
        ids, self.next_cluster_id = stable_ids(comps.labels, self.cluster_of, self.next_cluster_id)
        self.cluster_of = ids
        return ids, comps, list(reasons.values())

    def ad_edges(self, rows: set[int]) -> list[Edge]:
        """ad_edges (list of Edge): edges touching the given rows, with their evidence."""
        kind, a, b, vals = self.edges()
        sel = np.flatnonzero(np.isin(a, list(rows)) | np.isin(b, list(rows)))
        w = self.cfg.edge_weights
        out = []
        for i in sel.tolist():
            k = KIND_ORDER[int(kind[i])]
            out.append(Edge(k, self.ad_ids[int(a[i])], self.ad_ids[int(b[i])], w.get(k, 0.5),
                            {"value": vals[i]}))
        return out
