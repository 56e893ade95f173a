"""Lead tables: the unit outreach acts on (a network or contact point), its ads and its status history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

LEAD_STATUSES = ("new", "triaged", "assigned", "contacted", "follow_up", "closed")


class Lead(Base):
    """Lead: one network (cluster) or contact point for outreach; gains ads night after night."""

    __tablename__ = "lead"
    __table_args__ = (
        CheckConstraint("status in ('new', 'triaged', 'assigned', 'contacted', 'follow_up', 'closed')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    close_reason: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(16), default="score")  # score | analyst
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # top factors (codes) when last scored
    contacts: Mapped[list[Any]] = mapped_column(default=list)  # phones/handles reaching the persons
    cities: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)  # suggested contact languages
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadAd(Base):
    """LeadAd: an ad that belongs to a lead, and when it joined."""

    __tablename__ = "lead_ad"
    __table_args__ = (UniqueConstraint("lead_id", "ad_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadEvent(Base):
    """LeadEvent: history of a lead: opened, ads added, status changes (user id null for the nightly stage)."""

    __tablename__ = "lead_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # opened | ads_added | status | rescored
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
