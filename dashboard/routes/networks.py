"""Networks (clusters of linked ads): list, graph, city timeline. Filled once the network tables exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from dashboard import audit
from dashboard.deps import AnalystUser, DbId, SessionDep
from dashboard.templating import render
from storage import people_repo
from storage.models.people import LABEL_VALUES

router = APIRouter(include_in_schema=False)


@router.get("/networks")
def networks_page(request: Request, session: SessionDep, user: AnalystUser) -> Response:
    return render(request, "networks.html", {"clusters": people_repo.list_clusters(session=session),
                                             "enabled": people_repo.networks_enabled()})


@router.get("/networks/{cluster_id}")
def network_page(request: Request, session: SessionDep, user: AnalystUser, cluster_id: DbId) -> Response:
    net = people_repo.network(session=session, cluster_id=cluster_id)
    if net is None:
        raise HTTPException(404)
    return render(request, "network.html", {"net": net, "label_values": LABEL_VALUES,
                                            "labels": people_repo.labels_for(session=session, cluster_id=cluster_id)})


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
