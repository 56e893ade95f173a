"""Entity resolution: edges between ads from shared contacts, duplicate photos and template text.

``LinkGraph`` keeps everything needed to add tonight's ads without rebuilding: the first ad seen with each
contact value, photo group and LSH band key (new ads link to it: a star per value, enough for components),
per-value counts for the "too common" guards, and the text signatures for verification.

Everything is vectorised: values are 64-bit keys (blake2b of kind and value) in sorted numpy tables
(``KeyTable``), joined with ``searchsorted``; no per-value Python dicts, so 1M ads link in seconds and the
state pickles as a handful of arrays.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.clustering import (
    ANALYST_KIND,
    Components,
    Constraint,
    apply_splits,
    guarded_components,
    must_link_edges,
    stable_ids,
)
from classifiers.records import AdRecord
from classifiers.registry import registry
from classifiers.texts import MinHasher, band_keys, lines_of, mask_text, shingles
from config.scoring_schema import ScoringConfig

log = logging.getLogger(__name__)

KIND_ORDER = ("phone", "email", "handle", "photo", "text")
ADD_CHUNK = 50000  # ads per linking chunk (bounds texts + shingles held at once)


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
def photo_values(rec: AdRecord, groups: Mapping[int, int]) -> list[tuple[str, str]]:
    """Duplicate-group ids of an ad's photos."""
    return [("photo", str(groups[p])) for p in rec.photos if p in groups]


def value_key(kind: str, value: str) -> int:
    """value_key (int): stable 64-bit key of one (kind, value); collisions at 1e7 values are ~1e-5 likely."""
    return int.from_bytes(hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8).digest(), "little")


