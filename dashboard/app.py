"""The dashboard application factory and the function that serves it.

``create_app(settings)`` builds a FastAPI app with its own engine; nothing is read from globals.
``serve_dashboard(settings, host, port)`` runs it under uvicorn (called by ``adwatch serve`` / ``demo``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.settings import AppSettings
from dashboard.auth import SESSION_COOKIE, LoginRateLimiter, SessionCodec, SessionData
from dashboard.deps import CsrfFailed, Forbidden, LoginRequired, csrf_protect
from dashboard.routes import ROUTERS
from dashboard.templating import build_environment, render
from storage.db import make_engine, make_session_factory

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"

# No inline scripts or styles anywhere: ad text cannot smuggle in code even if escaping failed once.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(settings: AppSettings) -> FastAPI:
    """create_app (FastAPI): the dashboard for ``settings`` (its DB, secret key, blob store)."""
    engine = make_engine(settings.db_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("dashboard on %s (env=%s)", engine.url.render_as_string(hide_password=True), settings.env)
        yield
        engine.dispose()

    app = FastAPI(
        title="adwatch dashboard API",
        version="1",
        description="JSON API for integrations. Same login and roles as the dashboard; unsafe methods need "
                    "the X-CSRF-Token header.",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN: not allowed here
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.codec = SessionCodec(settings.secret_key)
    app.state.login_limiter = LoginRateLimiter()
    app.state.jinja = build_environment()
    app.state.secure_cookies = settings.env != "dev"

    @app.middleware("http")
    async def session_and_headers(request: Request,
                                  call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        codec: SessionCodec = app.state.codec
        loaded = codec.loads(request.cookies.get(SESSION_COOKIE))
        request.state.web_session = loaded or SessionData.anonymous()
        request.state.new_session = None  # a route sets this to replace the session (login, logout)
        response = await call_next(request)
        new = request.state.new_session
        if new is not None or loaded is None:
            set_session_cookie(app, response, new or request.state.web_session)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        return render(request, "error.html", {"code": 403, "message": "You do not have access to this page."},
                      status_code=403)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        return render(request, "error.html", {"code": 403, "message": "The form expired. Reload the page "
                                                                      "and try again."}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        message = {404: "Not found.", 405: "Method not allowed."}.get(exc.status_code, str(exc.detail))
        return render(request, "error.html", {"code": exc.status_code, "message": message},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "invalid request", "errors": [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]},
                status_code=422)
        return render(request, "error.html", {"code": 422, "message": "Some fields are missing or invalid."},
                      status_code=422)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


def set_session_cookie(app: FastAPI, response: Response, data: SessionData) -> None:
    """set_session_cookie: the signed session cookie (HttpOnly, SameSite=Lax, Secure outside dev)."""
    codec: SessionCodec = app.state.codec
    response.set_cookie(SESSION_COOKIE, codec.dumps(data), max_age=codec.max_age, httponly=True,
                        samesite="lax", secure=app.state.secure_cookies, path="/")


def app_from_env() -> FastAPI:
    """app_from_env (FastAPI): the app on settings read from the environment, for uvicorn's worker processes."""
    return create_app(AppSettings())


def serve_dashboard(settings: AppSettings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """serve_dashboard: run the dashboard under uvicorn until interrupted (no reload).

    workers > 1 starts that many worker processes, each building the app from the environment (the same
    ``ADWATCH_*`` variables ``settings`` came from). Nothing a request needs lives only in one process: sessions
    are signed cookies, the login rate limit counts audit-log entries, caches only hold nightly aggregates.
    """
    import uvicorn

    if settings.env != "dev" and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("dashboard listening on %s: put it behind TLS (cookies are Secure)", host)
    common: dict[str, Any] = {"host": host, "port": port, "log_level": settings.log_level.lower(),
                              "proxy_headers": False, "server_header": False}
    if workers > 1:
        if settings.model_dump() != AppSettings().model_dump():
            raise ValueError("[C002] --workers needs settings from the environment only (ADWATCH_* variables)")
        uvicorn.run("dashboard.app:app_from_env", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)
