"""Networks (clusters of linked ads): list, graph, city timeline. Filled once the network tables exist."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from dashboard.deps import AnalystUser, SessionDep
from dashboard.templating import render
from storage import people_repo

router = APIRouter(include_in_schema=False)


@router.get("/networks")
def networks_page(request: Request, session: SessionDep, user: AnalystUser) -> Response:
    return render(request, "networks.html", {"clusters": people_repo.list_clusters(session=session),
                                             "enabled": people_repo.networks_enabled()})


@router.get("/networks/{cluster_id}")
def network_page(request: Request, session: SessionDep, user: AnalystUser, cluster_id: int) -> Response:
    net = people_repo.network(session=session, cluster_id=cluster_id)
    if net is None:
        raise HTTPException(404)
    return render(request, "network.html", {"net": net})


@router.get("/networks/{cluster_id}/graph.json")
def network_graph(session: SessionDep, user: AnalystUser, cluster_id: int) -> Response:
    net = people_repo.network(session=session, cluster_id=cluster_id)
    if net is None:
        raise HTTPException(404)
    return JSONResponse(net.graph)
