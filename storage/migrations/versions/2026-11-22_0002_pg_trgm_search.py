"""pg_trgm GIN indexes on ad_version.text and ad_version.title (PostgreSQL only) for the dashboard's text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:10:00

`storage.people_repo.search_ads_stmt` matches free text with ``ILIKE '%term%'`` on PostgreSQL, which these
trigram indexes serve (a bitmap scan instead of a sequential scan of every version). SQLite has no pg_trgm:
nothing happens there and search keeps its LIKE over the newest ads. The index names are listed in
``storage.migrations.PG_ONLY_INDEXES`` so autogenerate does not compare them with the (portable) models.

The extension is left in place on downgrade: other objects may depend on it. Since PostgreSQL 13 pg_trgm is a
trusted extension, so the database owner may create it without superuser rights.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRGM_INDEXES = {"ix_ad_version_text_trgm": "text", "ix_ad_version_title_trgm": "title"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRGM_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON ad_version USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TRGM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
