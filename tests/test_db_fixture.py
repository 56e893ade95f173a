from sqlalchemy import inspect

from storage.db import current_revision, head_revision


def test_fresh_database_is_migrated_to_head(engine):
    assert current_revision(engine) == head_revision()
    assert {"ad", "ad_version", "photo", "crawl_run", "site"} <= set(inspect(engine).get_table_names())
