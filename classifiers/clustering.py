"""Connected components over ad edges with a giant-component guard, and cluster ids stable across nights.

Edge kinds are added strongest first (phone/email, then handle, photo, text). When adding a weaker kind
would grow a component beyond ``max_cluster_size``, that kind's edges inside the would-be giant are cut
and the reason logged: a generic template or a stock photo must not chain thousands of unrelated ads.

Analysts' decisions (``Constraint``) constrain the components: each decision's groups (a merge's two sides
together, each side of a split) are kept together by ``analyst`` edges (must-link), staged first and exempt
from the guard; a split (cannot-link) partitions any component that holds ads of both sides by their
distance to either side and cuts the edges between them (``apply_splits``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

log = logging.getLogger(__name__)

CLUSTER_VERSION = "components_guarded.v1"
ANALYST_KIND = "analyst"  # edges from analysts' merge decisions: never cut by the guard


@dataclass
class GuardEvent:
    """GuardEvent: edges of one kind cut because they would have built a giant component."""

    kind: str
    edges_cut: int
    component_size: int
    reason: str


@dataclass
class Components:
    labels: np.ndarray  # component label per node
    guard_events: list[GuardEvent] = field(default_factory=list)
    kept: tuple[np.ndarray, np.ndarray] | None = None  # edges that survived the guard (keep_edges=True only)


@dataclass(frozen=True)
class Constraint:
    """Constraint: one active analyst decision over graph rows; a list of them is in decision order.

    merge: the ads of ``side_a`` and ``side_b`` belong together (must-link); split: ``side_a`` (the
    selected ads) and ``side_b`` (the rest) must not be in one network (cannot-link).
    """

    action: str  # "merge" | "split"
    side_a: np.ndarray
    side_b: np.ndarray
    decision_id: int = 0


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return np.arange(n, dtype=np.int64)
    g = coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(n, n)).tocsr()
    return connected_components(g, directed=False)[1].astype(np.int64)


def guarded_components(n: int, edges: list[tuple[str, np.ndarray, np.ndarray]],
                       max_size: int, *, exempt: frozenset[str] = frozenset({ANALYST_KIND}),
                       keep_edges: bool = False) -> Components:
    """guarded_components (Components): components of ``n`` nodes; ``edges`` are (kind, a, b), strongest first.

    Kinds in ``exempt`` (analysts' merges) are never cut, and the guard judges the other kinds on the
    components they build without them: counting them would make the guard cut the phone edges inside two
    large networks an analyst merged. keep_edges: also return the surviving edges (for ``apply_splits``).
    """
    acc_a: list[np.ndarray] = []
    acc_b: list[np.ndarray] = []
    labels = np.arange(n, dtype=np.int64)
    events: list[GuardEvent] = []
    free = [(a, b) for kind, a, b in edges if kind in exempt and a.size]
    for kind, a, b in edges:
        if kind in exempt:
            continue
        if a.size == 0:
            continue
        new = _components(n, np.concatenate([*acc_a, a]), np.concatenate([*acc_b, b]))
        sizes = np.bincount(new)
        old_sizes = np.bincount(labels)
        giant = sizes > max_size
        if giant.any():
            # Only blame this kind when it did the growing: the component was not already giant.
            grew = np.zeros_like(giant)
            np.maximum.at(grew, new, old_sizes[labels] < sizes[new])
            bad = giant & grew
            cut = bad[new[a]]
            if cut.any():
                for comp in np.flatnonzero(bad):
                    events.append(GuardEvent(kind, int((new[a[cut]] == comp).sum()), int(sizes[comp]),
                                             f"{kind} edges would join {int(sizes[comp])} ads (> {max_size})"))
                    log.warning("guard: cut %s", events[-1].reason)
                a, b = a[~cut], b[~cut]
                new = _components(n, np.concatenate([*acc_a, a]), np.concatenate([*acc_b, b]))
        acc_a.append(a)
        acc_b.append(b)
        labels = new
    if free:
        acc_a.extend(a for a, _ in free)
        acc_b.extend(b for _, b in free)
        labels = _components(n, np.concatenate(acc_a), np.concatenate(acc_b))
        sizes = np.bincount(labels)
        if sizes.max() > max_size:
            log.info("analyst merges built a network of %d ads (> %d; allowed)", int(sizes.max()), max_size)
    kept = None
    if keep_edges:
        e = np.empty(0, np.int64)
        kept = (np.concatenate(acc_a) if acc_a else e, np.concatenate(acc_b) if acc_b else e)
    return Components(labels, events, kept)


def decision_groups(c: Constraint) -> list[np.ndarray]:
    """decision_groups (list of row arrays): the ads a decision says belong together, as the analyst saw them:
    a merge's two sides as one group, each side of a split as a group.

    Links are stars around the first ad with a value, so cutting a selection out of a phone's star would
    otherwise leave each selected ad alone, and taking the star's centre away would scatter the rest.
    A row on both sides is left out.
    """
    a, b = np.unique(c.side_a), np.unique(c.side_b)
    both = np.intersect1d(a, b)
    a, b = np.setdiff1d(a, both), np.setdiff1d(b, both)
    return [np.union1d(a, b)] if c.action == "merge" else [a, b]


def _cells(rows: np.ndarray, splits: list[Constraint]) -> np.ndarray:
    """_cells (cell per row): rows that no split puts on opposite sides share a cell.

    A row's side in each split is 1, 2, or 0 when the split does not name it (it may go with either side).
    Distinct side patterns are placed most specific first; each joins the largest cell it does not conflict
    with (a tie: the older cell), else opens a cell. So ads merged into a network that has a pending split
    join its larger part, the one that keeps the network's id.
    """
    if not splits:
        return np.zeros(rows.size, np.int64)
    sides = np.zeros((rows.size, len(splits)), np.int8)
    for j, s in enumerate(splits):
        sides[:, j] = np.where(np.isin(rows, s.side_a), 1, np.where(np.isin(rows, s.side_b), 2, 0))
    patterns, inverse, counts = np.unique(sides, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    order = sorted(range(len(patterns)), key=lambda p: (int((patterns[p] == 0).sum()), -int(counts[p]), p))
    cell_sig: list[np.ndarray] = []
    cell_n: list[int] = []
    cell_of = np.zeros(len(patterns), np.int64)
    for p in order:
        sig = patterns[p]
        fits = [k for k, cs in enumerate(cell_sig) if bool(np.all((sig == 0) | (cs == 0) | (sig == cs)))]
        if fits:
            k = max(fits, key=lambda k: (cell_n[k], -k))
            cell_sig[k] = np.where(cell_sig[k] == 0, sig, cell_sig[k])
            cell_n[k] += int(counts[p])
        else:
            k = len(cell_sig)
            cell_sig.append(sig.copy())
            cell_n.append(int(counts[p]))
        cell_of[p] = k
    return cell_of[inverse]


def must_link_edges(constraints: list[Constraint]) -> tuple[np.ndarray, np.ndarray]:
    """must_link_edges ((rows a, rows b)): the analyst edges that keep each decision's groups together.

    A group is cut into cells by the side its ads take in every other active split, and each cell is linked
    as a star around its oldest row, so no analyst edge crosses an active split: a split of part of a merged
    network keeps the rest merged, and two selections split off one network (the second recorded before the
    first was applied) both hold. Newer decisions win because a decision that contradicts an older one
    revokes it when it is recorded (``storage.decision_repo``).
    """
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    splits = [j for j, s in enumerate(constraints) if s.action == "split"]
    # Which split names which row: a group is cut only by the splits that name some of its rows.
    named_rows = np.concatenate([np.r_[constraints[j].side_a, constraints[j].side_b] for j in splits]) \
        if splits else np.empty(0, np.int64)
    named_by = np.concatenate([np.full(constraints[j].side_a.size + constraints[j].side_b.size, j)
                               for j in splits]) if splits else np.empty(0, np.int64)
    for i, c in enumerate(constraints):
        for rows in decision_groups(c):
            if rows.size < 2:
                continue
            near = np.unique(named_by[np.isin(named_rows, rows)]).tolist()
            cell = _cells(rows, [constraints[j] for j in near if j != i])
            for k in np.unique(cell).tolist():
                members = rows[cell == k]  # ascending: rows come from np.unique / union1d
                if members.size > 1:
                    out_a.append(np.full(members.size - 1, members[0], np.int64))
                    out_b.append(members[1:].astype(np.int64))
    if not out_a:
        e = np.empty(0, np.int64)
        return e, e
    return np.concatenate(out_a), np.concatenate(out_b)


def split_sides(n_sub: int, a: np.ndarray, b: np.ndarray, seeds_a: np.ndarray, seeds_b: np.ndarray) -> np.ndarray:
    """split_sides (int8 array, 0 or 1 per node): which seed set reaches each node first over edges (a, b).

    A multi-source breadth-first search from both seed sets at once: a node goes to the side at the smaller
    distance; a tie goes to side 1 (the rest), so an analyst's selection only grows by ads closer to it.
    Seeds keep their side; nodes reached by neither side get side 1.
    """
    g = coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(n_sub, n_sub)).tocsr()
    d_a = dijkstra(g, directed=False, indices=seeds_a, unweighted=True, min_only=True)
    d_b = dijkstra(g, directed=False, indices=seeds_b, unweighted=True, min_only=True)
    side = np.where(d_a < d_b, 0, 1).astype(np.int8)
    side[seeds_a] = 0
    side[seeds_b] = 1
    return side


def apply_splits(n: int, a: np.ndarray, b: np.ndarray, labels: np.ndarray,
                 splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """apply_splits (component label per node): ``labels`` with every cannot-link (side a, side b) enforced.

    Splits are applied in order. A component holding rows of both sides is partitioned by ``split_sides``
    (over the edges ``a``, ``b`` that survived so far), the edges between the two parts are cut and the
    component is relabelled; components holding only one side are left alone. So a new ad that shares a
    phone with both sides joins the nearer side and does not join them again.
    """
    keep = np.ones(a.size, bool)
    labels = labels.copy()
    for side_a, side_b in splits:
        sa = np.unique(side_a[(side_a >= 0) & (side_a < n)])
        sb = np.unique(side_b[(side_b >= 0) & (side_b < n)])
        both = np.intersect1d(sa, sb)
        sa, sb = np.setdiff1d(sa, both), np.setdiff1d(sb, both)
        shared = np.intersect1d(labels[sa], labels[sb])
        if not sa.size or not sb.size or not shared.size:
            continue
        inside = np.isin(labels, shared)
        sub = np.flatnonzero(inside)
        loc = np.full(n, -1, np.int64)
        loc[sub] = np.arange(sub.size)
        eidx = np.flatnonzero(keep & inside[a])  # components: both ends are inside or neither is
        ea, eb = loc[a[eidx]], loc[b[eidx]]
        side = split_sides(sub.size, ea, eb, loc[sa[inside[sa]]], loc[sb[inside[sb]]])
        cut = side[ea] != side[eb]
        keep[eidx[cut]] = False
        log.info("split: %d edges cut in %d component(s) of %d ads", int(cut.sum()), shared.size, sub.size)
        ea, eb = ea[~cut], eb[~cut]
        labels[sub] = labels.max() + 1 + _components(sub.size, ea, eb)
    return np.unique(labels, return_inverse=True)[1].astype(np.int64).ravel()


def stable_ids(labels: np.ndarray, previous: np.ndarray, next_id: int) -> tuple[np.ndarray, int]:
    """stable_ids ((cluster id per node, next free id)): carry yesterday's ids over to today's components.

    previous (int array): yesterday's cluster id per node, -1 for new nodes. A component keeps the oldest
    (smallest) previous id among its members; if a cluster was split, its largest piece keeps the id and the
    others get new ids. Components without any previous id get fresh ids.
    """
    n = labels.size
    out = np.full(n, -1, dtype=np.int64)
    comp_size = np.bincount(labels)
    has_prev = previous >= 0
    # Candidate claims: (previous id, component) with the component's size; oldest id first.
    claims = np.unique(np.stack([previous[has_prev], labels[has_prev]], axis=1), axis=0) if has_prev.any() \
        else np.empty((0, 2), np.int64)
    assigned_comp: dict[int, int] = {}
    used: set[int] = set()
    if claims.size:
        order = np.lexsort((-comp_size[claims[:, 1]], claims[:, 0]))
        for pid, comp in claims[order].tolist():
            if pid in used or comp in assigned_comp:
                continue
            assigned_comp[comp] = pid
            used.add(pid)
    comp_ids = np.full(comp_size.size, -1, dtype=np.int64)
    if assigned_comp:
        comp_ids[np.fromiter(assigned_comp.keys(), np.int64)] = np.fromiter(assigned_comp.values(), np.int64)
    present = np.zeros(comp_size.size, bool)
    present[labels] = True
    fresh = np.flatnonzero(present & (comp_ids < 0))
    comp_ids[fresh] = np.arange(next_id, next_id + fresh.size)
    out = comp_ids[labels]
    return out, next_id + int(fresh.size)
