"""Crawl-side tables: sites, crawl runs, ads, their versions (with raw HTML evidence) and photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from storage.models.base import Base, utcnow


class Site(Base):
    """Site: one configured ad site (its YAML id), registered on first crawl."""

    __tablename__ = "site"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    config_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """CrawlRun: one crawl of one site, with its Scrapy stats and health verdict."""

    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running | finished | failed | killed (found 'running' with a dead pid by a later run)
    status: Mapped[str] = mapped_column(String(16), default="running")
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    pid: Mapped[int | None]
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | schedule | demo | test
    pages: Mapped[int] = mapped_column(default=0)
    ads_seen: Mapped[int] = mapped_column(default=0)
    ads_new: Mapped[int] = mapped_column(default=0)
    ads_changed: Mapped[int] = mapped_column(default=0)
    ads_removed: Mapped[int] = mapped_column(default=0)
    photos_stored: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    field_coverage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # ok | unhealthy | unknown
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_messages: Mapped[list[Any]] = mapped_column(default=list)


class Ad(Base):
    """Ad: one ad on one site, identified by the site's own id; never deleted, only marked removed."""

    __tablename__ = "ad"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | removed
    # Indexed for the dashboard: overview counts and trends, saved-search alerts, the queue's date filter.
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    removed_at: Mapped[datetime | None]
    removed_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id", ondelete="SET NULL"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id", ondelete="SET NULL"), index=True)
    # No FK: ad and ad_version would reference each other (a cycle SQLite cannot ALTER in); the
    # repository sets it in the same transaction as the version row.
    current_version_id: Mapped[int | None]

    versions: Mapped[list[AdVersion]] = relationship(
        back_populates="ad", foreign_keys="AdVersion.ad_id", order_by="AdVersion.id"
    )


class AdVersion(Base):
    """AdVersion: one distinct content of an ad; a new row only when the content hash changes."""

    __tablename__ = "ad_version"
    __table_args__ = (UniqueConstraint("ad_id", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id", ondelete="SET NULL"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    # Every selector's raw output (phones, age, city, price, posted_at, revealed phones, ...).
    raw_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    html_sha256: Mapped[str | None] = mapped_column(String(64))
    html_size: Mapped[int | None]
    encoding: Mapped[str | None] = mapped_column(String(40))
    # gzip of the page as fetched (evidence); NULL once purged by retention.
    html_gz: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    html_purged_at: Mapped[datetime | None]

    ad: Mapped[Ad] = relationship(back_populates="versions", foreign_keys=[ad_id])


class Photo(Base):
    """Photo: one image file, content-addressed by sha256 in the blob store."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(Text)  # relative to blobs dir; NULL once purged
    width: Mapped[int]
    height: Mapped[int]
    format: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]


class AdPhoto(Base):
    """AdPhoto: a photo shown on an ad, with the URL it came from."""

    __tablename__ = "ad_photo"
    __table_args__ = (UniqueConstraint("ad_id", "photo_id"), Index(None, "photo_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"))
    source_url: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhotoFailure(Base):
    """PhotoFailure: an image URL that was rejected (not an image, too large, off-site), kept for review."""

    __tablename__ = "photo_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_id: Mapped[int | None] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    source_url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRequest(Base):
    """CrawlRequest: an admin's "run now" for a site; the scheduler picks it up within a minute."""

    __tablename__ = "crawl_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[datetime | None] = mapped_column(index=True)
