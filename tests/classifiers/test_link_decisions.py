"""Analysts' merge and split decisions as clustering constraints: pure functions and LinkGraph.cluster."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifiers.clustering import (
    Constraint,
    apply_splits,
    guarded_components,
    must_link_edges,
    split_sides,
    stable_ids,
)
from classifiers.linking import LinkGraph
from classifiers.records import AdRecord
from config.scoring_schema import load_scoring

CFG = load_scoring(Path(__file__).resolve().parents[2] / "config")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def arr(*xs: int) -> np.ndarray:
    return np.array(xs, np.int64)


def merge(a: list[int], b: list[int], did: int = 0) -> Constraint:
    return Constraint("merge", np.array(a, np.int64), np.array(b, np.int64), did)


def split(a: list[int], b: list[int], did: int = 0) -> Constraint:
    return Constraint("split", np.array(a, np.int64), np.array(b, np.int64), did)


def groups(labels: np.ndarray) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        out.setdefault(lab, set()).add(i)
    return {frozenset(g) for g in out.values()}


def test_must_link_joins_two_components() -> None:
    ma, mb = must_link_edges([merge([0, 1], [2, 3])])
    assert ma.tolist() == [0, 0, 0] and mb.tolist() == [1, 2, 3]  # both sides as one group, a star
    comps = guarded_components(5, [("analyst", ma, mb), ("phone", arr(0, 2), arr(1, 3))], max_size=10)
    assert groups(comps.labels) == {frozenset({0, 1, 2, 3}), frozenset({4})}


def test_merge_is_exempt_from_the_guard_and_does_not_make_it_cut_the_networks() -> None:
    # Two networks of 6 ads each (phone stars), max size 10: merged they hold 12 ads.
    a = np.r_[np.zeros(5, np.int64), np.full(5, 6)]
    b = np.r_[np.arange(1, 6), np.arange(7, 12)]
    ma, mb = must_link_edges([merge(list(range(6)), list(range(6, 12)))])
    comps = guarded_components(12, [("analyst", ma, mb), ("phone", a, b)], max_size=10)
    assert groups(comps.labels) == {frozenset(range(12))} and comps.guard_events == []
    # A weaker kind is still judged without the merge: a text edge chaining a third network of 6 onto one
    # side builds 12 ads without the analyst edge, so it is cut (and logged).
    c_a, c_b = np.full(5, 12), np.arange(13, 18)
    comps = guarded_components(18, [("analyst", ma, mb), ("phone", np.r_[a, c_a], np.r_[b, c_b]),
                                    ("text", arr(11), arr(12))], max_size=10)
    assert groups(comps.labels) == {frozenset(range(12)), frozenset(range(12, 18))}
    assert [e.kind for e in comps.guard_events] == ["text"]


def test_split_sides_nearest_seed_and_ties_go_to_the_rest() -> None:
    # chain 0-1-2-3-4: seeds {0} and {3, 4}; 1 is nearer 0, 2 is nearer 3.
    side = split_sides(5, arr(0, 1, 2, 3), arr(1, 2, 3, 4), arr(0), arr(3, 4))
    assert side.tolist() == [0, 0, 1, 1, 1]
    # 0-1-2: 1 is one step from both: the tie goes to the rest (side 1).
    assert split_sides(3, arr(0, 1), arr(1, 2), arr(0), arr(2)).tolist() == [0, 1, 1]


def test_cannot_link_partitions_the_component_and_cuts_only_between_sides() -> None:
    a, b = arr(0, 1, 2, 3, 5), arr(1, 2, 3, 4, 6)  # chain 0..4 and a pair 5-6
    labels = guarded_components(7, [("phone", a, b)], max_size=100).labels
    out = apply_splits(7, a, b, labels, [(arr(0), arr(3, 4))])
    assert groups(out) == {frozenset({0, 1}), frozenset({2, 3, 4}), frozenset({5, 6})}
    # Sides already in different components: nothing changes.
    assert groups(apply_splits(7, a, b, labels, [(arr(0), arr(5))])) == groups(labels)


def edges_of(cons: list[Constraint]) -> set[tuple[int, int]]:
    ma, mb = must_link_edges(cons)
    return set(zip(ma.tolist(), mb.tolist(), strict=True))


def constrained(n: int, a: np.ndarray, b: np.ndarray, cons: list[Constraint]) -> set[frozenset[int]]:
    ma, mb = must_link_edges(cons)
    comps = guarded_components(n, [("analyst", ma, mb), ("phone", a, b)], max_size=100, keep_edges=True)
    assert comps.kept is not None
    return groups(apply_splits(n, *comps.kept, comps.labels,
                               [(c.side_a, c.side_b) for c in cons if c.action == "split"]))


def test_each_side_of_a_split_stays_together_in_a_phone_star() -> None:
    # Ads 1-4 all link to ad 0, the first with their phone (links are stars).
    a, b = arr(0, 0, 0, 0), arr(1, 2, 3, 4)
    assert constrained(5, a, b, [split([3, 4], [0, 1, 2])]) == {frozenset({0, 1, 2}), frozenset({3, 4})}
    # The star's centre taken away: the rest does not scatter.
    assert constrained(5, a, b, [split([0], [1, 2, 3, 4])]) == {frozenset({0}), frozenset({1, 2, 3, 4})}
    # Two selections split off one after the other (the second recorded before the first was applied:
    # its rest still holds ad 4): both hold.
    cons = [split([4], [0, 1, 2, 3]), split([3], [0, 1, 2, 4])]
    assert constrained(5, a, b, cons) == {frozenset({0, 1, 2}), frozenset({3}), frozenset({4})}


def test_a_merge_recorded_before_a_split_was_applied_keeps_the_split() -> None:
    # Ad 3 is split off network {0..3} (pending), then network {4,5} is merged in with the ads of both sides.
    a, b = arr(0, 0, 0, 4), arr(1, 2, 3, 5)
    cons = [split([3], [0, 1, 2]), merge([0, 1, 2, 3], [4, 5])]
    assert constrained(6, a, b, cons) == {frozenset({3}), frozenset({0, 1, 2, 4, 5})}


def test_a_newer_split_cuts_an_older_merge_group_and_no_analyst_edge_crosses_it() -> None:
    # Networks {0,1} and {2,3} merged; then ad 0 (the merge's oldest ad) is split off.
    a, b = arr(0, 2), arr(1, 3)
    cons = [merge([0, 1], [2, 3]), split([0], [1, 2, 3])]
    assert edges_of(cons) == {(1, 2), (1, 3)}
    assert constrained(4, a, b, cons) == {frozenset({0}), frozenset({1, 2, 3})}
    # A split that separates the merge's sides exactly: each side stays together, nothing links them.
    assert edges_of([merge([0, 1], [2, 3]), split([0, 1], [2, 3])]) == {(0, 1), (2, 3)}


def _graph(recs: list[AdRecord]) -> LinkGraph:
    cfg = CFG.model_copy(update={"edge_weights": {**CFG.edge_weights, "text": 0.0}})
    g = LinkGraph(cfg)
    g.add(recs, {})
    return g


def rec(i: int, *phones: str) -> AdRecord:
    return AdRecord(ad_id=i, site="s", seen_at=NOW, text=f"ad {i}", phones=tuple(phones))


def test_graph_split_holds_when_a_new_ad_bridges_both_sides_and_revoke_restores() -> None:
    # Ads 1-2 share phone P, 2-3 share Q, 3-4 share R: one network 1-2-3-4.
    g = _graph([rec(1, "+451"), rec(2, "+451", "+452"), rec(3, "+452", "+453"), rec(4, "+453")])
    ids, _, _ = g.cluster()
    assert len(set(ids.tolist())) == 1
    cid = int(ids[0])
    row = g.rows
    cons = [split([row[3], row[4]], [row[1], row[2]])]
    ids, _, _ = g.cluster(cons)
    assert ids[row[1]] == ids[row[2]] == cid and ids[row[3]] == ids[row[4]] != cid  # equal halves: oldest keeps
    split_id = int(ids[row[3]])
    # Night 2: ad 5 shares P (side {1,2}) and R (side {3,4}); ad 6 shares only R.
    g.add([rec(5, "+451", "+453"), rec(6, "+453")], {})
    ids, _, _ = g.cluster(cons)
    assert ids[row[1]] == ids[row[2]] == cid and ids[row[3]] == ids[row[4]] == split_id
    assert ids[row[5]] in (cid, split_id) and ids[row[6]] == split_id
    # Undo (the decision revoked): the automatic clustering comes back; the larger piece's id survives.
    ids, _, _ = g.cluster()
    assert len(set(ids.tolist())) == 1 and int(ids[0]) in (cid, split_id)


def test_graph_merge_keeps_the_older_id_and_revoke_splits_again() -> None:
    g = _graph([rec(1, "+451"), rec(2, "+451"), rec(3, "+459"), rec(4, "+459")])
    ids, _, _ = g.cluster()
    a_id, b_id = int(ids[g.rows[1]]), int(ids[g.rows[3]])
    assert a_id != b_id
    cons = [merge([g.rows[3], g.rows[4]], [g.rows[1], g.rows[2]])]
    ids, _, _ = g.cluster(cons)
    assert set(ids.tolist()) == {min(a_id, b_id)}
    ids, _, _ = g.cluster()
    assert len(set(ids.tolist())) == 2 and min(a_id, b_id) in ids.tolist()


def test_no_constraints_is_todays_clustering() -> None:
    rng = np.random.default_rng(3)
    n = 400
    edges = [(k, rng.integers(0, n, m), rng.integers(0, n, m)) for k, m in (("phone", 150), ("photo", 120),
                                                                             ("text", 200))]
    plain = guarded_components(n, edges, max_size=60)
    kept = guarded_components(n, edges, max_size=60, keep_edges=True)
    assert np.array_equal(plain.labels, kept.labels) and plain.guard_events == kept.guard_events
    assert plain.guard_events, "the random graph should trigger the guard"
    assert kept.kept is not None
    assert np.array_equal(apply_splits(n, *kept.kept, kept.labels, []),
                          np.unique(kept.labels, return_inverse=True)[1])
    assert must_link_edges([])[0].size == 0
    g = _graph([rec(i, f"+45{i % 37}", f"+46{i % 53}") for i in range(1, 300)])
    prev, nxt = g.cluster_of.copy(), g.next_cluster_id
    ids, comps, _ = g.cluster()
    g.cluster_of, g.next_cluster_id = prev, nxt
    ids2, comps2, _ = g.cluster(())
    assert np.array_equal(ids, ids2) and np.array_equal(comps.labels, comps2.labels)
    assert np.array_equal(stable_ids(comps.labels, prev, 1)[0], ids)
