"""The lead queue: promotion from an ad, assignment, status, notes, referrals and the outreach CSV.

Analysts see every lead; an outreach worker sees only the leads assigned to them (anything else is a 404,
so ids cannot be probed). Every lead view (it shows contact details), every change and every export is
audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit, exports
from dashboard.deps import MAX_DB_ID, AnalystUser, DbId, LeadUser, SessionDep, parse_id
from dashboard.templating import render
from storage import people_repo
from storage.models.people import User

router = APIRouter(include_in_schema=False)


def visible_lead(session: SessionDep, user: User, lead_id: int) -> people_repo.LeadView:
    """visible_lead (LeadView): the lead when this user may see it; 404 otherwise (no probing of ids)."""
    if not people_repo.leads_enabled():
        raise HTTPException(404)
    lead = people_repo.lead_view(session=session, lead_id=lead_id)
    if lead is None or (user.role == "outreach" and lead.assignee_id != user.id):
        raise HTTPException(404)
    return lead


def _scope(user: User) -> int | None:
    return user.id if user.role == "outreach" else None


@router.get("/leads")
def leads_page(request: Request, session: SessionDep, user: LeadUser, status: str = "") -> Response:
    leads = people_repo.list_leads(session=session, assignee_id=_scope(user), status=status or None) \
        if people_repo.leads_enabled() else []
    return render(request, "leads.html", {"leads": leads, "status": status,
                                          "statuses": people_repo.LEAD_STATUSES,
                                          "enabled": people_repo.leads_enabled()})


@router.get("/leads/export.csv")
def export_leads(request: Request, session: SessionDep, user: LeadUser, status: str = "") -> Response:
    if not people_repo.leads_enabled():
        raise HTTPException(404)
    leads = people_repo.list_leads(session=session, assignee_id=_scope(user), status=status or None,
                                   with_contacts=True)
    audit.record(session, user=user, action="export.outreach_csv", object_type="lead",
                 detail={"rows": len(leads), "lead_ids": [lead.id for lead in leads][:500],
                         "status": status or None}, request=request)
    session.commit()
    return exports.csv_response(exports.outreach_rows(leads), filename="adwatch-outreach.csv")


@router.get("/leads/{lead_id}")
def lead_page(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId) -> Response:
    lead = visible_lead(session, user, lead_id)
    audit.record_view(session, user=user, action="lead.view", object_type="lead", object_id=lead_id,
                      detail={"contacts": len(lead.contacts)}, request=request)
    partners = people_repo.list_partners(session=session)
    suggested = people_repo.suggest_partners(partners, lead.languages)
    chosen = {p.id for p in suggested}
    return render(request, "lead.html", {
        "lead": lead, "statuses": people_repo.LEAD_STATUSES,
        "outreach_users": people_repo.list_users(session=session, role="outreach", active_only=True),
        "partners": suggested + [p for p in partners if p.id not in chosen], "suggested": suggested,
        "referrals": people_repo.referrals_for(session=session, lead_id=lead_id)})


@router.post("/ads/{ad_id}/promote")
def promote(request: Request, session: SessionDep, user: AnalystUser, ad_id: DbId,
            assignee_id: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=4000)] = "") -> Response:
    if not people_repo.leads_enabled() or people_repo.ad_detail(session=session, ad_id=ad_id) is None:
        raise HTTPException(404)
    assignee = _assignee(session, assignee_id)
    lead_id = people_repo.promote_ad(session=session, ad_id=ad_id, user=user, note=note,
                                     assignee_id=assignee.id if assignee else None)
    audit.record(session, user=user, action="lead.promote", object_type="lead", object_id=lead_id,
                 detail={"ad_id": ad_id}, request=request)
    if assignee is not None:
        audit.record(session, user=user, action="lead.assign", object_type="lead", object_id=lead_id,
                     detail={"from": None, "to": assignee.username}, request=request)
    session.commit()
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


def _assignee(session: SessionDep, assignee_id: str) -> User | None:
    if not assignee_id:
        return None
    number = parse_id(assignee_id)
    target = session.get(User, number) if number is not None else None
    if target is None or target.role != "outreach" or not target.active:
        raise HTTPException(422, "assignee must be an active outreach worker")
    return target


@router.post("/leads/{lead_id}/assign")
def assign(request: Request, session: SessionDep, user: AnalystUser, lead_id: DbId,
           assignee_id: Annotated[str, Form()] = "") -> Response:
    lead = visible_lead(session, user, lead_id)
    assignee = _assignee(session, assignee_id)
    people_repo.assign_lead(session=session, lead_id=lead_id, user=user,
                            assignee_id=assignee.id if assignee else None)
    audit.record(session, user=user, action="lead.assign", object_type="lead", object_id=lead_id,
                 detail={"from": lead.assignee, "to": assignee.username if assignee else None}, request=request)
    session.commit()
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/status")
def set_status(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId,
               status: Annotated[str, Form()], note: Annotated[str, Form(max_length=4000)] = "") -> Response:
    lead = visible_lead(session, user, lead_id)
    if status not in people_repo.LEAD_STATUSES:
        raise HTTPException(422, "unknown status")
    people_repo.set_lead_status(session=session, lead_id=lead_id, user=user, status=status, note=note)
    audit.record(session, user=user, action="lead.status", object_type="lead", object_id=lead_id,
                 detail={"from": lead.status, "to": status}, request=request)
    session.commit()
    if request.headers.get("hx-request") == "true":
        return render(request, "_lead_status.html", {"status": status})
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/note")
def add_note(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId,
             note: Annotated[str, Form(min_length=1, max_length=4000)]) -> Response:
    visible_lead(session, user, lead_id)
    people_repo.add_lead_note(session=session, lead_id=lead_id, user=user, note=note)
    audit.record(session, user=user, action="lead.note", object_type="lead", object_id=lead_id, request=request)
    session.commit()
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/referral")
def refer(request: Request, session: SessionDep, user: LeadUser, lead_id: DbId,
          partner_id: Annotated[int, Form(ge=1, le=MAX_DB_ID)],
          note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    visible_lead(session, user, lead_id)
    if not any(p.id == partner_id for p in people_repo.list_partners(session=session)):
        raise HTTPException(422, "unknown partner")
    referral = people_repo.add_referral(session=session, lead_id=lead_id, partner_id=partner_id, user=user,
                                        note=note)
    audit.record(session, user=user, action="lead.referral", object_type="lead", object_id=lead_id,
                 detail={"partner_id": partner_id, "referral_id": referral.id}, request=request)
    session.commit()
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)
