"""schemathesis against the JSON API's own OpenAPI schema (``/api/openapi.json``): generated requests from a
logged-in analyst, admin and outreach worker, on a seeded SQLite database, must never get a server error.

Every operation is exercised in-process over ASGI with a bounded number of examples, so the whole module
runs in well under a minute. Unsafe methods carry the session's CSRF token, so generated bodies reach the
handlers instead of stopping at the CSRF check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.settings import AppSettings
from dashboard.app import create_app
from dashboard.auth import CSRF_HEADER, SESSION_COOKIE
from storage.db import make_engine, make_session_factory
from tests.dashboard.conftest import Client
from tests.dashboard.seed import PASSWORD, seed

MAX_EXAMPLES = 15


@pytest.fixture
def fuzz_app(tmp_path: Path, sqlite_url: str) -> Iterator[FastAPI]:
    """fuzz_app (FastAPI): the dashboard on a fresh, seeded SQLite database (one backend is enough here)."""
    app_settings = AppSettings(env="test", data_dir=tmp_path / "data", database_url=sqlite_url)
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        seed(session, app_settings.blobs_dir)
    engine.dispose()
    application = create_app(app_settings)
    yield application
    application.state.engine.dispose()


def _login(app: FastAPI, username: str) -> Iterator[dict[str, str]]:
    """The session cookie and CSRF header of a logged-in user. Cookies are Secure outside dev, so the login
    goes through the https TestClient and the cookie is handed to schemathesis explicitly."""
    client = Client(app, base_url="https://testserver")
    client.refresh_csrf("/login")
    resp = client.post_form("/login", {"username": username, "password": PASSWORD})
    assert resp.status_code == 303, resp.text[:300]
    csrf = client.refresh_csrf("/partners")
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    yield {"Cookie": f"{SESSION_COOKIE}={cookie}", CSRF_HEADER: csrf}
    client.close()


@pytest.fixture
def analyst_headers(fuzz_app: FastAPI) -> Iterator[dict[str, str]]:
    yield from _login(fuzz_app, "anna")


@pytest.fixture
def admin_headers(fuzz_app: FastAPI) -> Iterator[dict[str, str]]:
    yield from _login(fuzz_app, "admin")


@pytest.fixture
def outreach_headers(fuzz_app: FastAPI) -> Iterator[dict[str, str]]:
    yield from _login(fuzz_app, "otto")


def _schema_app() -> FastAPI:
    return create_app(AppSettings(env="test", data_dir=Path("var-unused"), database_url="sqlite:///:memory:"))


# The schema does not depend on the data: it is read from an app on an unused in-memory database (no request,
# no file), and every generated request goes to the test's own seeded app (``app=``). schemathesis's
# fixture-based loader (``schemathesis.pytest.from_fixture``) does not run under pytest 9.2.
schema = schemathesis.openapi.from_dict(_schema_app().openapi())


def _call(case: schemathesis.Case, app: FastAPI, headers: dict[str, str]) -> None:
    response = case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error])
    # Each role is only fuzzed on the operations it may use, so a 401/403 means the session or CSRF header
    # did not arrive and the generated input never reached the handler.
    assert response.status_code not in (401, 403), response.text[:300]


FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.filter_too_much])


@schema.exclude(path="/api/audit").parametrize()
@FUZZ_SETTINGS
def test_api_as_analyst(case: schemathesis.Case, fuzz_app: FastAPI, analyst_headers: dict[str, str]) -> None:
    _call(case, fuzz_app, analyst_headers)


@schema.include(path_regex="^/api/(me|sites|audit|networks|decisions)").parametrize()
@FUZZ_SETTINGS
def test_api_as_admin(case: schemathesis.Case, fuzz_app: FastAPI, admin_headers: dict[str, str]) -> None:
    _call(case, fuzz_app, admin_headers)


@schema.include(path_regex="^/api/(me|leads)").parametrize()
@FUZZ_SETTINGS
def test_api_as_outreach(case: schemathesis.Case, fuzz_app: FastAPI, outreach_headers: dict[str, str]) -> None:
    _call(case, fuzz_app, outreach_headers)


def test_schema_covers_the_api(fuzz_app: FastAPI) -> None:
    """The fuzzed schema is the one the app serves at /api/openapi.json, and it lists every API route."""
    with Client(fuzz_app, base_url="https://testserver") as client:
        served = client.get("/api/openapi.json")
    assert served.status_code == 200 and served.json() == schema.raw_schema
    listed = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert {("GET", "/api/me"), ("GET", "/api/review"), ("GET", "/api/search"), ("GET", "/api/ads/{ad_id}"),
            ("POST", "/api/ads/{ad_id}/labels"), ("GET", "/api/leads"), ("GET", "/api/leads/{lead_id}"),
            ("PATCH", "/api/leads/{lead_id}"), ("GET", "/api/sites"), ("GET", "/api/audit"),
            ("POST", "/api/networks/{cluster_id}/merge"), ("POST", "/api/networks/{cluster_id}/split"),
            ("GET", "/api/networks/{cluster_id}/decisions"), ("POST", "/api/decisions/{decision_id}/revoke")} <= listed

