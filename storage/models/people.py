"""People-side tables: dashboard users, the audit log, analysts' labels, saved searches, partner services
and referrals of leads to them.

``label.cluster_id`` points at ``cluster`` (owned by the network module) without a foreign key, so a
label outlives a re-clustering that drops the cluster row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

ROLES = ("admin", "analyst", "outreach")
LABEL_VALUES = ("concern", "no_concern", "unsure")


class User(Base):
    """User: one dashboard account; ``role`` is admin | analyst | outreach; never deleted, only disabled."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role in ('admin', 'analyst', 'outreach')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="da")  # interface language: da | en
    # Where saved-search alerts are e-mailed (optional; alerts never carry ad text or contact details).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Bumped on password change or disable: every session signed with an older value is refused.
    session_epoch: Mapped[int] = mapped_column(default=0)


class AuditLog(Base):
    """AuditLog: who did or saw what, when and from where; append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    username: Mapped[str | None] = mapped_column(String(64))  # kept readable if the user row changes
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class Label(Base):
    """Label: an analyst's judgement of one ad or one cluster: concern | no_concern | unsure, with a note."""

    __tablename__ = "label"
    __table_args__ = (
        CheckConstraint("value in ('concern', 'no_concern', 'unsure')", name="value"),
        CheckConstraint("(ad_id IS NOT NULL) OR (cluster_id IS NOT NULL)", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ad_id: Mapped[int | None] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    value: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(Base):
    """SavedSearch: an analyst's stored query; ads newer than ``last_checked_at`` are flagged as new."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    alert: Mapped[bool] = mapped_column(default=True)
    email_alert: Mapped[bool] = mapped_column(default=False)  # also e-mail a count of new matches
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_checked_at: Mapped[datetime | None]
    last_emailed_at: Mapped[datetime | None]  # new matches are counted from here for the next e-mail


class PartnerService(Base):
    """PartnerService: a shelter, clinic, legal aid or NGO outreach can refer a person to."""

    __tablename__ = "partner_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    offers: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma-separated ISO codes
    contact: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """Referral: a lead attached to a partner service by an outreach worker or analyst."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_service.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
