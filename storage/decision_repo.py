"""Analysts' merge/split decisions and relink requests: keyword-only functions, session first; callers commit.

A decision is recorded with the ads of each side at that moment and a relink request; the next link stage
applies it as a constraint (``classifiers.clustering``). Newer decisions win: a merge revokes the active
splits whose sides it joins (one side of the split in each merged network), a split revokes the active
merges whose sides it puts apart and the active splits whose sides its selection joins. Anything else
holds together: every active split cuts the groups of the other decisions (``must_link_edges``). Undo =
revoke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import AdCluster, Cluster, ClusterDecision, RelinkRequest, User, utcnow

MAX_LISTED = 10  # ad ids named in an error message


class DecisionError(ValueError):
    """DecisionError: a decision that cannot be recorded; ``status`` is the HTTP answer (404, 409, 422)."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(f"[{code}] {message}")
        self.code, self.message, self.status = code, message, status


@dataclass
class DecisionView:
    """DecisionView: a decision with the names of who made and who revoked it, and its status."""

    decision: ClusterDecision
    username: str | None
    revoked_by_name: str | None

    @property
    def status(self) -> str:
        return status_of(self.decision)


def status_of(d: ClusterDecision) -> str:
    """status_of (str): ``revoked``, ``applied`` (a link stage applied it) or ``pending``."""
    if d.revoked_at is not None:
        return "revoked"
    return "applied" if d.applied_at is not None else "pending"


def network_ads(*, session: Session, cluster_id: int) -> list[int]:
    """network_ads (list): the ad ids of a network tonight, ascending."""
    return list(session.scalars(select(AdCluster.ad_id).where(AdCluster.cluster_id == cluster_id)
                                .order_by(AdCluster.ad_id)))


def _existing_ads(session: Session, cluster_id: int, *, status: int) -> list[int]:
    ads = network_ads(session=session, cluster_id=cluster_id) if session.get(Cluster, cluster_id) else []
    if not ads:
        raise DecisionError("E602", f"there is no network #{cluster_id}", status)
    return ads


def merge_joins_split(a: set[int], b: set[int], s: set[int], r: set[int]) -> bool:
    """merge_joins_split (bool): merging sides ``a`` and ``b`` joins ads that a split keeps apart (e.g. the
    piece split off is merged back). A side that itself still holds both sides of a pending split does not
    count: the split keeps cutting it (``classifiers.clustering.must_link_edges``)."""
    return bool((a & s and b & r) or (a & r and b & s))


def spans(group: set[int], s: set[int], r: set[int]) -> bool:
    """spans (bool): ``group`` (ads a decision keeps together) holds ads of both sides of a split."""
    return bool(group & s and group & r)


def split_separates_merge(s: set[int], r: set[int], a: set[int], b: set[int]) -> bool:
    """split_separates_merge (bool): the split puts the merge's two sides apart and keeps no ads of both
    together (the merge then has nothing left to join, see ``classifiers.clustering.must_link_edges``)."""
    sa, sb, ra, rb = s & a, s & b, r & a, r & b
    mixed = (sa and sb) or (ra and rb)
    return bool(not mixed and ((sa and rb) or (sb and ra)))


def _active(session: Session, action: str) -> list[ClusterDecision]:
    return list(session.scalars(select(ClusterDecision).where(ClusterDecision.action == action,
                                                              ClusterDecision.revoked_at.is_(None))
                                .order_by(ClusterDecision.id)))


def _clean(text: str) -> str:
    """Free text without NUL characters (PostgreSQL text cannot hold them)."""
    return text.replace("\x00", "").strip()


def _revoke(d: ClusterDecision, *, user_id: int | None, reason: str) -> None:
    d.revoked_at, d.revoked_by, d.revoke_reason = utcnow(), user_id, _clean(reason)


def _request_relink(session: Session, decision_id: int, requested_by: str) -> None:
    session.add(RelinkRequest(decision_id=decision_id, requested_by=requested_by[:64]))


