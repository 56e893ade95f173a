"""Alembic migrations. Shared autogenerate filter for env.py and the models/migrations equality test."""

from __future__ import annotations

IGNORED_TABLES = {"apscheduler_job"}  # the scheduler's job store manages its own table

# PostgreSQL-only indexes created by hand in a revision (pg_trgm GIN indexes for the dashboard's text search,
# revision 0002). They cannot be expressed portably in the models, so autogenerate must not compare them.
PG_ONLY_INDEXES = {"ix_ad_version_text_trgm", "ix_ad_version_title_trgm"}


def include_name(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
    """include_name (bool): False for objects the models do not describe (see IGNORED_TABLES, PG_ONLY_INDEXES)."""
    if type_ == "table":
        return name not in IGNORED_TABLES
    if type_ == "index":
        return name not in PG_ONLY_INDEXES
    return True