@dataclass
class KeyTable:
    """KeyTable: sorted uint64 keys with the first row and the number of occurrences of each key."""

    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    first: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    count: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def add(self, k: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """add ((first row, rank) per input): record occurrences; rank = occurrences of the key before this one.

        Inputs are processed in row order, so ``first`` is the oldest row with the key and rank 0 means new.
        """
        k, rows = np.asarray(k, np.uint64), np.asarray(rows, np.int64)
        if k.size == 0:
            e = np.empty(0, np.int64)
            return e, e
        order = np.lexsort((rows, k))
        ks, rs = k[order], rows[order]
        start = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        u, cnt = ks[start], np.diff(np.r_[start, ks.size])
        pos = np.searchsorted(self.keys, u)
        found = pos < self.keys.size
        found[found] = self.keys[pos[found]] == u[found]
        first_u = rs[start].copy()
        base_u = np.zeros(u.size, np.int64)
        first_u[found] = self.first[pos[found]]
        base_u[found] = self.count[pos[found]]
        uidx = np.repeat(np.arange(u.size), cnt)
        rank_s = base_u[uidx] + (np.arange(ks.size) - start[uidx])
        self.count[pos[found]] += cnt[found]
        nf = ~found
        self.keys = np.insert(self.keys, pos[nf], u[nf])
        self.first = np.insert(self.first, pos[nf], first_u[nf])
        self.count = np.insert(self.count, pos[nf], cnt[nf])
        first_el, rank_el = np.empty(k.size, np.int64), np.empty(k.size, np.int64)
        first_el[order], rank_el[order] = first_u[uidx], rank_s
        return first_el, rank_el

    def lookup(self, k: np.ndarray) -> np.ndarray:
        """lookup (int64 array): occurrences of each key (0 when unknown)."""
        k = np.asarray(k, np.uint64)
        pos = np.searchsorted(self.keys, k)
        out = np.zeros(k.size, np.int64)
        ok = pos < self.keys.size
        ok[ok] = self.keys[pos[ok]] == k[ok]
        out[ok] = self.count[pos[ok]]
        return out


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Combine two uint64 key arrays into one pair key."""
    with np.errstate(over="ignore"):
        return (a * np.uint64(0x9E3779B97F4A7C15)) ^ (b + np.uint64(0x632BE59BD9B4E019)) * np.uint64(0xBF58476D1CE4E5B9)


@dataclass
class Boilerplate:
    """Boilerplate: per-site line counts (KeyTable of site x line keys); a line shared by many ads of one site
    (at least ``min_ads`` and ``share`` of them) is boilerplate and removed before shingling."""

    min_ads: int = 30
    share: float = 0.02
    lines: KeyTable = field(default_factory=KeyTable)
    sites: KeyTable = field(default_factory=KeyTable)

    def observe(self, recs: list[AdRecord], n0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """observe ((site key per ad, site x line key per line, lines per ad)): count each line once per ad."""
        per_ad = [lines_of(r.text) for r in recs]
        site_k = np.fromiter((value_key("site", r.site) for r in recs), np.uint64, len(recs))
        self.sites.add(site_k, np.arange(len(recs)) + n0)
        nlines = np.fromiter((len(x) for x in per_ad), np.int64, len(per_ad))
        lk = np.fromiter((value_key("line", " ".join(ln.lower().split())) for x in per_ad for ln in x), np.uint64,
                         int(nlines.sum()))
        lrow = np.repeat(np.arange(len(recs)), nlines)
        pair = _mix(site_k[lrow], lk)
        # Count each line once per ad.
        _, first_idx = np.unique(_mix(pair, lrow.astype(np.uint64) + np.uint64(n0)), return_index=True)
        once = np.zeros(pair.size, bool)
        once[first_idx] = True
        self.lines.add(pair[once], lrow[once] + n0)
        return site_k, pair, nlines

    def strip(self, recs: list[AdRecord], observed: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[str]:
        """strip (list of str): texts without the lines that are boilerplate by the counts so far."""
        site_k, pair, nlines = observed
        lrow = np.repeat(np.arange(len(recs)), nlines)
        n = self.lines.lookup(pair)
        site_ads = self.sites.lookup(site_k)[lrow]
        bp = ((n >= self.min_ads) & (n >= self.share * site_ads)).tolist()
        out, j = [], 0
        for r in recs:
            lines = lines_of(r.text)
            out.append("\n".join(ln for ln, b in zip(lines, bp[j:j + len(lines)], strict=True) if not b))
            j += len(lines)
        return out

    def observe_and_strip(self, recs: list[AdRecord], n0: int) -> list[str]:
        return self.strip(recs, self.observe(recs, n0))


@dataclass
class LinkGraph:
    """LinkGraph: incremental edge store and per-value statistics over every ad seen so far."""

    cfg: ScoringConfig
    rows: dict[int, int] = field(default_factory=dict)  # ad id -> row
    ad_ids: list[int] = field(default_factory=list)
    values: KeyTable = field(default_factory=KeyTable)  # (kind, value) key -> first row, ads
    names: KeyTable = field(default_factory=KeyTable)  # value key -> distinct names
    contacts: KeyTable = field(default_factory=KeyTable)  # photo-group key -> distinct phone numbers
    seen_pairs: KeyTable = field(default_factory=KeyTable)  # (value, name) and (photo, contact) pairs
    edge_kind: list[np.ndarray] = field(default_factory=list)
    edge_a: list[np.ndarray] = field(default_factory=list)
    edge_b: list[np.ndarray] = field(default_factory=list)
    edge_key: list[np.ndarray] = field(default_factory=list)
    edge_value: list[list[str]] = field(default_factory=list)
    sigs: np.ndarray | None = None
    bands: KeyTable = field(default_factory=KeyTable)
    boilerplate: Boilerplate | None = None
    cluster_of: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    next_cluster_id: int = 1

    def __post_init__(self) -> None:
        t = self.cfg.texts
        self.hasher = MinHasher(t.num_perm)
        if self.boilerplate is None:
            self.boilerplate = Boilerplate(t.boilerplate_min_ads, t.boilerplate_share)
        if self.sigs is None:
            self.sigs = np.empty((0, t.num_perm), np.uint32)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("hasher", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.hasher = MinHasher(self.cfg.texts.num_perm)

    # -- guards ---------------------------------------------------------------------------------
    def _blocked_mask(self, kinds: np.ndarray, keys: np.ndarray) -> np.ndarray:
        g, p = self.cfg.guards, self.cfg.photos
        ads = self.values.lookup(keys)
        photo = kinds == KIND_ORDER.index("photo")
        contact = kinds < KIND_ORDER.index("photo")
        bad = photo & ((self.contacts.lookup(keys) > p.too_common_contacts) | (ads > p.too_common_ads))
        return bad | (contact & ((ads > g.max_ads_per_value) | (self.names.lookup(keys) > g.max_names_per_value)))

    def blocked(self, kind: str, value: str) -> str | None:
        """blocked (str | None): why a value may not link (site number, logo, placeholder), or None."""
        g, p = self.cfg.guards, self.cfg.photos
        k = np.array([value_key(kind, value)], np.uint64)
        ads = int(self.values.lookup(k)[0])
        if kind == "photo":
            n = int(self.contacts.lookup(k)[0])
            if n > p.too_common_contacts:
                return f"photo group {value} appears with {n} phone numbers"
            if ads > p.too_common_ads:
                return f"photo group {value} appears on {ads} ads"
            return None
        if kind == "text":
            return None
        if ads > g.max_ads_per_value:
            return f"{kind} {value} appears on {ads} ads"
        n = int(self.names.lookup(k)[0])
        if n > g.max_names_per_value:
            return f"{kind} {value} appears with {n} names"
        return None

    # -- adding ads -------------------------------------------------------------------------------
    def add(self, recs: Sequence[AdRecord], photo_groups: Mapping[int, int]) -> int:
        """add (int): link new (or re-read) ads to everything seen so far; returns the number of new edges.

        recs (sequence): sliced in chunks of ``ADD_CHUNK`` ads, so a lazy sequence never materialises all
        ads (texts, shingles) at once. Pass 1 registers rows and counts boilerplate lines over all new
        ads; pass 2 links contacts, photo groups and texts chunk by chunk (same result as one batch).
        photo_groups (mapping): photo id -> group; one with ``subset(ids)`` is queried vectorised per chunk.
        """
        assert self.boilerplate is not None and self.sigs is not None
        n_start = len(self.ad_ids)
        plan = []
        for s in range(0, len(recs), ADD_CHUNK):
            chunk = list(recs[s:s + ADD_CHUNK])
            keep = np.zeros(len(chunk), bool)
            n0 = len(self.ad_ids)
            for i, r in enumerate(chunk):
                if r.ad_id not in self.rows:
                    self.rows[r.ad_id] = len(self.ad_ids)
                    self.ad_ids.append(r.ad_id)
                    keep[i] = True
            new = [r for r, k in zip(chunk, keep.tolist(), strict=True) if k]
            plan.append((s, keep, n0, self.boilerplate.observe(new, n0)))
        total = len(self.ad_ids) - n_start
        if total:
            grown = np.full((n_start + total, self.sigs.shape[1]), np.iinfo(np.uint32).max, np.uint32)
            grown[:n_start] = self.sigs
            self.sigs = grown
        n_edges = n_text = 0
        for s, keep, n0, observed in plan:
            chunk = recs[s:s + ADD_CHUNK] if keep.all() else list(recs[s:s + ADD_CHUNK])
            new = list(chunk) if keep.all() else [r for r, k in zip(chunk, keep.tolist(), strict=True) if k]
            if not new:
                continue
            groups = photo_groups
            if hasattr(photo_groups, "subset"):
                groups = photo_groups.subset([p for r in new for p in r.photos])
            kinds, ea, eb, ek, evals = self._add_values(new, n0, groups)
            ta, tb, tk, tv = self._add_texts(new, n0, observed)
            kinds = np.concatenate((kinds, np.full(ta.size, KIND_ORDER.index("text"), np.int8)))
            if kinds.size:
                self.edge_kind.append(kinds)
                self.edge_a.append(np.concatenate((ea, ta)))
                self.edge_b.append(np.concatenate((eb, tb)))
                self.edge_key.append(np.concatenate((ek, tk)))
                self.edge_value.append(evals + tv)
            n_edges += int(kinds.size)
            n_text += int(ta.size)
        self.cluster_of = np.concatenate((self.cluster_of, np.full(total, -1, np.int64)))
        log.info("linked %d new ads: %d edges (%d text)", total, n_edges, n_text)
        return n_edges

    def _add_values(self, new: list[AdRecord], n0: int, photo_groups: Mapping[int, int]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        vk: list[int] = []
        vkind: list[int] = []
        vrow: list[int] = []
        vstr: list[str] = []
        name_pairs: list[tuple[int, int]] = []
        contact_pairs: list[tuple[int, int]] = []
        for i, r in enumerate(new):
            row = n0 + i
            name = value_key("name", r.name.lower()) if r.name else None
            cvals = contact_values(r)
            ckeys = [value_key(k, v) for k, v in cvals]
            for (kind, value), key in zip(cvals, ckeys, strict=True):
                vk.append(key)
                vkind.append(KIND_ORDER.index(kind))
                vrow.append(row)
                vstr.append(value)
                if name is not None:
                    name_pairs.append((key, name))
            # Distinct phone numbers per photo group: a stock photo or placeholder meets many unrelated
            # numbers, a network reuses its pictures with its own few numbers.
            pkeys = [k for (kind, _), k in zip(cvals, ckeys, strict=True) if kind == "phone"]
            for kind, value in dict.fromkeys(photo_values(r, photo_groups)):
                key = value_key(kind, value)
                vk.append(key)
                vkind.append(KIND_ORDER.index(kind))
                vrow.append(row)
                vstr.append(value)
                contact_pairs.extend((key, c) for c in pkeys)
        for pairs, table in ((name_pairs, self.names), (contact_pairs, self.contacts)):
            if pairs:
                arr = np.array(pairs, np.uint64)
                _, rank = self.seen_pairs.add(_mix(arr[:, 0], arr[:, 1]), np.zeros(len(pairs), np.int64))
                fresh = arr[rank == 0, 0]
                table.add(fresh, np.zeros(fresh.size, np.int64))
        keys = np.array(vk, np.uint64)
        rows = np.array(vrow, np.int64)
        first, _ = self.values.add(keys, rows)
        link = first != rows
        kinds = np.array(vkind, np.int8)[link]
        evals = [vstr[i] for i in np.flatnonzero(link).tolist()]
        return kinds, first[link], rows[link], keys[link], evals

    def _add_texts(self, new: list[AdRecord], n0: int, observed: tuple[np.ndarray, np.ndarray, np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        t = self.cfg.texts
        assert self.boilerplate is not None and self.sigs is not None
        stripped = self.boilerplate.strip(new, observed)
        docs = []
        for r, text in zip(new, stripped, strict=True):
            sh = shingles(mask_text(text, [r.name] if r.name else ()), t.shingle_words)
            docs.append(sh if len(sh) >= t.min_shingles else [])
        del stripped
        sigs = self.hasher.signatures(docs)
        self.sigs[n0:n0 + len(new)] = sigs
        has = np.flatnonzero(np.fromiter((bool(d) for d in docs), bool, len(docs)))
        del docs
        e = np.empty(0, np.int64)
        if has.size == 0:
            return e, e, e.astype(np.uint64), []
        keys = band_keys(sigs[has], t.bands)  # (m, bands)
        rows = np.repeat(has + n0, t.bands)
        first, rank = self.bands.add(keys.ravel(), rows)
        ok = (first != rows) & (rank < t.bucket_cap)  # a bucket beyond the cap is generic text
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            return e, e, e.astype(np.uint64), []
        sim = np.empty(cand.size)
        for s in range(0, cand.size, 50000):
            c = cand[s:s + 50000]
            sim[s:s + 50000] = (self.sigs[first[c]] == self.sigs[rows[c]]).mean(axis=1)
        cand = cand[sim >= t.threshold]
        # One edge per new ad: its first verified band (band order), as the sequential rule did.
        r = rows[cand]
        keep = np.r_[True, r[1:] != r[:-1]] if cand.size else np.empty(0, bool)
        cand = cand[keep]
        kf = keys.ravel()[cand]
        return first[cand], rows[cand], kf, [f"band:{int(k):016x}" for k in kf.tolist()]

    # -- clustering -------------------------------------------------------------------------------
    def edge_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """edge_columns ((kind, row a, row b)): all edges as arrays, without the evidence strings."""
        if not self.edge_kind:
            e = np.empty(0, np.int64)
            return e.astype(np.int8), e, e
        return np.concatenate(self.edge_kind), np.concatenate(self.edge_a), np.concatenate(self.edge_b)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        if not self.edge_kind:
            e = np.empty(0, np.int64)
            return e.astype(np.int8), e, e, []
        vals = [v for chunk in self.edge_value for v in chunk]
        return (np.concatenate(self.edge_kind), np.concatenate(self.edge_a), np.concatenate(self.edge_b), vals)

    def cluster(self, constraints: Sequence[Constraint] = ()) -> tuple[np.ndarray, Components, list[str]]:
        """cluster ((cluster id per row, components, blocked reasons)): stable ids over the whole graph.

        constraints: analysts' active decisions over graph rows, oldest first (none: the automatic
        clustering alone). Merges become ``analyst`` edges staged first and never cut by the guard; splits
        are enforced on the components afterwards (``clustering.apply_splits``).
        """
        if self.edge_kind:
            kind, a, b = (np.concatenate(self.edge_kind), np.concatenate(self.edge_a),
                          np.concatenate(self.edge_b))
            keys = np.concatenate(self.edge_key)
        else:
            kind, a, b, keys = np.empty(0, np.int8), np.empty(0, np.int64), np.empty(0, np.int64), \
                np.empty(0, np.uint64)
        # A value that became too common since its edges were made stops linking now.
        bad = self._blocked_mask(kind, keys)
        reasons: list[str] = []
        if bad.any():
            vals = self.edges()[3]
            seen: set[int] = set()
            for i in np.flatnonzero(bad).tolist():
                if int(keys[i]) in seen:
                    continue
                seen.add(int(keys[i]))
                why = self.blocked(KIND_ORDER[int(kind[i])], vals[i])
                if why:
                    reasons.append(why)
                    log.warning("guard: value does not link: %s", why)
        ok = ~bad
        w = self.cfg.edge_weights
        order = sorted(range(len(KIND_ORDER)), key=lambda k: -w.get(KIND_ORDER[k], 0.5))
        staged = [(KIND_ORDER[k], a[ok & (kind == k)], b[ok & (kind == k)]) for k in order
                  if w.get(KIND_ORDER[k], 0.5) > 0]
        constraints = list(constraints)
        ma, mb = must_link_edges(constraints)
        if ma.size:
            staged.insert(0, (ANALYST_KIND, ma, mb))
        splits = [(c.side_a, c.side_b) for c in constraints if c.action == "split"]
        comps = guarded_components(len(self.ad_ids), staged, self.cfg.guards.max_cluster_size,
                                   keep_edges=bool(splits))
        if splits:
            assert comps.kept is not None
            comps.labels = apply_splits(len(self.ad_ids), *comps.kept, comps.labels, splits)
            comps.kept = None
        ids, self.next_cluster_id = stable_ids(comps.labels, self.cluster_of, self.next_cluster_id)
        self.cluster_of = ids
        return ids, comps, reasons

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
