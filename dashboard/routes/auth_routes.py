"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit
from dashboard.auth import SessionData, needs_rehash, rehash_password, verify_password
from dashboard.deps import OptionalUser, SessionDep
from dashboard.i18n import LANGUAGES
from dashboard.templating import render
from storage import people_repo
from storage.models.base import utcnow

router = APIRouter(include_in_schema=False)


def home_for(role: str) -> str:
    """home_for (str): the landing page of a role."""
    return {"admin": "/overview", "analyst": "/overview", "outreach": "/leads"}.get(role, "/login")


def _safe_next(target: str | None) -> str | None:
    # Only local paths: "//evil.example" or "https://..." would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def root(user: OptionalUser) -> Response:
    return RedirectResponse(home_for(user.role) if user else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(home_for(user.role), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next) or "", "error": None})


@router.post("/login")
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "") -> Response:
    limiter = request.app.state.login_limiter
    ip = audit.client_ip(request) or "?"
    attempted = username.lower()[:64]
    if limiter.blocked(session, ip=ip, username=attempted):
        audit.record_view(session, user=None, action="login.blocked", object_type="login", object_id=attempted,
                          detail={"username": username[:64]}, request=request)
        return render(request, "login.html", {"next": next, "error": "Too many failed attempts. Wait a few "
                                              "minutes and try again."}, status_code=429)
    user = people_repo.get_user_by_name(session=session, username=username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        # This entry is also the rate limiter's counter (object_id = the attempted name, ip = the client).
        audit.record_view(session, user=None, action="login.failed", object_type="login", object_id=attempted,
                          detail={"username": username[:64]}, request=request)
        return render(request, "login.html", {"next": next, "error": "Wrong username or password."},
                      status_code=401)
    if needs_rehash(user.password_hash):
        user.password_hash = rehash_password(password)
    user.last_login_at = utcnow()
    audit.record(session, user=user, action="login", object_type="user", object_id=user.id, request=request)
    session.commit()
    # A fresh session (new CSRF secret) on login: no fixation of a pre-login session.
    request.state.new_session = SessionData(csrf=SessionData.anonymous().csrf, user_id=user.id,
                                            epoch=user.session_epoch, lang=request.state.web_session.lang)
    return RedirectResponse(_safe_next(next) or home_for(user.role), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is not None:
        audit.record(session, user=user, action="logout", object_type="user", object_id=user.id,
                     request=request)
        session.commit()
    request.state.new_session = SessionData.anonymous(lang=request.state.web_session.lang)
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
def switch_language(request: Request, session: SessionDep, user: OptionalUser,
                    lang: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    if lang in LANGUAGES:
        current = request.state.web_session
        request.state.new_session = SessionData(csrf=current.csrf, user_id=current.user_id,
                                                epoch=current.epoch, lang=lang, issued_at=current.issued_at)
        if user is not None:
            user.language = lang
            session.commit()
    return RedirectResponse(_safe_next(next) or "/", status_code=303)
