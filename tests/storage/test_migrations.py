"""The schema is built only by Alembic: models and migrations must agree on both databases."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import alembic_config, current_revision, head_revision, upgrade
from storage.migrations import PG_ONLY_INDEXES, include_name
from storage.models import Base


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return [d for d in compare_metadata(ctx, Base.metadata)]


def _trgm_indexes(engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("ad_version")} & PG_ONLY_INDEXES


def test_autogenerate_finds_no_difference(engine):
    assert _diff(engine) == []


def test_pg_only_indexes_exist_only_on_postgresql(engine):
    expected = PG_ONLY_INDEXES if engine.dialect.name == "postgresql" else set()
    assert _trgm_indexes(engine) == expected


def test_downgrade_and_upgrade_newest_revision(engine, db_url):
    upgrade(db_url, "head")
    command.downgrade(alembic_config(db_url), "-1")
    assert current_revision(engine) != head_revision()
    assert "ad" in inspect(engine).get_table_names()
    assert _trgm_indexes(engine) == set()
    upgrade(db_url, "head")
    assert current_revision(engine) == head_revision()
    assert _trgm_indexes(engine) == (PG_ONLY_INDEXES if engine.dialect.name == "postgresql" else set())


def test_downgrade_to_base_and_upgrade(engine, db_url):
    command.downgrade(alembic_config(db_url), "base")
    assert current_revision(engine) is None
    assert "ad" not in inspect(engine).get_table_names()
    upgrade(db_url, "head")
    assert current_revision(engine) == head_revision()
    assert "ad" in inspect(engine).get_table_names()
