"""The audit-log writer: every view of contact details, every export and every state change goes here.

Entries are added to the caller's session, so that an action and its audit entry commit together (or not
at all). Read-only views commit the entry themselves through ``record_view``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from storage.models.people import AuditLog, User


def client_ip(request: Request | None) -> str | None:
    """client_ip (str | None): the peer address as seen by the server (no trusting of X-Forwarded-For)."""
    if request is None or request.client is None:
        return None
    return request.client.host


def record(
    session: Session,
    *,
    user: User | None,
    action: str,
    object_type: str | None = None,
    object_id: Any = None,
    detail: dict[str, Any] | None = None,
    request: Request | None = None,
) -> AuditLog:
    """record (AuditLog): add one audit entry to ``session`` (committed with the caller's transaction)."""
    entry = AuditLog(
        user_id=user.id if user else None,
        username=user.username if user else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail or {},
        ip=client_ip(request),
    )
    session.add(entry)
    return entry


def record_view(session: Session, **kwargs: Any) -> AuditLog:
    """record_view (AuditLog): record and commit at once; for GET pages that show contact details."""
    entry = record(session, **kwargs)
    session.commit()
    return entry
