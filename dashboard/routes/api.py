"""The JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``): same session login and roles as the
pages; unsafe methods need the ``X-CSRF-Token`` header. Contact views, changes and exports are audited."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

from dashboard import audit
from dashboard.deps import AdminUser, AnalystUser, AnyUser, DbId, LeadUser, SessionDep, StaffUser
from dashboard.routes.ads import queue_head
from dashboard.routes.leads import visible_lead
from dashboard.schemas import (
    AdPublic,
    AdSummary,
    AuditPublic,
    ContactPublic,
    DecisionPublic,
    EvidenceSpan,
    LabelCreate,
    LabelPublic,
    LeadPublic,
    LeadUpdate,
    MergeCreate,
    RevokeCreate,
    SiteHealthPublic,
    SplitCreate,
    UserPublic,
)
from storage import decision_repo, people_repo
from storage.decision_repo import DecisionError, DecisionView

router = APIRouter(prefix="/api", tags=["api"])


def _summary(row: people_repo.AdRow) -> AdSummary:
    return AdSummary(id=row.id, site_id=row.site_id, title=row.title, snippet=row.snippet, city=row.city,
                     first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at, status=row.status,
                     risk=row.risk, indicators=row.indicators, label=row.label)


def _lead(lead: people_repo.LeadView) -> LeadPublic:
    return LeadPublic(id=lead.id, status=lead.status, assignee=lead.assignee, cluster_id=lead.cluster_id,
                      risk=lead.risk, language=lead.language,
                      contacts=[ContactPublic(kind=c.kind, value=c.value) for c in lead.contacts],
                      cities=lead.cities, ad_ids=lead.ad_ids, created_at=lead.created_at,
                      updated_at=lead.updated_at)


@router.get("/me", response_model=UserPublic)
def me(user: AnyUser) -> UserPublic:
    """The logged-in user."""
    return UserPublic(id=user.id, username=user.username, role=user.role, language=user.language)


@router.get("/review", response_model=list[AdSummary])
def review(request: Request, session: SessionDep, user: AnalystUser, site: str | None = None,
           status: str | None = "active", limit: int = Query(50, ge=1, le=200),
           offset: int = Query(0, ge=0, le=1_000_000)) -> list[AdSummary]:
    """The review queue, riskiest first."""
    rows = people_repo.review_queue(session=session, site=site, status=status, limit=limit, offset=offset,
                                    top_scores=queue_head(request, session))
    return [_summary(r) for r in rows]


@router.get("/search", response_model=list[AdSummary])
def search(request: Request, session: SessionDep, user: AnalystUser,
           q: str = Query(..., min_length=1, max_length=200)) -> list[AdSummary]:
    """Ads matching a phone (any format), e-mail, handle or free text."""
    rows = people_repo.search_ads(session=session, query=q)
    audit.record(session, user=user, action="search", detail={"query": q, "results": len(rows), "api": True},
                 request=request)
    session.commit()
    return [_summary(r) for r in rows]


@router.get("/ads/{ad_id}", response_model=AdPublic)
def ad(request: Request, session: SessionDep, user: AnalystUser, ad_id: DbId) -> AdPublic:
    """One ad with evidence spans and contacts (audited as a contact view)."""
    detail = people_repo.ad_detail(session=session, ad_id=ad_id)
    if detail is None or detail.ad.current_version_id is None:
        raise HTTPException(404, "no such ad")
    version = next(v for v in detail.versions if v.id == detail.ad.current_version_id)
    reading = people_repo.ad_reading(session=session, ad_id=ad_id, version_id=version.id)
    row = people_repo._ad_rows(session, [ad_id])[0]
    audit.record_view(session, user=user, action="ad.view", object_type="ad", object_id=ad_id,
                      detail={"contacts": len(reading.contacts), "api": True}, request=request)
    return AdPublic(**_summary(row).model_dump(), url=detail.ad.url, text=version.text,
                    evidence=[EvidenceSpan(start=h.start, end=h.end, code=h.code, text=version.text[h.start:h.end])
                              for h in reading.hits],
                    contacts=[ContactPublic(kind=c.kind, value=c.value) for c in reading.contacts],
                    facts=reading.facts, photo_ids=[p.id for _, p in detail.photos if p.path])


@router.post("/ads/{ad_id}/labels", response_model=LabelPublic, status_code=201)
def add_label(request: Request, session: SessionDep, user: AnalystUser, ad_id: DbId, body: LabelCreate) -> LabelPublic:
    """Label an ad (concern / no_concern / unsure)."""
    if people_repo.ad_detail(session=session, ad_id=ad_id) is None:
        raise HTTPException(404, "no such ad")
    label = people_repo.add_label(session=session, user=user, value=body.value, ad_id=ad_id, note=body.note)
    audit.record(session, user=user, action="label.add", object_type="ad", object_id=ad_id,
                 detail={"value": body.value, "label_id": label.id, "api": True}, request=request)
    session.commit()
    return LabelPublic(id=label.id, ad_id=label.ad_id, cluster_id=label.cluster_id, value=label.value,
                       note=label.note, created_at=label.created_at)


@router.get("/leads", response_model=list[LeadPublic])
def leads(request: Request, session: SessionDep, user: LeadUser, status: str | None = None) -> list[LeadPublic]:
    """Leads (outreach workers: only their own). Includes contacts, so the call is audited."""
    if not people_repo.leads_enabled():
        return []
    rows = people_repo.list_leads(session=session, assignee_id=user.id if user.role == "outreach" else None,
                                  status=status, with_contacts=True)
    audit.record_view(session, user=user, action="lead.list", object_type="lead",
                      detail={"rows": len(rows), "api": True}, request=request)
    return [_lead(r) for r in rows]


@router.get("/leads/{lead_id}", response_model=LeadPublic)
def lead(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId) -> LeadPublic:
    """One lead (audited as a contact view)."""
    view = visible_lead(session, user, lead_id)
    audit.record_view(session, user=user, action="lead.view", object_type="lead", object_id=lead_id,
                      detail={"api": True}, request=request)
    return _lead(view)


@router.patch("/leads/{lead_id}", response_model=LeadPublic)
def update_lead(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId, body: LeadUpdate) -> LeadPublic:
    """Change a lead's status (audited)."""
    view = visible_lead(session, user, lead_id)
    people_repo.set_lead_status(session=session, lead_id=lead_id, user=user, status=body.status, note=body.note)
    audit.record(session, user=user, action="lead.status", object_type="lead", object_id=lead_id,
                 detail={"from": view.status, "to": body.status, "api": True}, request=request)
    session.commit()
    return _lead(visible_lead(session, user, lead_id))


