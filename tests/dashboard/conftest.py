"""Dashboard fixtures: an app on the per-test database (SQLite and PostgreSQL), seeded data, and logged-in
TestClients. Cookies are Secure outside dev, so clients talk to https://testserver."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from config.settings import AppSettings
from dashboard.app import create_app
from tests.dashboard.seed import PASSWORD, Seeded, seed

with warnings.catch_warnings():
    # Starlette 1.x warns that its TestClient will move to httpx2; the client itself works unchanged.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(settings: AppSettings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def seeded(session: Session, settings: AppSettings) -> Seeded:
    return seed(session, settings.blobs_dir)


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


class Client(TestClient):
    """Client: a TestClient that remembers the page's CSRF token and sends it with form posts."""

    csrf: str = ""

    def refresh_csrf(self, path: str = "/login") -> str:
        self.csrf = csrf_of(self.get(path).text)
        return self.csrf

    def post_form(self, url: str, data: dict[str, str] | None = None, **kwargs: object):
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kwargs)


@pytest.fixture
def client_for(app: FastAPI) -> Iterator[Callable[[str | None], Client]]:
    clients: list[Client] = []

    def make(username: str | None) -> Client:
        client = Client(app, base_url="https://testserver")
        clients.append(client)
        client.refresh_csrf("/login")
        if username:
            resp = client.post_form("/login", {"username": username, "password": PASSWORD})
            assert resp.status_code == 303, resp.text[:500]
            client.refresh_csrf("/partners")
        return client

    yield make
    for c in clients:
        c.close()
