"""Jinja2 rendering with autoescape always on, plus the context every page needs (user, CSRF, language).

Ad text is hostile input: templates never use ``|safe`` on it. The only Markup built in Python is
``highlight()`` in ``dashboard.text``, which escapes every segment itself.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dashboard.auth import CSRF_FIELD
from dashboard.i18n import LANGUAGES, pick_language, translator

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _fmt_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value else "–"


def safe_url(value: str | None) -> str | None:
    """safe_url (str | None): the URL when it is plain http(s), else None (no javascript:, data:, …)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value.strip()
    return None


def build_environment() -> Environment:
    """build_environment (Environment): the Jinja2 environment (autoescape on for every template)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # all templates, whatever their extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _fmt_dt
    env.filters["safe_url"] = safe_url
    env.globals["LANGUAGES"] = LANGUAGES
    return env


def request_language(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return pick_language(
        session_lang=request.state.web_session.lang,
        user_lang=user.language if user else None,
        accept_language=request.headers.get("accept-language"),
    )


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """render (HTMLResponse): template ``name`` with the page context (user, csrf, _, lang, path)."""
    env: Environment = request.app.state.jinja
    lang = request_language(request)
    ctx: dict[str, Any] = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": request.state.web_session.csrf,
        "csrf_field": CSRF_FIELD,
        "lang": lang,
        "_": translator(lang),
        "path": request.url.path,
        "is_htmx": request.headers.get("hx-request") == "true",
    }
    ctx.update(context or {})
    html = env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=headers)
