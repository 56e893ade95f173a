"""Network tables: photo hashes and duplicate groups, ad edges, stable clusters, indicators and risk scores,
and analysts' merge/split decisions with the relink requests that apply them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class PhotoHash(Base):
    """PhotoHash: perceptual hashes of one photo (all views, hex) and its duplicate group (export images[].group)."""

    __tablename__ = "photo_hash"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    views: Mapped[list[Any]] = mapped_column()  # [[phash_hex, dhash_hex], ...] per view
    group_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdEdge(Base):
    """AdEdge: two ads share a phone/email/handle, a photo group or a template text; evidence names it."""

    __tablename__ = "ad_edge"
    __table_args__ = (UniqueConstraint("kind", "ad_a", "ad_b", "value"), Index(None, "ad_b"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ad_a: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), index=True)
    ad_b: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(default=1.0)
    linker: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cluster(Base):
    """Cluster: a network of linked ads; the id is stable across nights (export cluster_id)."""

    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(default=1)
    version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdCluster(Base):
    """AdCluster: the cluster an ad belongs to tonight."""

    __tablename__ = "ad_cluster"

    ad_id: Mapped[int] = mapped_column(ForeignKey("ad.id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NetworkIndicator(Base):
    """NetworkIndicator: one network indicator on a cluster, with the linked ads as evidence."""

    __tablename__ = "network_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(BigInteger, index=True)
    code: Mapped[str] = mapped_column(String(32))
    ads: Mapped[list[Any]] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskScore(Base):
    """RiskScore: risk 0-1 of an ad or cluster, the weights/model version, and the explanation (factors, evidence)."""

    __tablename__ = "risk_score"
    # (target, score, target_id): the review queue reads scores in descending order without a sort.
    __table_args__ = (UniqueConstraint("target", "target_id"), Index(None, "target", "score", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(8))  # ad | cluster
    target_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float]
    model_version: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


DECISION_ACTIONS = ("merge", "split")


class ClusterDecision(Base):
    """ClusterDecision: an analyst's merge or split of networks, kept as a constraint on every night's clustering.

    merge: ``side_a`` = ads of ``cluster_id``, ``side_b`` = ads of ``other_cluster_id`` (the absorbed
    network) at decision time; they stay together (must-link). split: ``side_a`` = the selected ads,
    ``side_b`` = the rest of ``cluster_id``; they stay apart (cannot-link). ``applied_at``: when a link stage
    first applied it (pending until then). Undo = revoke; a newer contradicting decision revokes it too.
    """

    __tablename__ = "cluster_decision"
    __table_args__ = (CheckConstraint("action in ('merge', 'split')", name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(8))
    cluster_id: Mapped[int] = mapped_column(BigInteger, index=True)
    other_cluster_id: Mapped[int | None] = mapped_column(BigInteger)
    side_a: Mapped[list[Any]] = mapped_column()
    side_b: Mapped[list[Any]] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class RelinkRequest(Base):
    """RelinkRequest: a decision (or its undo) waits for a link stage; the scheduler runs one within a minute.

    ``picked_at``: the scheduler started ``adwatch link`` for it; ``done_at``: a link stage that saw it finished.
    """

    __tablename__ = "relink_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("cluster_decision.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column(index=True)
