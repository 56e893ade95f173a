"""Passwords (argon2), signed session cookies, CSRF tokens and login rate limiting.

A session is a signed, timestamped cookie holding the user id, the user's ``session_epoch`` (bumped on
password change or disable, which revokes every older session) and a random CSRF secret. Anonymous
visitors get a session too, carrying only the CSRF secret, so the login form is protected as well.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from storage import people_repo
from storage.models.base import utcnow

SESSION_COOKIE = "adwatch_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 8 * 3600  # seconds: a working day; then log in again
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# A fixed hash verified against when the username is unknown, so timing does not reveal which users exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def hash_password(password: str) -> str:
    """hash_password (str): the argon2id hash of ``password``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """verify_password (bool): True when ``password`` matches; runs in constant-ish time for unknown users."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def rehash_password(password: str) -> str:
    """rehash_password (str): a fresh hash of an already accepted password (no length rule re-applied)."""
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """needs_rehash (bool): True when the hash uses outdated argon2 parameters."""
    return _hasher.check_needs_rehash(password_hash)


@dataclass
class SessionData:
    """SessionData: the decoded session cookie; ``user_id`` is None for anonymous visitors."""

    csrf: str
    user_id: int | None = None
    epoch: int = 0
    lang: str | None = None
    issued_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.user_id, "e": self.epoch, "l": self.lang, "t": self.issued_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionData:
        return cls(csrf=str(data["c"]), user_id=data.get("u"), epoch=int(data.get("e", 0)),
                   lang=data.get("l"), issued_at=float(data.get("t", 0)))

    @classmethod
    def anonymous(cls, lang: str | None = None) -> SessionData:
        return cls(csrf=secrets.token_urlsafe(32), lang=lang)


class SessionCodec:
    """SessionCodec: signs and verifies session cookies with the app's secret key."""

    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="adwatch.session.v1")
        self.max_age = max_age

    def dumps(self, data: SessionData) -> str:
        return self._serializer.dumps(data.to_dict())

    def loads(self, cookie: str | None) -> SessionData | None:
        """loads (SessionData | None): the session, or None when missing, forged, malformed or expired."""
        if not cookie:
            return None
        try:
            raw = self._serializer.loads(cookie, max_age=self.max_age)
            data = SessionData.from_dict(raw)
        except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
            return None
        # An absolute limit on logged-in sessions, independent of re-signing.
        if data.user_id is not None and time.time() - data.issued_at > self.max_age:
            return None
        return data


def csrf_matches(session: SessionData | None, token: str | None) -> bool:
    """csrf_matches (bool): True when ``token`` equals the session's CSRF secret (constant time)."""
    if session is None or not token:
        return False
    return hmac.compare_digest(session.csrf.encode(), token.encode())


class LoginRateLimiter:
    """LoginRateLimiter: at most ``limit`` failed logins per IP and per username in ``window`` seconds.

    Counted from the audit log's ``login.failed`` entries (the route writes one per failure), not in
    memory: every dashboard worker process, and a restarted one, sees the same failures, so running
    ``adwatch serve --workers N`` does not multiply an attacker's attempts. A successful login of the same
    username (or from the same IP) starts its count afresh.
    """

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window

    def blocked(self, session: Session, *, ip: str, username: str) -> bool:
        """blocked (bool): True when the IP or the username has reached the limit within the window."""
        since = utcnow() - timedelta(seconds=self.window)
        by_ip, by_name = people_repo.login_failures(session=session, ip=ip, name=username.lower()[:64],
                                                    since=since)
        return max(by_ip, by_name) >= self.limit
