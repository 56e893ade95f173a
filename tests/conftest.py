"""Shared fixtures: real SQLite and PostgreSQL databases built by Alembic, and settings pointing at them.

PostgreSQL tests need a server (default 127.0.0.1:5432, trust auth; override with ADWATCH_TEST_PG_URL).
Without one they skip locally, but fail under CI=true or ADWATCH_REQUIRE_ALL=1.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config.settings import AppSettings
from storage.db import make_engine, make_session_factory, upgrade

PG_ADMIN_URL = os.environ.get("ADWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def require_all() -> bool:
    """True where a missing service or binary must fail the run instead of skipping."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("ADWATCH_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    if require_all():
        pytest.fail(f"{reason} (required under CI / ADWATCH_REQUIRE_ALL)")
    pytest.skip(reason)


def _pg_admin_engine() -> Engine | None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:
        engine.dispose()
        return None
    return engine


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """Name of a migrated template database on the PostgreSQL server, or None when there is none."""
    admin = _pg_admin_engine()
    if admin is None:
        yield None
        return
    name = f"adwatch_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite_tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _fresh_pg(template: str) -> tuple[str, str]:
    name = f"adwatch_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """db_url (str): a fresh, migrated database for this test, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "adwatch.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        skip_or_fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    name, url = _fresh_pg(template)
    yield url
    _drop_pg(name)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """sqlite_url (str): a fresh migrated SQLite database, for tests that need only one backend."""
    path = tmp_path / "adwatch.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as sess:
        yield sess


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> AppSettings:
    """settings (AppSettings): test settings on this test's database and a temporary data dir."""
    return AppSettings(env="test", data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture(autouse=True)
def _browser_available(request: pytest.FixtureRequest) -> None:
    """Tests marked ``browser`` need Chromium: skip locally without one, fail under CI."""
    if request.node.get_closest_marker("browser") is not None and AppSettings().chromium_path is None:
        from crawler.settings import bundled_chromium

        if bundled_chromium() is None:
            skip_or_fail("no Chromium: install Debian's 'chromium' (bash bootstrap.sh does)")