def _save(session: Session, d: ClusterDecision, *, user_id: int | None, requested_by: str,
          supersedes: Callable[[], list[ClusterDecision]]) -> list[ClusterDecision]:
    """_save (revoked decisions): store ``d``, revoke the active decisions it contradicts (newer wins, with
    the reason recorded) and request a relink; ``supersedes`` lists them once ``d`` has its id."""
    session.add(d)
    session.flush()
    revoked = supersedes()
    for old in revoked:
        _revoke(old, user_id=user_id, reason=f"superseded by {d.action} #{d.id}")
    _request_relink(session, d.id, requested_by)
    session.flush()
    return revoked


def record_merge(*, session: Session, cluster_id: int, other_cluster_id: int, user_id: int | None,
                 requested_by: str, note: str = "") -> tuple[ClusterDecision, list[ClusterDecision]]:
    """record_merge ((decision, revoked splits)): network ``other_cluster_id`` joins ``cluster_id`` from the
    next link stage on (the merged network keeps the older, smaller id)."""
    if other_cluster_id == cluster_id:
        raise DecisionError("E601", "a network cannot be merged with itself")
    side_a = _existing_ads(session, cluster_id, status=404)
    side_b = _existing_ads(session, other_cluster_id, status=422)
    d = ClusterDecision(action="merge", cluster_id=cluster_id, other_cluster_id=other_cluster_id, side_a=side_a,
                        side_b=side_b, note=_clean(note), user_id=user_id)
    a, b = set(side_a), set(side_b)
    return d, _save(session, d, user_id=user_id, requested_by=requested_by, supersedes=lambda: [
        s for s in _active(session, "split") if merge_joins_split(a, b, set(s.side_a), set(s.side_b))])


def record_split(*, session: Session, cluster_id: int, ad_ids: Iterable[int], user_id: int | None,
                 requested_by: str, note: str = "") -> tuple[ClusterDecision, list[ClusterDecision]]:
    """record_split ((decision, revoked merges)): the selected ads leave network ``cluster_id`` and stay apart
    from the rest from the next link stage on (the larger part keeps the id)."""
    ads = _existing_ads(session, cluster_id, status=404)
    selected = sorted(set(ad_ids))
    if not selected:
        raise DecisionError("E603", "select at least one ad to split off")
    foreign = sorted(set(selected) - set(ads))
    if foreign:
        listed = ", ".join(str(x) for x in foreign[:MAX_LISTED]) + (" …" if len(foreign) > MAX_LISTED else "")
        raise DecisionError("E605", f"ads not in network #{cluster_id}: {listed}")
    rest = sorted(set(ads) - set(selected))
    if not rest:
        raise DecisionError("E604", "a split must leave at least one ad in the network")
    d = ClusterDecision(action="split", cluster_id=cluster_id, other_cluster_id=None, side_a=selected,
                        side_b=rest, note=_clean(note), user_id=user_id)
    s, r = set(selected), set(rest)
    return d, _save(session, d, user_id=user_id, requested_by=requested_by, supersedes=lambda: [
        *(m for m in _active(session, "merge") if split_separates_merge(s, r, set(m.side_a), set(m.side_b))),
        *(o for o in _active(session, "split") if o.id != d.id and spans(s, set(o.side_a), set(o.side_b)))])


def revoke_decision(*, session: Session, decision_id: int, user_id: int | None, requested_by: str,
                    reason: str = "") -> ClusterDecision:
    """revoke_decision (ClusterDecision): undo a decision; the next link stage clusters without it."""
    d = session.get(ClusterDecision, decision_id)
    if d is None:
        raise DecisionError("E606", f"there is no decision #{decision_id}", 404)
    if d.revoked_at is not None:
        raise DecisionError("E607", f"decision #{decision_id} is already revoked", 409)
    _revoke(d, user_id=user_id, reason=_clean(reason) or "undone")
    _request_relink(session, d.id, requested_by)
    session.flush()
    return d


