"""Networks (clusters of linked ads): list, graph, city timeline, label, and analysts' merge/split decisions.

A merge or split is recorded here with a relink request; the scheduler's link stage applies it within a
minute and on every night after (``storage.decision_repo``, ``classifiers.clustering``). Undo = revoke.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from dashboard import audit
from dashboard.deps import AnalystUser, DbId, SessionDep, StaffUser, parse_id
from dashboard.templating import render
from storage import decision_repo, people_repo
from storage.decision_repo import DecisionError
from storage.models.people import LABEL_VALUES, User

router = APIRouter(include_in_schema=False)

NOTE = 2000  # longest note or reason accepted
PAGE_ADS = 300  # ads listed (and selectable for a split) per network page


@router.get("/networks")
def networks_page(request: Request, session: SessionDep, user: AnalystUser) -> Response:
    return render(request, "networks.html", {"clusters": people_repo.list_clusters(session=session),
                                             "enabled": people_repo.networks_enabled()})


def _network_page(request: Request, session: SessionDep, cluster_id: int, *, error: str | None = None,
                  status_code: int = 200, page: int = 1) -> Response:
    net = people_repo.network(session=session, cluster_id=cluster_id, max_ads=PAGE_ADS,
                              offset=(page - 1) * PAGE_ADS)
    if net is None:
        raise HTTPException(404)
    decisions = decision_repo.decisions_for(session=session, cluster_id=cluster_id, ad_ids=[a.id for a in net.ads])
    return render(request, "network.html", {"net": net, "label_values": LABEL_VALUES,
                                            "labels": people_repo.labels_for(session=session, cluster_id=cluster_id),
                                            "decisions": decisions, "decision_error": error,
                                            "page": page, "pages": max(1, -(-net.size // PAGE_ADS))},
                  status_code=status_code)


@router.get("/networks/{cluster_id}")
def network_page(request: Request, session: SessionDep, user: AnalystUser, cluster_id: DbId,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    return _network_page(request, session, cluster_id, page=page)


@router.get("/networks/{cluster_id}/graph.json")
def network_graph(session: SessionDep, user: AnalystUser, cluster_id: DbId) -> Response:
    net = people_repo.network(session=session, cluster_id=cluster_id)
    if net is None:
        raise HTTPException(404)
    return JSONResponse(net.graph)


@router.post("/networks/{cluster_id}/label")
def label_network(request: Request, session: SessionDep, user: AnalystUser, cluster_id: DbId,
                  value: Annotated[str, Form()], note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    if value not in LABEL_VALUES:
        raise HTTPException(422, "unknown label")
    if people_repo.network(session=session, cluster_id=cluster_id, max_ads=1) is None:
        raise HTTPException(404)
    label = people_repo.add_label(session=session, user=user, value=value, cluster_id=cluster_id, note=note)
    audit.record(session, user=user, action="label.add", object_type="cluster", object_id=cluster_id,
                 detail={"value": value, "label_id": label.id}, request=request)
    session.commit()
    return RedirectResponse(f"/networks/{cluster_id}", status_code=303)


def _refused(request: Request, session: SessionDep, user: User, cluster_id: int, exc: DecisionError) -> Response:
    """The network page with the reason (analysts); admins never see ad content, so they get the message only."""
    if exc.status == 404 or user.role != "analyst":
        raise HTTPException(exc.status, str(exc))  # nothing was written: decisions validate first
    session.rollback()
    return _network_page(request, session, cluster_id, error=str(exc), status_code=exc.status)


@router.post("/networks/{cluster_id}/merge")
def merge_network(request: Request, session: SessionDep, user: StaffUser, cluster_id: DbId,
                  other_id: Annotated[str, Form(max_length=40)] = "",
                  note: Annotated[str, Form(max_length=NOTE)] = "") -> Response:
    """Merge another network into this one (takes effect at the next link stage)."""
    other = parse_id(other_id.strip().lstrip("#"))
    try:
        if other is None:
            raise DecisionError("E608", "enter the number of the network to merge, e.g. 1234")
        d, revoked = decision_repo.record_merge(session=session, cluster_id=cluster_id, other_cluster_id=other,
                                                user_id=user.id, requested_by=user.username, note=note)
    except DecisionError as exc:
        return _refused(request, session, user, cluster_id, exc)
    audit.record(session, user=user, action="network.merge", object_type="cluster", object_id=cluster_id,
                 detail={"decision_id": d.id, "other_cluster_id": other, "ads": [len(d.side_a), len(d.side_b)],
                         "revoked": [x.id for x in revoked]}, request=request)
    session.commit()
    return RedirectResponse(f"/networks/{cluster_id}", status_code=303)


@router.post("/networks/{cluster_id}/split")
def split_network(request: Request, session: SessionDep, user: StaffUser, cluster_id: DbId,
                  ad_id: Annotated[list[str] | None, Form()] = None,
                  note: Annotated[str, Form(max_length=NOTE)] = "") -> Response:
    """Split the selected ads into a network of their own (takes effect at the next link stage)."""
    ids = [parse_id(v) if len(v) <= 20 else None for v in ad_id or []]
    try:
        if any(x is None for x in ids):
            raise DecisionError("E609", "ad ids must be whole numbers")
        d, revoked = decision_repo.record_split(session=session, cluster_id=cluster_id,
                                                ad_ids=[x for x in ids if x is not None], user_id=user.id,
                                                requested_by=user.username, note=note)
    except DecisionError as exc:
        return _refused(request, session, user, cluster_id, exc)
    audit.record(session, user=user, action="network.split", object_type="cluster", object_id=cluster_id,
                 detail={"decision_id": d.id, "ads": d.side_a[:100], "rest": len(d.side_b),
                         "revoked": [x.id for x in revoked]}, request=request)
    session.commit()
    return RedirectResponse(f"/networks/{cluster_id}", status_code=303)


@router.post("/networks/{cluster_id}/decisions/{decision_id}/revoke")
def revoke_decision(request: Request, session: SessionDep, user: StaffUser, cluster_id: DbId, decision_id: DbId,
                    reason: Annotated[str, Form(max_length=NOTE)] = "") -> Response:
    """Undo a merge or split (the next link stage clusters without it); back to the network page."""
    try:
        d = decision_repo.revoke_decision(session=session, decision_id=decision_id, user_id=user.id,
                                          requested_by=user.username, reason=reason)
    except DecisionError as exc:
        return _refused(request, session, user, cluster_id, exc)
    audit.record(session, user=user, action="network.decision_revoke", object_type="cluster_decision",
                 object_id=d.id, detail={"action": d.action, "cluster_id": d.cluster_id, "reason": d.revoke_reason},
                 request=request)
    session.commit()
    return RedirectResponse(f"/networks/{cluster_id}", status_code=303)
