"""Search (phone in any format, e-mail, handle, free text) and saved searches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit
from dashboard.deps import MAX_DB_ID, AnalystUser, DbId, SessionDep, SettingsDep
from dashboard.templating import render
from storage import people_repo
from storage.models.base import utcnow
from storage.models.people import SavedSearch

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search_page(request: Request, session: SessionDep, settings: SettingsDep, user: AnalystUser, q: str = "",
                saved: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None) -> Response:
    q = q.strip()[:200]
    own = session.get(SavedSearch, saved) if saved is not None else None
    if own is not None and own.user_id == user.id:
        own.last_checked_at = utcnow()
        q = q or own.query  # alert e-mails link with the search id only, never the query (it may be a phone)
    rows = people_repo.search_ads(session=session, query=q) if q else []
    if q:
        audit.record(session, user=user, action="search", detail={"query": q, "results": len(rows)},
                     request=request)
    session.commit()
    return render(request, "search.html", {
        "q": q, "rows": rows, "saved": people_repo.list_saved_searches(session=session, user=user),
        "is_phone": bool(q and people_repo.digits_of(q)),
        "can_email": bool(settings.smtp_host and user.email)})


@router.post("/search/saved")
def save_search(session: SessionDep, user: AnalystUser, name: Annotated[str, Form(max_length=200)],
                q: Annotated[str, Form(max_length=200)], request: Request,
                email: Annotated[bool, Form()] = False) -> Response:
    if not q.strip():
        raise HTTPException(422, "empty query")
    saved = people_repo.create_saved_search(session=session, user=user, name=name or q, query=q)
    people_repo.set_saved_search_email(session=session, saved=saved, on=email)
    audit.record(session, user=user, action="saved_search.create", object_type="saved_search",
                 object_id=saved.id, detail={"query": q, "email": email}, request=request)
    session.commit()
    return RedirectResponse(f"/search?q={q}", status_code=303)


@router.post("/search/saved/{saved_id}/email")
def saved_email(session: SessionDep, user: AnalystUser, saved_id: DbId, request: Request,
                on: Annotated[bool, Form()]) -> Response:
    """Switch the e-mail alert of one's own saved search (counted from now when switched on)."""
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise HTTPException(404)
    people_repo.set_saved_search_email(session=session, saved=saved, on=on)
    audit.record(session, user=user, action="saved_search.email", object_type="saved_search",
                 object_id=saved_id, detail={"on": on}, request=request)
    session.commit()
    return RedirectResponse("/search", status_code=303)


@router.post("/search/saved/{saved_id}/delete")
def delete_saved(session: SessionDep, user: AnalystUser, saved_id: DbId, request: Request) -> Response:
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise HTTPException(404)
    session.delete(saved)
    audit.record(session, user=user, action="saved_search.delete", object_type="saved_search",
                 object_id=saved_id, request=request)
    session.commit()
    return RedirectResponse("/search", status_code=303)
