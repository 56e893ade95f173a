"""The schema is built only by Alembic: models and migrations must agree on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import current_revision, head_revision, upgrade
from storage.models import Base


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, Base.metadata)]


def test_autogenerate_finds_no_difference(engine):
    assert _diff(engine) == []


def test_downgrade_and_upgrade_newest_revision(engine, db_url):
    upgrade(db_url, "head")
    from alembic import command

    from storage.db import alembic_config

    command.downgrade(alembic_config(db_url), "-1")
    assert current_revision(engine) != head_revision()
    assert "ad" not in inspect(engine).get_table_names()
    upgrade(db_url, "head")
    assert current_revision(engine) == head_revision()
    assert "ad" in inspect(engine).get_table_names()