ViewStmt = Select[tuple[ClusterDecision, str | None, str | None]]


def _views(session: Session, stmt: ViewStmt) -> list[DecisionView]:
    return [DecisionView(d, who, by) for d, who, by in session.execute(stmt)]


def _view_stmt() -> ViewStmt:
    """(decision, maker's name, revoker's name)."""
    maker, revoker = aliased(User), aliased(User)
    return (select(ClusterDecision, maker.username, revoker.username)
            .outerjoin(maker, maker.id == ClusterDecision.user_id)
            .outerjoin(revoker, revoker.id == ClusterDecision.revoked_by))


def get_decision(*, session: Session, decision_id: int) -> DecisionView | None:
    views = _views(session, _view_stmt().where(ClusterDecision.id == decision_id))
    return views[0] if views else None


def decisions_for(*, session: Session, cluster_id: int, ad_ids: Sequence[int] = (), limit: int = 500
                  ) -> list[DecisionView]:
    """decisions_for (list, newest first): decisions on this network, naming it, or touching its ads now
    (a piece split off, a network merged into it). Decisions are few, so sides are matched in Python."""
    ads = set(ad_ids)
    out = []
    for v in _views(session, _view_stmt().order_by(ClusterDecision.id.desc()).limit(limit)):
        d = v.decision
        if cluster_id in (d.cluster_id, d.other_cluster_id) or ads.intersection(d.side_a) \
                or ads.intersection(d.side_b):
            out.append(v)
    return out


def active_decisions(*, session: Session) -> list[ClusterDecision]:
    """active_decisions (list): decisions not revoked, oldest first (the order constraints apply in)."""
    return list(session.scalars(select(ClusterDecision).where(ClusterDecision.revoked_at.is_(None))
                                .order_by(ClusterDecision.id)))


def mark_applied(*, session: Session, decision_ids: Sequence[int], at: datetime | None = None) -> None:
    """Set ``applied_at`` on decisions a link stage applied for the first time."""
    if decision_ids:
        session.execute(update(ClusterDecision).where(ClusterDecision.id.in_(list(decision_ids)),
                                                      ClusterDecision.applied_at.is_(None))
                        .values(applied_at=at or utcnow()))


def open_relink_max_id(*, session: Session) -> int:
    """open_relink_max_id (int): the newest relink request not yet done (0: none); a link stage reads it first."""
    return int(session.scalar(select(func.max(RelinkRequest.id)).where(RelinkRequest.done_at.is_(None))) or 0)


def finish_relink_requests(*, session: Session, up_to: int) -> int:
    """finish_relink_requests (int): mark requests up to ``up_to`` done (the link stage that saw them ran)."""
    if up_to <= 0:
        return 0
    res = session.execute(update(RelinkRequest).where(RelinkRequest.id <= up_to, RelinkRequest.done_at.is_(None))
                          .values(done_at=utcnow()))
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def take_relink_requests(*, session: Session) -> list[int]:
    """take_relink_requests (list): ids of requests neither done nor picked, now marked picked; commits."""
    pending = session.scalars(select(RelinkRequest).where(RelinkRequest.done_at.is_(None),
                                                          RelinkRequest.picked_at.is_(None))
                              .order_by(RelinkRequest.id).with_for_update(skip_locked=True)).all()
    now = utcnow()
    for r in pending:
        r.picked_at = now
    session.commit()
    return [r.id for r in pending]


def release_relink_requests(*, session: Session, request_ids: Sequence[int]) -> None:
    """Un-pick requests whose link stage could not start (another one held the lock): retried next minute."""
    if request_ids:
        session.execute(update(RelinkRequest).where(RelinkRequest.id.in_(list(request_ids)),
                                                    RelinkRequest.done_at.is_(None)).values(picked_at=None))
    session.commit()
