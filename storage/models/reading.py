"""Reading-side tables: one reading per ad version and reader stamp, its contacts and indicator hits.

Why separate contact and hit rows next to the JSON reading: linking joins ads on (kind, value), and
the dashboard filters by indicator code; both need indexed columns, not JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class AdReading(Base):
    """AdReading: what adwatch read from one ad version under one stamp (reader version + lexicon versions)."""

    __tablename__ = "ad_reading"
    __table_args__ = (UniqueConstraint("ad_version_id", "stamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_version_id: Mapped[int] = mapped_column(ForeignKey("ad_version.id", ondelete="CASCADE"), index=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    stamp: Mapped[str] = mapped_column(String(300), index=True)
    reader_version: Mapped[str] = mapped_column(String(40))
    lexicon_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str] = mapped_column(String(16), default="unknown")
    age: Mapped[int | None]
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    area: Mapped[str | None] = mapped_column(String(100))
    price_dkk_per_hour: Mapped[float | None] = mapped_column(Float)
    nationality: Mapped[str | None] = mapped_column(String(8))
    # phones, emails, handles, evidence of age/price, spoken languages, skipped, errors (the AdReading dict)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_indicators: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | partial (skips/errors)


class AdContact(Base):
    """AdContact: one normalised contact of an ad version: kind phone | email | handle:<service>."""

    __tablename__ = "ad_contact"
    __table_args__ = (Index(None, "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("ad_reading.id", ondelete="CASCADE"), index=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    ad_version_id: Mapped[int] = mapped_column(ForeignKey("ad_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))
    obfuscated: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[str | None] = mapped_column(Text)  # the text as written, or "field"


class IndicatorHit(Base):
    """IndicatorHit: one indicator cue with its provenance (lexicon id and version) and character offsets."""

    __tablename__ = "indicator_hit"
    __table_args__ = (Index(None, "code", "ad_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("ad_reading.id", ondelete="CASCADE"), index=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    ad_version_id: Mapped[int] = mapped_column(ForeignKey("ad_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    indicator_id: Mapped[str] = mapped_column(String(80))
    lexicon_id: Mapped[str] = mapped_column(String(80))
    lexicon_version: Mapped[int]
    source: Mapped[str] = mapped_column(String(16), default="text")  # title | text | field | market
    start: Mapped[int] = mapped_column(default=0)
    end: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text, default="")
