"""Retention purges old raw pages and photos, keeps what an open lead needs, and audits the purge."""

from datetime import timedelta

from sqlalchemy import select

from storage.blobs import BlobStore
from storage.crawl_repo import AdRecord, StoredPhoto, ensure_site, save_ads, start_run
from storage.models import Ad, AdVersion, Photo, utcnow
from storage.models.leads import Lead, LeadAd
from storage.models.people import AuditLog
from storage.retention import purge_expired


def _ad(session, blobs, run_id, ext, seen_at, photo_bytes):
    sha, rel = blobs.put(photo_bytes, ext=".jpg")
    save_ads(session=session, site_id="s", run_id=run_id, records=[AdRecord(
        external_id=ext, url=f"http://127.0.0.1/ad/{ext}", content_sha256=ext * 8, title=ext, text="hello",
        raw_fields={}, html=b"<html>" + ext.encode() + b"</html>", photos=[StoredPhoto(
            f"http://127.0.0.1/{ext}.jpg", sha, rel, 100, 100, "JPEG", len(photo_bytes))], seen_at=seen_at)])
    return session.scalar(select(Ad).where(Ad.external_id == ext))


def test_purge_keeps_recent_and_lead_evidence(session, tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    ensure_site(session=session, site_id="s", name="S")
    run = start_run(session=session, site_id="s", trigger="test")
    old = utcnow() - timedelta(days=200)
    expired = _ad(session, blobs, run.id, "old", old, b"photo-old")
    in_lead = _ad(session, blobs, run.id, "lead", old, b"photo-lead")
    fresh = _ad(session, blobs, run.id, "new", utcnow(), b"photo-new")
    for photo in session.scalars(select(Photo)):
        photo.first_seen_at = old
    lead = Lead(status="assigned")
    session.add(lead)
    session.flush()
    session.add(LeadAd(lead_id=lead.id, ad_id=in_lead.id))
    session.commit()

    result = purge_expired(session=session, blobs=blobs, retention_days=90)

    assert (result.pages, result.photos) == (1, 1)
    versions = {v.ad_id: v for v in session.scalars(select(AdVersion))}
    assert versions[expired.id].html_gz is None and versions[expired.id].html_purged_at is not None
    assert versions[expired.id].text == "hello"  # the text and facts stay
    assert versions[in_lead.id].html_gz is not None
    assert versions[fresh.id].html_gz is not None
    kept = {p.sha256: p for p in session.scalars(select(Photo))}
    assert sum(p.path is None for p in kept.values()) == 1
    assert all((tmp_path / "blobs" / p.path).exists() for p in kept.values() if p.path)
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "retention.purge")).one()
    assert audit.detail["pages"] == 1
