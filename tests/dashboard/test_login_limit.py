"""The login rate limit holds across dashboard worker processes: two apps on one database (as
``adwatch serve --workers 2`` runs them) share one count, and a successful login starts it afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from config.settings import AppSettings
from dashboard.app import create_app
from tests.dashboard.conftest import Client
from tests.dashboard.seed import PASSWORD, Seeded


@pytest.fixture
def second_app(settings: AppSettings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def _client(app: FastAPI) -> Client:
    client = Client(app, base_url="https://testserver")
    client.refresh_csrf("/login")
    return client


def test_failures_in_two_workers_add_up(app: FastAPI, second_app: FastAPI, seeded: Seeded) -> None:
    one, two = _client(app), _client(second_app)
    for client in (one, two, one, two, one):
        assert client.post_form("/login", {"username": "anna", "password": "wrong"}).status_code == 401
    assert two.post_form("/login", {"username": "anna", "password": PASSWORD}).status_code == 429
    # Another user from the same client address is blocked too (per-IP limit), one that did not fail is not
    # blocked by name alone: the name count is per username.
    assert one.post_form("/login", {"username": "otto", "password": PASSWORD}).status_code == 429


def test_success_starts_the_count_afresh(app: FastAPI, second_app: FastAPI, seeded: Seeded) -> None:
    one, two = _client(app), _client(second_app)
    for _ in range(4):
        assert one.post_form("/login", {"username": "anna", "password": "wrong"}).status_code == 401
    assert two.post_form("/login", {"username": "anna", "password": PASSWORD}).status_code == 303
    for _ in range(4):  # four more failures after the success: still under the limit of five
        assert one.post_form("/login", {"username": "Anna", "password": "wrong"}).status_code == 401
    assert _client(second_app).post_form("/login", {"username": "anna", "password": PASSWORD}).status_code == 303
