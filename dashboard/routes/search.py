"""Search (phone in any format, e-mail, handle, free text) and saved searches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit
from dashboard.deps import MAX_DB_ID, AnalystUser, DbId, SessionDep
from dashboard.templating import render
from storage import people_repo
from storage.models.base import utcnow
from storage.models.people import SavedSearch

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search_page(request: Request, session: SessionDep, user: AnalystUser, q: str = "",
                saved: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None) -> Response:
    q = q.strip()[:200]
    rows = people_repo.search_ads(session=session, query=q) if q else []
    if q:
        audit.record(session, user=user, action="search", detail={"query": q, "results": len(rows)},
                     request=request)
    if saved is not None:
        s = session.get(SavedSearch, saved)
        if s is not None and s.user_id == user.id:
            s.last_checked_at = utcnow()
    session.commit()
    return render(request, "search.html", {
        "q": q, "rows": rows, "saved": people_repo.list_saved_searches(session=session, user=user),
        "is_phone": bool(q and people_repo.digits_of(q))})


@router.post("/search/saved")
def save_search(session: SessionDep, user: AnalystUser, name: Annotated[str, Form(max_length=200)],
                q: Annotated[str, Form(max_length=200)], request: Request) -> Response:
    if not q.strip():
        raise HTTPException(422, "empty query")
    saved = people_repo.create_saved_search(session=session, user=user, name=name or q, query=q)
    audit.record(session, user=user, action="saved_search.create", object_type="saved_search",
                 object_id=saved.id, detail={"query": q}, request=request)
    session.commit()
    return RedirectResponse(f"/search?q={q}", status_code=303)


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
