"""SQL for the crawl stage: sites, runs, ads and their versions, photos. Keyword-only, session first.

Each batch of ads is written in one transaction, so a crawl killed at any moment leaves whole ads or none.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Ad, AdPhoto, AdVersion, CrawlRequest, CrawlRun, Photo, PhotoFailure, Site, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPhoto:
    """StoredPhoto: a photo already written to the blob store, ready to be linked to an ad."""

    url: str
    sha256: str
    path: str
    width: int
    height: int
    format: str
    size_bytes: int


@dataclass
class AdRecord:
    """AdRecord: one fetched ad as the crawler hands it to storage."""

    external_id: str
    url: str
    content_sha256: str
    title: str | None
    text: str
    raw_fields: dict[str, Any]
    html: bytes | None = None
    encoding: str | None = None
    html_sha256: str | None = None
    photos: list[StoredPhoto] = field(default_factory=list)
    photo_failures: list[tuple[str, str]] = field(default_factory=list)
    seen_at: datetime = field(default_factory=utcnow)


@dataclass
class SaveCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    photos: int = 0


def insert_ignore(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the unique ``keys`` (both dialects), safe under concurrency."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)
    session.execute(ins.values(**values).on_conflict_do_nothing(index_elements=keys))


def ensure_site(*, session: Session, site_id: str, name: str, config_sha256: str | None = None) -> Site:
    """ensure_site (Site): the site row, created on first use, name and config hash kept current."""
    site = session.get(Site, site_id)
    if site is None:
        site = Site(id=site_id, name=name, config_sha256=config_sha256)
        session.add(site)
    else:
        site.name, site.config_sha256 = name, config_sha256
    session.commit()
    return site


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_stale_runs(*, session: Session, site_id: str) -> list[int]:
    """close_stale_runs (list): mark runs left 'running' by a dead process as 'killed'; their ids."""
    stale = [
        run for run in session.scalars(select(CrawlRun).where(
            CrawlRun.site_id == site_id, CrawlRun.status == "running"))
        if not _pid_alive(run.pid) or run.pid == os.getpid()
    ]
    for run in stale:
        run.status, run.finished_at, run.finish_reason = "killed", utcnow(), "process died"
        run.health = "unhealthy"
        run.health_messages = [*run.health_messages, "[E001] the crawl process died before finishing"]
        log.warning("crawl run %s of %s was left running by a dead process: marked killed", run.id, site_id)
    session.commit()
    return [run.id for run in stale]


def running_run(*, session: Session, site_id: str) -> CrawlRun | None:
    """running_run (CrawlRun | None): a live run of this site, if one is going on now."""
    for run in session.scalars(select(CrawlRun).where(CrawlRun.site_id == site_id,
                                                      CrawlRun.status == "running")):
        if _pid_alive(run.pid) and run.pid != os.getpid():
            return run
    return None


def start_run(*, session: Session, site_id: str, trigger: str, pid: int | None = None) -> CrawlRun:
    """start_run (CrawlRun): a new 'running' run, after closing runs of dead processes."""
    close_stale_runs(session=session, site_id=site_id)
    run = CrawlRun(site_id=site_id, trigger=trigger, pid=pid or os.getpid(), status="running")
    session.add(run)
    session.commit()
    return run


def known_ads(*, session: Session, site_id: str) -> dict[str, tuple[int, str | None, set[str]]]:
    """known_ads (dict): external_id -> (ad id, current content hash, photo URLs already stored)."""
    rows = session.execute(
        select(Ad.external_id, Ad.id, AdVersion.content_sha256)
        .outerjoin(AdVersion, AdVersion.id == Ad.current_version_id)
        .where(Ad.site_id == site_id)
    ).all()
    photos: dict[int, set[str]] = {}
    # Photo URLs already stored, and ones already rejected (a broken file at a URL is not fetched nightly).
    for table in (AdPhoto, PhotoFailure):
        for ad_id, url in session.execute(
            select(table.ad_id, table.source_url).join(Ad, Ad.id == table.ad_id).where(Ad.site_id == site_id)
        ):
            photos.setdefault(ad_id, set()).add(url)
    return {ext: (ad_id, sha, photos.get(ad_id, set())) for ext, ad_id, sha in rows}


def stored_photos_by_url(*, session: Session, site_id: str) -> dict[str, StoredPhoto]:
    """stored_photos_by_url (dict): source URL -> StoredPhoto, for this site's photos whose file is kept.

    Lets a crawl link a photo URL already stored for *another* ad of the site without fetching it again;
    purged photos (``path`` NULL) are left out, so their URL is fetched and the file restored.
    """
    out: dict[str, StoredPhoto] = {}
    for url, sha, path, width, height, fmt, size in session.execute(
        select(AdPhoto.source_url, Photo.sha256, Photo.path, Photo.width, Photo.height, Photo.format,
               Photo.size_bytes)
        .join(Photo, Photo.id == AdPhoto.photo_id).join(Ad, Ad.id == AdPhoto.ad_id)
        .where(Ad.site_id == site_id, Photo.path.is_not(None))
    ):
        out[url] = StoredPhoto(url, sha, path, width, height, fmt, size)
    return out


def _insert_ignore_many(session: Session, model: type, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING for many rows as one executemany (both dialects).

    One Core statement on the table with a parameter list: SQLAlchemy compiles it once (cached) and batches
    the rows ("insertmanyvalues"). A literal multi-row ``.values([...])`` was re-built and re-compiled per
    batch; the ORM's bulk-insert path (``session.execute(insert(Model), rows)``) added ~0.1 ms per row of
    bookkeeping for rows no ORM object ever reads.
    """
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    session.connection().execute(ins.on_conflict_do_nothing(index_elements=keys), rows)


