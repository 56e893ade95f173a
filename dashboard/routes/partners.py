"""The directory of partner services (shelters, health, legal aid, NGOs) that leads can be referred to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit
from dashboard.deps import AnyUser, SessionDep, StaffUser
from dashboard.templating import render
from storage import people_repo

router = APIRouter(include_in_schema=False)


@router.get("/partners")
def partners_page(request: Request, session: SessionDep, user: AnyUser) -> Response:
    return render(request, "partners.html", {"partners": people_repo.list_partners(session=session),
                                             "can_edit": user.role in ("admin", "analyst")})


@router.post("/partners")
def add_partner(request: Request, session: SessionDep, user: StaffUser,
                name: Annotated[str, Form(min_length=2, max_length=200)],
                offers: Annotated[str, Form(max_length=2000)] = "",
                languages: Annotated[str, Form(max_length=200)] = "",
                contact: Annotated[str, Form(max_length=2000)] = "") -> Response:
    partner = people_repo.create_partner(session=session, name=name, offers=offers, languages=languages,
                                         contact=contact)
    audit.record(session, user=user, action="partner.create", object_type="partner", object_id=partner.id,
                 detail={"name": partner.name}, request=request)
    session.commit()
    return RedirectResponse("/partners", status_code=303)
