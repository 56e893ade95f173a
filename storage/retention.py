"""Retention: raw pages and photos of ads outside an open lead are purged after ``retention_days``.

What is kept: ads, versions' text and raw fields, hashes, links, indicator evidence, and everything of
ads in an open lead (outreach still needs it). What goes: the gzip HTML evidence and the photo files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from storage.blobs import BlobStore
from storage.models import Ad, AdPhoto, AdVersion, Photo, utcnow
from storage.models.leads import Lead, LeadAd
from storage.models.people import AuditLog

log = logging.getLogger(__name__)


@dataclass
class PurgeResult:
    """PurgeResult: how many raw pages and photo files were purged, and the cutoff used."""

    cutoff: datetime
    pages: int = 0
    photos: int = 0


def _in_open_lead(ad_id_column: object) -> object:
    return exists(select(LeadAd.id).join(Lead, Lead.id == LeadAd.lead_id)
                  .where(LeadAd.ad_id == ad_id_column, Lead.status != "closed"))


def purge_expired(*, session: Session, blobs: BlobStore, retention_days: int, now: datetime | None = None,
                  actor: str = "scheduler") -> PurgeResult:
    """purge_expired (PurgeResult): purge evidence older than the retention window, and audit it."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = PurgeResult(cutoff=cutoff)
    pages = session.execute(
        update(AdVersion)
        .where(AdVersion.html_gz.is_not(None), AdVersion.seen_at < cutoff,
               AdVersion.ad_id.in_(select(Ad.id).where(Ad.last_seen_at < cutoff, ~_in_open_lead(Ad.id))))
        .values(html_gz=None, html_purged_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result.pages = int(pages.rowcount or 0)
    # A photo goes only when no ad that shows it was seen within the window or sits in an open lead.
    recent_or_kept = (select(AdPhoto.photo_id).join(Ad, Ad.id == AdPhoto.ad_id)
                      .where((Ad.last_seen_at >= cutoff) | _in_open_lead(Ad.id)))
    expired = session.scalars(select(Photo).where(Photo.path.is_not(None), Photo.first_seen_at < cutoff,
                                                  Photo.id.not_in(recent_or_kept))).all()
    for photo in expired:
        if photo.path:
            blobs.delete(photo.path)
        photo.path, photo.purged_at = None, utcnow()
        result.photos += 1
    session.add(AuditLog(username=actor, action="retention.purge", object_type="retention",
                         detail={"cutoff": cutoff.isoformat(), "pages": result.pages, "photos": result.photos,
                                 "retention_days": retention_days}))
    session.commit()
    log.info("retention: purged %d raw pages and %d photos older than %s", result.pages, result.photos,
             cutoff.date())
    return result