def _photo_ids(session: Session, photos: list[StoredPhoto]) -> dict[str, int]:
    """sha256 -> Photo id for a batch of stored photos: one INSERT … ON CONFLICT DO NOTHING (executemany), one
    SELECT (ids and purged paths together), and an UPDATE only for photos purged earlier and seen again."""
    unique = {photo.sha256: photo for photo in photos}
    if not unique:
        return {}
    now = utcnow()
    _insert_ignore_many(session, Photo, [
        {"sha256": p.sha256, "path": p.path, "width": p.width, "height": p.height, "format": p.format,
         "size_bytes": p.size_bytes, "first_seen_at": now} for p in unique.values()
    ], ["sha256"])
    ids: dict[str, int] = {}
    purged: list[str] = []
    conn = session.connection()
    for sha, photo_id, path in conn.execute(
            select(Photo.sha256, Photo.id, Photo.path).where(Photo.sha256.in_(list(unique)))):
        ids[sha] = photo_id
        if path is None:
            purged.append(sha)
    for sha in purged:
        conn.execute(update(Photo).where(Photo.sha256 == sha).values(path=unique[sha].path, purged_at=None))
    return ids


_AD = Ad.__table__
_VERSION = AdVersion.__table__
# One executemany each, compiled once: the batch's ads move to this run (and point at their current version).
_TOUCH_AD = (update(_AD).where(_AD.c.id == bindparam("b_id"))
             .values(url=bindparam("b_url"), last_seen_at=bindparam("b_seen"), last_run_id=bindparam("b_run"),
                     current_version_id=bindparam("b_version")))
_REACTIVATE_AD = _TOUCH_AD.values(status="active", removed_at=None, removed_run_id=None)