@router.get("/sites", response_model=list[SiteHealthPublic])
def sites(session: SessionDep, user: StaffUser) -> list[SiteHealthPublic]:
    """Crawl health per site."""
    return [SiteHealthPublic(site_id=h.site.id, name=h.site.name, enabled=h.site.enabled,
                             last_run_at=h.last_run.started_at if h.last_run else None,
                             last_status=h.last_run.status if h.last_run else None,
                             last_health=h.last_run.health if h.last_run else None, active_ads=h.active_ads)
            for h in people_repo.crawl_health(session=session)]


@router.get("/audit", response_model=list[AuditPublic])
def audit_log(session: SessionDep, user: AdminUser, action: str | None = None,
              limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=1_000_000)) -> list[AuditPublic]:
    """The audit log, newest first (admins)."""
    return [AuditPublic(id=e.id, at=e.at, username=e.username, action=e.action, object_type=e.object_type,
                        object_id=e.object_id, ip=e.ip, detail=e.detail)
            for e in people_repo.list_audit(session=session, action=action, limit=limit, offset=offset)]


def _decision(view: DecisionView) -> DecisionPublic:
    d = view.decision
    return DecisionPublic.model_validate({
        "id": d.id, "action": d.action, "cluster_id": d.cluster_id, "other_cluster_id": d.other_cluster_id,
        "side_a": d.side_a, "side_b": d.side_b, "note": d.note, "username": view.username,
        "created_at": d.created_at, "applied_at": d.applied_at, "revoked_at": d.revoked_at,
        "revoked_by": view.revoked_by_name, "revoke_reason": d.revoke_reason, "status": view.status})


