"""The ads export contract: one JSON object per ad, every field present (null or [] until computed).

Fields: url, site, external_id, title, text, first_seen, last_seen, status, phones (E.164), emails,
handles [{kind, value}], age, city, language, price, indicators [{code, evidence, start, end}],
cluster_id, risk_score, images [{url, sha256, group}].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Ad, AdPhoto, AdVersion, Photo
from storage.models.network import AdCluster, PhotoHash, RiskScore
from storage.models.reading import AdContact, AdReading, IndicatorHit

EXPORT_FIELDS = ("url", "site", "external_id", "title", "text", "first_seen", "last_seen", "status", "phones",
                 "emails", "handles", "age", "city", "language", "price", "indicators", "cluster_id",
                 "risk_score", "images")


def _latest_readings(session: Session, version_ids: list[int]) -> dict[int, AdReading]:
    """The newest reading of each version (a version may have readings under several stamps)."""
    out: dict[int, AdReading] = {}
    for reading in session.scalars(select(AdReading).where(AdReading.ad_version_id.in_(version_ids))
                                   .order_by(AdReading.id)):
        out[reading.ad_version_id] = reading
    return out


def _batch(session: Session, rows: list[tuple[Ad, AdVersion | None]]) -> Iterator[dict[str, Any]]:
    ad_ids = [ad.id for ad, _ in rows]
    readings = _latest_readings(session, [v.id for _, v in rows if v is not None])
    reading_ids = [r.id for r in readings.values()]
    contacts: dict[int, list[AdContact]] = defaultdict(list)
    for contact in session.scalars(select(AdContact).where(AdContact.reading_id.in_(reading_ids))
                                   .order_by(AdContact.id)):
        contacts[contact.reading_id].append(contact)
    hits: dict[int, list[IndicatorHit]] = defaultdict(list)
    for hit in session.scalars(select(IndicatorHit).where(IndicatorHit.reading_id.in_(reading_ids))
                               .order_by(IndicatorHit.start)):
        hits[hit.reading_id].append(hit)
    clusters = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)
                                    .where(AdCluster.ad_id.in_(ad_ids))).all())
    scores = {int(t): s for t, s in session.execute(select(RiskScore.target_id, RiskScore.score).where(
        RiskScore.target == "ad", RiskScore.target_id.in_(ad_ids)))}
    images: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ad_id, url, sha, photo_id, group in session.execute(
        select(AdPhoto.ad_id, AdPhoto.source_url, Photo.sha256, Photo.id, PhotoHash.group_id)
        .join(Photo, Photo.id == AdPhoto.photo_id).outerjoin(PhotoHash, PhotoHash.photo_id == Photo.id)
        .where(AdPhoto.ad_id.in_(ad_ids)).order_by(AdPhoto.ad_id, AdPhoto.position)
    ):
        images[ad_id].append({"url": url, "sha256": sha, "group": group if group is not None else photo_id})
    for ad, version in rows:
        reading = readings.get(version.id) if version is not None else None
        mine = contacts.get(reading.id, []) if reading else []
        yield {
            "url": ad.url, "site": ad.site_id, "external_id": ad.external_id,
            "title": version.title if version else None, "text": version.text if version else None,
            "first_seen": ad.first_seen_at.isoformat(), "last_seen": ad.last_seen_at.isoformat(),
            "status": ad.status,
            "phones": [c.value for c in mine if c.kind == "phone"],
            "emails": [c.value for c in mine if c.kind == "email"],
            "handles": [{"kind": c.kind.split(":", 1)[1], "value": c.value} for c in mine
                        if c.kind.startswith("handle:")],
            "age": reading.age if reading else None,
            "city": reading.city if reading else None,
            "language": reading.language if reading else None,
            "price": reading.price_dkk_per_hour if reading else None,
            "indicators": [{"code": h.code, "evidence": h.text, "start": h.start, "end": h.end}
                           for h in (hits.get(reading.id, []) if reading else [])],
            "cluster_id": clusters.get(ad.id),
            "risk_score": scores.get(ad.id),
            "images": images.get(ad.id, []),
        }


def iter_ad_exports(*, session: Session, site: str | None = None, status: str | None = None,
                    batch_size: int = 500) -> Iterator[dict[str, Any]]:
    """iter_ad_exports (Iterator[dict]): every ad (optionally of one site / status) in id order, batched."""
    last_id = 0
    while True:
        query = (select(Ad, AdVersion).outerjoin(AdVersion, AdVersion.id == Ad.current_version_id)
                 .where(Ad.id > last_id).order_by(Ad.id).limit(batch_size))
        if site:
            query = query.where(Ad.site_id == site)
        if status:
            query = query.where(Ad.status == status)
        rows = [(ad, version) for ad, version in session.execute(query)]
        if not rows:
            return
        yield from _batch(session, rows)
        last_id = rows[-1][0].id
