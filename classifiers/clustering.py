"""Connected components over ad edges with a giant-component guard, and cluster ids stable across nights.

Edge kinds are added strongest first (phone/email, then handle, photo, text). When adding a weaker kind
would grow a component beyond ``max_cluster_size``, that kind's edges inside the would-be giant are cut
and the reason logged: a generic template or a stock photo must not chain thousands of unrelated ads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

log = logging.getLogger(__name__)

CLUSTER_VERSION = "components_guarded.v1"


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


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return np.arange(n, dtype=np.int64)
    g = coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(n, n)).tocsr()
    return connected_components(g, directed=False)[1].astype(np.int64)


def guarded_components(n: int, edges: list[tuple[str, np.ndarray, np.ndarray]],
                       max_size: int) -> Components:
    """guarded_components (Components): components of ``n`` nodes; ``edges`` are (kind, a, b), strongest first."""
    acc_a: list[np.ndarray] = []
    acc_b: list[np.ndarray] = []
    labels = np.arange(n, dtype=np.int64)
    events: list[GuardEvent] = []
    for kind, a, b in edges:
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
    return Components(labels, events)


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
