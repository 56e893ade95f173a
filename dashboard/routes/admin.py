"""Administration: users and roles, sites, retention, the audit log and the nationality bias report."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import audit, exports
from dashboard.auth import MIN_PASSWORD_LENGTH, hash_password
from dashboard.deps import AdminUser, DbId, SessionDep, SettingsDep
from dashboard.templating import render
from storage import crawl_repo, people_repo
from storage.models import Site
from storage.models.base import utcnow
from storage.models.people import ROLES, User

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/users")
def users_page(request: Request, session: SessionDep, user: AdminUser, error: str | None = None,
               created: str | None = None) -> Response:
    return render(request, "admin_users.html", {"users": people_repo.list_users(session=session), "roles": ROLES,
                                                "error": error, "created": created,
                                                "min_len": MIN_PASSWORD_LENGTH})


@router.post("/users")
def create_user(request: Request, session: SessionDep, user: AdminUser,
                username: Annotated[str, Form(max_length=64)], role: Annotated[str, Form()],
                password: Annotated[str, Form(max_length=1024)],
                email: Annotated[str, Form(max_length=254)] = "") -> Response:
    try:
        new = people_repo.create_user(session=session, username=username.strip(),
                                      password_hash=hash_password(password), role=role, email=email or None)
    except ValueError as exc:
        session.rollback()
        return render(request, "admin_users.html", {"users": people_repo.list_users(session=session),
                                                    "roles": ROLES, "error": str(exc), "created": None,
                                                    "min_len": MIN_PASSWORD_LENGTH}, status_code=422)
    audit.record(session, user=user, action="user.create", object_type="user", object_id=new.id,
                 detail={"username": new.username, "role": new.role}, request=request)
    session.commit()
    return RedirectResponse(f"/admin/users?created={new.username}", status_code=303)


def _target(session: SessionDep, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None:
        raise HTTPException(404)
    return target


@router.post("/users/{user_id}/active")
def set_active(request: Request, session: SessionDep, user: AdminUser, user_id: DbId,
               active: Annotated[bool, Form()]) -> Response:
    target = _target(session, user_id)
    if target.id == user.id and not active:
        raise HTTPException(422, "you cannot disable yourself")
    people_repo.set_user_active(session=session, user=target, active=active)
    audit.record(session, user=user, action="user.enable" if active else "user.disable", object_type="user",
                 object_id=target.id, detail={"username": target.username}, request=request)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/role")
def set_role(request: Request, session: SessionDep, user: AdminUser, user_id: DbId,
             role: Annotated[str, Form()]) -> Response:
    target = _target(session, user_id)
    if role not in ROLES:
        raise HTTPException(422, "unknown role")
    if target.id == user.id:
        raise HTTPException(422, "you cannot change your own role")
    old = target.role
    target.role = role
    target.session_epoch += 1  # a new role takes effect at the next login
    audit.record(session, user=user, action="user.role", object_type="user", object_id=target.id,
                 detail={"username": target.username, "from": old, "to": role}, request=request)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/email")
def set_email(request: Request, session: SessionDep, user: AdminUser, user_id: DbId,
              email: Annotated[str, Form(max_length=254)] = "") -> Response:
    """Where the user's saved-search alerts are e-mailed; the address itself is not written to the audit log."""
    target = _target(session, user_id)
    try:
        people_repo.set_user_email(session=session, user=target, email=email)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    audit.record(session, user=user, action="user.email", object_type="user", object_id=target.id,
                 detail={"username": target.username, "set": bool(target.email)}, request=request)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(request: Request, session: SessionDep, user: AdminUser, user_id: DbId,
                   password: Annotated[str, Form(max_length=1024)]) -> Response:
    target = _target(session, user_id)
    try:
        people_repo.set_user_password(session=session, user=target, password_hash=hash_password(password))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    audit.record(session, user=user, action="user.password", object_type="user", object_id=target.id,
                 detail={"username": target.username}, request=request)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/sites")
def sites_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return render(request, "admin_sites.html", {"health": people_repo.crawl_health(session=session)})


@router.post("/sites/{site_id}/run")
def site_run_now(request: Request, session: SessionDep, user: AdminUser, site_id: str) -> Response:
    """Queue a crawl of the site now; the scheduler (``adwatch serve``) starts it within a minute."""
    if session.get(Site, site_id) is None:
        raise HTTPException(404)
    crawl_repo.request_crawl(session=session, site_id=site_id, requested_by=user.username)
    audit.record(session, user=user, action="site.run_now", object_type="site", object_id=site_id, request=request)
    session.commit()
    return RedirectResponse("/admin/sites", status_code=303)


@router.post("/sites/{site_id}/enabled")
def site_enabled(request: Request, session: SessionDep, user: AdminUser, site_id: str,
                 enabled: Annotated[bool, Form()]) -> Response:
    site = people_repo.set_site_enabled(session=session, site_id=site_id, enabled=enabled)
    if site is None:
        raise HTTPException(404)
    audit.record(session, user=user, action="site.enable" if enabled else "site.disable", object_type="site",
                 object_id=site_id, request=request)
    session.commit()
    return RedirectResponse("/admin/sites", status_code=303)


@router.get("/retention")
def retention_page(request: Request, session: SessionDep, settings: SettingsDep, user: AdminUser) -> Response:
    cutoff = utcnow() - timedelta(days=settings.retention_days)
    return render(request, "admin_retention.html", {
        "days": settings.retention_days, "cutoff": cutoff,
        "stats": people_repo.retention_stats(session=session, cutoff=cutoff),
        "purge_log": people_repo.list_audit(session=session, action="retention.purge", limit=20)})


@router.get("/audit")
def audit_page(request: Request, session: SessionDep, user: AdminUser, action: str = "", username: str = "",
               object_type: str = "", object_id: str = "",
               page: Annotated[int, Query(le=100_000)] = 1) -> Response:
    page = max(1, page)
    entries = people_repo.list_audit(session=session, action=action or None, username=username or None,
                                     object_type=object_type or None, object_id=object_id or None,
                                     limit=100, offset=(page - 1) * 100)
    return render(request, "admin_audit.html", {
        "entries": entries, "actions": people_repo.audit_actions(session=session), "page": page,
        "filters": {"action": action, "username": username, "object_type": object_type,
                    "object_id": object_id}})


@router.get("/audit.csv")
def audit_csv(request: Request, session: SessionDep, user: AdminUser, action: str = "",
              username: str = "") -> Response:
    entries = people_repo.list_audit(session=session, action=action or None, username=username or None,
                                     limit=100_000)
    audit.record(session, user=user, action="export.audit_log", detail={"rows": len(entries)},
                 request=request)
    session.commit()
    return exports.csv_response(exports.audit_rows(entries), filename="adwatch-audit-log.csv")


@router.get("/bias")
def bias_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return render(request, "admin_bias.html", {"rows": people_repo.nationality_report(session=session)})
