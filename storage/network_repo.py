"""SQL of the link/score/lead stage: keyword-only functions, session first (the stage never writes SQL itself)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models import (
    Ad,
    AdCluster,
    AdContact,
    AdEdge,
    AdPhoto,
    AdReading,
    AdVersion,
    Cluster,
    IndicatorHit,
    NetworkIndicator,
    Photo,
    PhotoHash,
    RiskScore,
    utcnow,
)


def photos_without_hash(*, session: Session, version: str) -> list[Photo]:
    """Photos with a stored file and no hash of ``version`` yet."""
    q = (select(Photo).outerjoin(PhotoHash, PhotoHash.photo_id == Photo.id)
         .where(Photo.path.is_not(None), PhotoHash.photo_id.is_(None)).order_by(Photo.id))
    return list(session.scalars(q))


def add_photo_hash(*, session: Session, photo_id: int, version: str, views: list[Any]) -> None:
    session.add(PhotoHash(photo_id=photo_id, version=version, views=views))


def all_photo_hashes(*, session: Session) -> list[tuple[int, list[Any]]]:
    return [(r.photo_id, r.views) for r in session.execute(select(PhotoHash.photo_id, PhotoHash.views)
                                                             .order_by(PhotoHash.photo_id))]


def set_photo_groups(*, session: Session, groups: dict[int, int]) -> None:
    """Write duplicate-group ids (only rows whose group changed)."""
    current = dict(session.execute(select(PhotoHash.photo_id, PhotoHash.group_id)).all())
    for pid, gid in groups.items():
        if current.get(pid, -1) != gid and pid in current:
            session.execute(PhotoHash.__table__.update().where(PhotoHash.photo_id == pid).values(group_id=gid))


def current_ads(*, session: Session) -> list[tuple[Ad, AdVersion]]:
    """Every ad with its current version (removed ads too: they stay evidence of a network)."""
    q = select(Ad, AdVersion).join(AdVersion, AdVersion.id == Ad.current_version_id).order_by(Ad.id)
    return [(a, v) for a, v in session.execute(q)]


def ad_photo_ids(*, session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for ad_id, photo_id in session.execute(select(AdPhoto.ad_id, AdPhoto.photo_id).order_by(AdPhoto.position)):
        out.setdefault(ad_id, []).append(photo_id)
    return out


def previous_clusters(*, session: Session) -> dict[int, int]:
    return dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())


def max_cluster_id(*, session: Session) -> int:
    return int(session.scalar(select(func.max(Cluster.id))) or 0)


def add_edges(*, session: Session, edges: Iterable[tuple[str, int, int, str, float, str]]) -> int:
    """Insert (kind, ad_a, ad_b, value, weight, linker) edges; returns how many."""
    rows = [{"kind": k, "ad_a": a, "ad_b": b, "value": v[:200], "weight": w, "linker": lk}
            for k, a, b, v, w, lk in edges]
    if rows:
        session.execute(AdEdge.__table__.insert(), rows)
    return len(rows)


def save_clusters(*, session: Session, members: dict[int, Sequence[int]], version: str) -> None:
    """Upsert changed clusters and their ad memberships."""
    now = utcnow()
    existing = set(session.scalars(select(Cluster.id).where(Cluster.id.in_(list(members)))))
    for cid, ads in members.items():
        if cid in existing:
            session.execute(Cluster.__table__.update().where(Cluster.id == cid)
                            .values(size=len(ads), updated_at=now, version=version))
        else:
            session.add(Cluster(id=cid, size=len(ads), version=version, created_at=now, updated_at=now))
        session.execute(delete(AdCluster).where(AdCluster.ad_id.in_(list(ads))))
        session.execute(AdCluster.__table__.insert(),
                        [{"ad_id": a, "cluster_id": cid, "updated_at": now} for a in ads])
    session.flush()


def drop_empty_clusters(*, session: Session) -> None:
    """Delete clusters left without ads (merged away, split, undone) with their indicators and score, so
    nothing shows or points at a network that is gone (leads move first: ``classifiers.leads.follow_ads``)."""
    used = select(AdCluster.cluster_id)
    session.execute(delete(Cluster).where(Cluster.id.not_in(used)))
    session.execute(delete(NetworkIndicator).where(NetworkIndicator.cluster_id.not_in(used)))
    session.execute(delete(RiskScore).where(RiskScore.target == "cluster", RiskScore.target_id.not_in(used)))


def replace_indicators(*, session: Session, cluster_id: int, hits: Iterable[tuple[str, list[int], dict[str, Any]]],
                       version: str) -> None:
    session.execute(delete(NetworkIndicator).where(NetworkIndicator.cluster_id == cluster_id))
    for code, ads, detail in hits:
        session.add(NetworkIndicator(cluster_id=cluster_id, code=code, ads=ads, detail=detail, version=version))


def cluster_indicators(*, session: Session, cluster_id: int) -> list[NetworkIndicator]:
    return list(session.scalars(select(NetworkIndicator).where(NetworkIndicator.cluster_id == cluster_id)))


def upsert_score(*, session: Session, target: str, target_id: int, score: float, model_version: str,
                 explanation: list[Any]) -> None:
    row = session.scalar(select(RiskScore).where(RiskScore.target == target, RiskScore.target_id == target_id))
    if row is None:
        session.add(RiskScore(target=target, target_id=target_id, score=score, model_version=model_version,
                              explanation=explanation))
    else:
        row.score, row.model_version, row.explanation, row.scored_at = score, model_version, explanation, utcnow()


def ad_network_fields(*, session: Session, ad_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """ad_network_fields (dict): ad id -> {cluster_id, risk_score, images: [{photo_id, group}]} for exports."""
    out: dict[int, dict[str, Any]] = {a: {"cluster_id": None, "risk_score": None, "images": []} for a in ad_ids}
    ids = list(ad_ids)
    for ad_id, cid in session.execute(select(AdCluster.ad_id, AdCluster.cluster_id).where(AdCluster.ad_id.in_(ids))):
        out[ad_id]["cluster_id"] = cid
    for tid, score in session.execute(select(RiskScore.target_id, RiskScore.score)
                                      .where(RiskScore.target == "ad", RiskScore.target_id.in_(ids))):
        out[int(tid)]["risk_score"] = score
    q = (select(AdPhoto.ad_id, AdPhoto.photo_id, PhotoHash.group_id)
         .outerjoin(PhotoHash, PhotoHash.photo_id == AdPhoto.photo_id).where(AdPhoto.ad_id.in_(ids))
         .order_by(AdPhoto.ad_id, AdPhoto.position))
    for ad_id, pid, gid in session.execute(q):
        out[ad_id]["images"].append({"photo_id": pid, "group": gid if gid is not None else pid})
    return out


def latest_readings(*, session: Session) -> dict[int, AdReading]:
    """latest_readings (dict): ad id -> its newest reading (highest id) of the ad's current version."""
    newest = (select(func.max(AdReading.id)).join(Ad, Ad.current_version_id == AdReading.ad_version_id)
              .group_by(AdReading.ad_id))
    return {r.ad_id: r for r in session.scalars(select(AdReading).where(AdReading.id.in_(newest)))}


def reading_contacts(*, session: Session, reading_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """reading_contacts (dict): reading id -> [(kind, normalised value)]."""
    out: dict[int, list[tuple[str, str]]] = {}
    q = select(AdContact.reading_id, AdContact.kind, AdContact.value).where(AdContact.reading_id.in_(list(reading_ids)))
    for rid, kind, value in session.execute(q):
        out.setdefault(rid, []).append((kind, value))
    return out


def reading_codes(*, session: Session, reading_ids: Sequence[int]) -> dict[int, list[str]]:
    """reading_codes (dict): reading id -> indicator codes hit."""
    out: dict[int, list[str]] = {}
    q = select(IndicatorHit.reading_id, IndicatorHit.code).where(IndicatorHit.reading_id.in_(list(reading_ids)))
    for rid, code in session.execute(q):
        out.setdefault(rid, []).append(code)
    return out
