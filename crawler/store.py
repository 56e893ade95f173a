"""CrawlStore: the crawl process's one handle on the database (a run, known ads, batched writes)."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from sqlalchemy.orm import Session

from config.settings import AppSettings
from config.site_schema import SiteDefinition
from storage import crawl_repo
from storage.blobs import BlobStore
from storage.crawl_repo import AdRecord, SaveCounts, StoredPhoto
from storage.db import ensure_schema, make_engine, make_session_factory

log = logging.getLogger(__name__)


class CrawlStore:
    """CrawlStore: opens the DB, starts a CrawlRun and writes ads in small transactions.

    Ads are buffered and written ``batch_size`` at a time (or every ``flush_seconds``): each batch is one
    transaction, so a SIGKILL loses at most the unflushed batch and never leaves half an ad.
    """

    def __init__(self, settings: AppSettings, site: SiteDefinition, *, trigger: str = "manual",
                 batch_size: int = 200, flush_seconds: float = 5.0) -> None:
        self.settings, self.site = settings, site
        self.engine = make_engine(settings.db_url)
        ensure_schema(self.engine)
        self.session: Session = make_session_factory(self.engine)()
        self.blobs = BlobStore(settings.blobs_dir)
        config_sha = hashlib.sha256(site.model_dump_json().encode()).hexdigest()
        crawl_repo.ensure_site(session=self.session, site_id=site.id, name=site.name, config_sha256=config_sha)
        other = crawl_repo.running_run(session=self.session, site_id=site.id)
        if other is not None:
            raise RuntimeError(f"[E002] site {site.id} is already being crawled by run {other.id} (pid {other.pid})")
        self.run = crawl_repo.start_run(session=self.session, site_id=site.id, trigger=trigger)
        self.run_id = self.run.id
        self.known = crawl_repo.known_ads(session=self.session, site_id=site.id)
        # Photo URLs already stored for any ad of the site: linked to a new ad without a request.
        self.photos_by_url = crawl_repo.stored_photos_by_url(session=self.session, site_id=site.id)
        self.buffer: list[AdRecord] = []
        self.pending_removed: dict[str, None] = {}  # written with the next batch, not one UPDATE each
        self.batch_size, self.flush_seconds = batch_size, flush_seconds
        self.last_flush = time.monotonic()
        self.totals = SaveCounts()
        self.removed: set[str] = set()
        self.seen: set[str] = set()

    def known_photo_urls(self, external_id: str) -> set[str]:
        entry = self.known.get(external_id)
        return entry[2] if entry else set()

    def stored_photo(self, url: str) -> StoredPhoto | None:
        """stored_photo (StoredPhoto | None): the kept file of a URL stored earlier for any ad of the site."""
        return self.photos_by_url.get(url)

    def add(self, record: AdRecord) -> None:
        self.seen.add(record.external_id)
        # Seen again after a removal in this run: the later event wins (save_ads reactivates a removed ad).
        self.pending_removed.pop(record.external_id, None)
        self.removed.discard(record.external_id)
        self.buffer.append(record)
        for photo in record.photos:
            self.photos_by_url.setdefault(photo.url, photo)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        pending = len(self.buffer) + len(self.pending_removed)
        if pending >= self.batch_size or (pending and time.monotonic() - self.last_flush > self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the buffered ads (one transaction), then the buffered removals (one UPDATE)."""
        if self.buffer:
            counts = crawl_repo.save_ads(session=self.session, site_id=self.site.id, run_id=self.run_id,
                                         records=self.buffer)
            for name in ("new", "changed", "unchanged", "photos"):
                setattr(self.totals, name, getattr(self.totals, name) + getattr(counts, name))
            self.buffer = []
        if self.pending_removed:
            crawl_repo.mark_removed(session=self.session, site_id=self.site.id,
                                    external_ids=list(self.pending_removed), run_id=self.run_id)
            self.pending_removed = {}
        self.last_flush = time.monotonic()

    def mark_removed(self, external_id: str) -> None:
        """Record a removal (404/410 or the site's 'removed' marker); written with the next batch.

        A removal lost to a SIGKILL is harmless: the next run re-checks the ad and finds it gone again.
        """
        self.removed.add(external_id)
        self.seen.add(external_id)
        self.pending_removed[external_id] = None
        self._maybe_flush()

    def unseen_active(self) -> list[tuple[str, str]]:
        """unseen_active (list): known active ads this run has not met yet (to re-check)."""
        self.flush()
        return [(ext, url) for ext, url in crawl_repo.active_ads_not_seen(
            session=self.session, site_id=self.site.id, run_id=self.run_id) if ext not in self.seen]

    def previous_runs(self) -> list[Any]:
        return crawl_repo.previous_runs(session=self.session, site_id=self.site.id, before_id=self.run_id)

    def finish(self, **values: Any) -> None:
        self.flush()
        crawl_repo.finish_run(session=self.session, run_id=self.run_id, **values)

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()
