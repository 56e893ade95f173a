"""FastAPI dependencies: DB session, settings, the current user, role checks and CSRF protection.

Use the ``Annotated`` aliases in routes: ``session: SessionDep``, ``user: CurrentUser``,
``user: Annotated[User, Depends(require_role("analyst"))]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from config.settings import AppSettings
from dashboard.auth import CSRF_FIELD, CSRF_HEADER, SessionData, csrf_matches
from storage.models.people import User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Row ids are 64-bit (PostgreSQL BIGINT, SQLite INTEGER): a larger number cannot name a row, and passing it to
# the driver raises (OverflowError, NumericValueOutOfRange) instead of a clean "not found".
MAX_DB_ID = 2**63 - 1
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


def parse_id(value: str) -> int | None:
    """parse_id (int | None): a row id from a form field, or None when it is not one (empty, not ASCII
    digits, out of range)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_DB_ID else None


class LoginRequired(Exception):
    """LoginRequired: no valid session; HTML routes redirect to the login page, the API answers 401."""


class Forbidden(Exception):
    """Forbidden: logged in, but the role (or assignment) does not allow this."""


class CsrfFailed(Exception):
    """CsrfFailed: an unsafe request without the session's CSRF token."""


def get_settings(request: Request) -> AppSettings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


SettingsDep = Annotated[AppSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def web_session(request: Request) -> SessionData:
    """web_session (SessionData): the visitor's (possibly anonymous) session, set by the middleware."""
    return request.state.web_session


def optional_user(request: Request, session: SessionDep) -> User | None:
    """optional_user (User | None): the logged-in, active user whose session epoch is current."""
    data: SessionData = request.state.web_session
    if data.user_id is None:
        return None
    user = session.get(User, data.user_id)
    if user is None or not user.active or user.session_epoch != data.epoch:
        return None
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """require_role (dependency): the current user, when their role is one of ``roles``; else 403."""
    allowed = frozenset(roles)

    def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden()
        return user

    dependency.__name__ = f"require_{'_or_'.join(sorted(allowed))}"
    return dependency


AdminUser = Annotated[User, Depends(require_role("admin"))]
AnalystUser = Annotated[User, Depends(require_role("analyst"))]
StaffUser = Annotated[User, Depends(require_role("admin", "analyst"))]
LeadUser = Annotated[User, Depends(require_role("analyst", "outreach"))]
AnyUser = Annotated[User, Depends(require_role("admin", "analyst", "outreach"))]


async def csrf_protect(request: Request) -> None:
    """csrf_protect: app-wide dependency; every unsafe request carries the token (header or form field)."""
    if request.method not in UNSAFE_METHODS:
        return
    token = request.headers.get(CSRF_HEADER)
    if not token:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # Starlette caches it, so the route's Form() params still work
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not csrf_matches(request.state.web_session, token):
        raise CsrfFailed()
