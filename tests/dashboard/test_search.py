"""Free-text search: ILIKE served by the pg_trgm indexes on PostgreSQL, windowed LIKE on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from storage import people_repo
from tests.dashboard.seed import Seeded


def _ids(session: Session, query: str) -> list[int]:
    return [r.id for r in people_repo.search_ads(session=session, query=query)]


def test_text_search_is_case_insensitive_and_escapes_wildcards(session: Session, seeded: Seeded) -> None:
    massage = _ids(session, "MASSAGE")
    assert len(massage) >= 4
    assert massage == sorted(massage, reverse=True)  # newest first
    assert _ids(session, "massage") == massage
    assert _ids(session, "Sofie%town") == []  # LIKE wildcards are literals ("Sofie 20 — new in town" exists)
    assert _ids(session, "ma_sage") == []


def test_text_search_window_only_without_trigram_index(session: Session, seeded: Seeded,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(people_repo, "TEXT_SEARCH_WINDOW", 0)  # the window excludes every ad
    postgres = session.get_bind().dialect.name == "postgresql"
    assert bool(_ids(session, "massage")) is postgres  # PostgreSQL searches every ad through pg_trgm
    assert _ids(session, "ma") == []  # shorter than a trigram: windowed on both databases


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_postgres_text_search_uses_trigram_indexes(session: Session, seeded: Seeded) -> None:
    """pg_trgm exists only on PostgreSQL, so this test runs there only (never skipped)."""
    stmt = people_repo.search_ads_stmt("massage", "postgresql")
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    assert "ILIKE" in sql
    # The seed is tiny, so a scan is cheapest: rule scans out to show that the trigram indexes serve the query.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_indexscan = off"))
    plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {sql}").scalars())
    assert "ix_ad_version_text_trgm" in plan and "ix_ad_version_title_trgm" in plan, plan