def save_ads(*, session: Session, site_id: str, run_id: int, records: Iterable[AdRecord]) -> SaveCounts:
    """save_ads (SaveCounts): upsert a batch of ads in ONE transaction.

    Unchanged content only moves ``last_seen_at``; changed content adds an AdVersion; a removed ad that
    reappears is active again. The batch's ads, versions and photo failures are read with one query each
    (not one per ad), and written with one executemany per table (Core statements: the rows are never read
    back as ORM objects, and the ORM's unit of work cost ~0.5 ms per new ad), which keeps storage off the
    crawl's critical path.
    """
    counts = SaveCounts()
    records = list({rec.external_id: rec for rec in records}.values())  # last fetch of an ad wins
    if not records:
        return counts
    conn = session.connection()
    ext_ids = [rec.external_id for rec in records]
    ads: dict[str, tuple[int, str]] = {ext: (ad_id, status) for ad_id, ext, status in conn.execute(
        select(Ad.id, Ad.external_id, Ad.status).where(Ad.site_id == site_id, Ad.external_id.in_(ext_ids)))}
    versions: dict[tuple[int, str], int] = {}
    failures: set[tuple[int, str]] = set()
    if ads:
        ad_ids = [ad_id for ad_id, _ in ads.values()]
        versions = {(ad_id, sha): vid for vid, ad_id, sha in conn.execute(
            select(AdVersion.id, AdVersion.ad_id, AdVersion.content_sha256).where(AdVersion.ad_id.in_(ad_ids)))}
        failures = {(ad_id, url) for ad_id, url in conn.execute(
            select(PhotoFailure.ad_id, PhotoFailure.source_url).where(PhotoFailure.ad_id.in_(ad_ids)))}
    new_recs = [rec for rec in records if rec.external_id not in ads]
    if new_recs:  # ids for the new ads, in one executemany (RETURNING in parameter order)
        inserted = conn.execute(
            insert(_AD).returning(_AD.c.id, sort_by_parameter_order=True),
            [{"site_id": site_id, "external_id": rec.external_id, "url": rec.url, "status": "active",
              "first_seen_at": rec.seen_at, "last_seen_at": rec.seen_at, "last_run_id": run_id}
             for rec in new_recs]).scalars().all()
        for rec, ad_id in zip(new_recs, inserted, strict=True):
            ads[rec.external_id] = (ad_id, "active")
    counts.new = len(new_recs)
    new_ext = {rec.external_id for rec in new_recs}
    version_rows: list[dict[str, Any]] = []
    version_of: list[AdRecord] = []
    current: dict[str, int] = {}
    links: list[tuple[int, StoredPhoto, int, datetime]] = []
    failure_rows: list[dict[str, Any]] = []
    for rec in records:
        ad_id, _status = ads[rec.external_id]
        version_id = versions.get((ad_id, rec.content_sha256))
        if version_id is None:
            version_rows.append({
                "ad_id": ad_id, "run_id": run_id, "content_sha256": rec.content_sha256, "seen_at": rec.seen_at,
                "title": rec.title, "text": rec.text, "raw_fields": rec.raw_fields, "html_sha256": rec.html_sha256,
                "html_size": len(rec.html) if rec.html is not None else None, "encoding": rec.encoding,
                "html_gz": gzip.compress(rec.html, compresslevel=6) if rec.html is not None else None,
            })
            version_of.append(rec)
            if rec.external_id not in new_ext:
                counts.changed += 1
        else:
            current[rec.external_id] = version_id
            if rec.external_id not in new_ext:
                counts.unchanged += 1
        for position, photo in enumerate(rec.photos):
            links.append((ad_id, photo, position, rec.seen_at))
            counts.photos += 1
        for url, reason in rec.photo_failures:
            if (ad_id, url) not in failures:  # one row per ad and URL, not one per night
                failures.add((ad_id, url))
                failure_rows.append({"ad_id": ad_id, "source_url": url, "reason": reason[:200], "at": utcnow()})
    if version_rows:
        version_ids = conn.execute(insert(_VERSION).returning(_VERSION.c.id, sort_by_parameter_order=True),
                                   version_rows).scalars().all()
        for rec, version_id in zip(version_of, version_ids, strict=True):
            current[rec.external_id] = version_id
    touch: list[dict[str, Any]] = []
    reactivate: list[dict[str, Any]] = []
    for rec in records:
        ad_id, status = ads[rec.external_id]
        (touch if status == "active" else reactivate).append({
            "b_id": ad_id, "b_url": rec.url, "b_seen": rec.seen_at, "b_run": run_id,
            "b_version": current[rec.external_id]})
    if touch:
        conn.execute(_TOUCH_AD, touch)
    if reactivate:
        conn.execute(_REACTIVATE_AD, reactivate)
    if failure_rows:
        conn.execute(insert(PhotoFailure.__table__), failure_rows)
    if links:
        photo_ids = _photo_ids(session, [photo for _, photo, _, _ in links])
        rows = {(ad_id, photo_ids[photo.sha256]): {
            "ad_id": ad_id, "photo_id": photo_ids[photo.sha256], "source_url": photo.url, "position": position,
            "first_seen_at": seen} for ad_id, photo, position, seen in links}
        _insert_ignore_many(session, AdPhoto, list(rows.values()), ["ad_id", "photo_id"])
    session.commit()
    return counts