def _view(session: SessionDep, decision_id: int) -> DecisionPublic:
    view = decision_repo.get_decision(session=session, decision_id=decision_id)
    if view is None:
        raise HTTPException(404, "no such decision")
    return _decision(view)


@router.post("/networks/{cluster_id}/merge", response_model=DecisionPublic, status_code=201)
def merge_network(request: Request, session: SessionDep, user: StaffUser, cluster_id: DbId,
                  body: MergeCreate) -> DecisionPublic:
    """Merge network ``other_cluster_id`` with this one from the next link stage on (audited)."""
    try:
        d, revoked = decision_repo.record_merge(session=session, cluster_id=cluster_id,
                                                other_cluster_id=body.other_cluster_id, user_id=user.id,
                                                requested_by=user.username, note=body.note)
    except DecisionError as exc:  # nothing was written: decisions validate first
        raise HTTPException(exc.status, str(exc)) from exc
    audit.record(session, user=user, action="network.merge", object_type="cluster", object_id=cluster_id,
                 detail={"decision_id": d.id, "other_cluster_id": body.other_cluster_id,
                         "ads": [len(d.side_a), len(d.side_b)], "revoked": [x.id for x in revoked], "api": True},
                 request=request)
    session.commit()
    return _view(session, d.id)


@router.post("/networks/{cluster_id}/split", response_model=DecisionPublic, status_code=201)
def split_network(request: Request, session: SessionDep, user: StaffUser, cluster_id: DbId,
                  body: SplitCreate) -> DecisionPublic:
    """Split ``ad_ids`` of this network into a network of their own from the next link stage on (audited)."""
    try:
        d, revoked = decision_repo.record_split(session=session, cluster_id=cluster_id, ad_ids=body.ad_ids,
                                                user_id=user.id, requested_by=user.username, note=body.note)
    except DecisionError as exc:  # nothing was written: decisions validate first
        raise HTTPException(exc.status, str(exc)) from exc
    audit.record(session, user=user, action="network.split", object_type="cluster", object_id=cluster_id,
                 detail={"decision_id": d.id, "ads": d.side_a[:100], "rest": len(d.side_b),
                         "revoked": [x.id for x in revoked], "api": True}, request=request)
    session.commit()
    return _view(session, d.id)


@router.get("/networks/{cluster_id}/decisions", response_model=list[DecisionPublic])
def network_decisions(session: SessionDep, user: StaffUser, cluster_id: DbId) -> list[DecisionPublic]:
    """Merge/split decisions on this network or its ads, newest first, with their status."""
    ads = decision_repo.network_ads(session=session, cluster_id=cluster_id)
    views = decision_repo.decisions_for(session=session, cluster_id=cluster_id, ad_ids=ads)
    if not ads and not views:
        raise HTTPException(404, "no such network")
    return [_decision(v) for v in views]


@router.post("/decisions/{decision_id}/revoke", response_model=DecisionPublic)
def revoke_decision(request: Request, session: SessionDep, user: StaffUser, decision_id: DbId,
                    body: RevokeCreate) -> DecisionPublic:
    """Undo a merge or split from the next link stage on (audited)."""
    try:
        d = decision_repo.revoke_decision(session=session, decision_id=decision_id, user_id=user.id,
                                          requested_by=user.username, reason=body.reason)
    except DecisionError as exc:  # nothing was written: decisions validate first
        raise HTTPException(exc.status, str(exc)) from exc
    audit.record(session, user=user, action="network.decision_revoke", object_type="cluster_decision",
                 object_id=d.id, detail={"action": d.action, "cluster_id": d.cluster_id,
                                         "reason": d.revoke_reason, "api": True}, request=request)
    session.commit()
    return _view(session, d.id)