def mark_removed(*, session: Session, site_id: str, external_ids: Iterable[str], run_id: int,
                 at: datetime | None = None) -> int:
    """mark_removed (int): mark active ads removed (never deleted); the count actually changed."""
    ids = list(external_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Ad).where(Ad.site_id == site_id, Ad.external_id.in_(ids), Ad.status == "active")
        .values(status="removed", removed_at=at or utcnow(), removed_run_id=run_id, last_run_id=run_id)
    )
    session.commit()
    return int(result.rowcount or 0)


def active_ads_not_seen(*, session: Session, site_id: str, run_id: int) -> list[tuple[str, str]]:
    """active_ads_not_seen (list): (external_id, url) of active ads this run has not seen yet."""
    query: Select[tuple[str, str]] = select(Ad.external_id, Ad.url).where(
        Ad.site_id == site_id, Ad.status == "active",
        (Ad.last_run_id.is_(None)) | (Ad.last_run_id != run_id))
    return [(ext, url) for ext, url in session.execute(query)]


def previous_runs(*, session: Session, site_id: str, before_id: int, limit: int = 5) -> list[CrawlRun]:
    """previous_runs (list): the latest finished runs of a site before ``before_id``, newest first."""
    return list(session.scalars(
        select(CrawlRun).where(CrawlRun.site_id == site_id, CrawlRun.id < before_id,
                               CrawlRun.status == "finished")
        .order_by(CrawlRun.id.desc()).limit(limit)))


def finish_run(*, session: Session, run_id: int, **values: Any) -> CrawlRun:
    """finish_run (CrawlRun): store the run's end state (status, stats, coverage, health)."""
    run = session.get(CrawlRun, run_id)
    assert run is not None
    values.setdefault("finished_at", utcnow())
    for key, value in values.items():
        setattr(run, key, value)
    session.commit()
    return run


def request_crawl(*, session: Session, site_id: str, requested_by: str) -> CrawlRequest:
    """request_crawl (CrawlRequest): queue a "run now" for a site (the caller commits and audits)."""
    request = CrawlRequest(site_id=site_id, requested_by=requested_by)
    session.add(request)
    session.flush()
    return request


def take_crawl_requests(*, session: Session) -> list[str]:
    """take_crawl_requests (list): site ids with pending "run now" requests, marked picked (once per site)."""
    pending = session.scalars(select(CrawlRequest).where(CrawlRequest.picked_at.is_(None))
                              .order_by(CrawlRequest.id).with_for_update(skip_locked=True)).all()
    now = utcnow()
    for request in pending:
        request.picked_at = now
    session.commit()
    return list(dict.fromkeys(request.site_id for request in pending))


def site_disabled(*, session: Session, site_id: str) -> bool:
    """site_disabled (bool): an admin switched this site off in the dashboard."""
    site = session.get(Site, site_id)
    return site is not None and not site.enabled
