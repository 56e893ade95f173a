"""The nightly DB stage on SQLite and PostgreSQL with real rows: clusters, scores, leads de-duplicated."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from PIL import ImageOps
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.leads import export_leads_csv, set_status
from classifiers.link_stage import run_linking
from config.settings import AppSettings
from storage.models import Ad, AdCluster, AdPhoto, AdVersion, Lead, LeadAd, Photo, PhotoHash, RiskScore, Site
from tests.classifiers.test_link_photos import make_image

T = ("Hi I'm {n}, {a} years old. New here and waiting for you in my private apartment. Call me "
     "for a relaxing massage and a sweet time together, discreet and friendly, kisses")


def _photo(session: Session, settings: AppSettings, img, key: str) -> Photo:
    rel = f"p/{key}.jpg"
    path = settings.blobs_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=80)
    ph = Photo(sha256=hashlib.sha256(key.encode()).hexdigest(), path=rel, width=img.width, height=img.height,
               format="JPEG", size_bytes=path.stat().st_size)
    session.add(ph)
    session.flush()
    return ph


def _ad(session: Session, ext: str, *, name: str, age: int, city: str, phone: str, text: str,
        photo: Photo | None) -> Ad:
    ad = Ad(site_id="demo", external_id=ext, url=f"http://demo.test/{ext}")
    session.add(ad)
    session.flush()
    v = AdVersion(ad_id=ad.id, content_sha256=ext.rjust(64, "0"), text=text, seen_at=datetime.now(UTC),
                  raw_fields={"phones": [phone], "name": name, "age": str(age), "city": city, "language": "en"})
    session.add(v)
    session.flush()
    ad.current_version_id = v.id
    if photo is not None:
        session.add(AdPhoto(ad_id=ad.id, photo_id=photo.id, source_url=f"http://demo.test/{ext}.jpg"))
    session.flush()
    return ad


def test_stage_links_scores_and_keeps_one_lead_across_nights(session: Session, settings: AppSettings,
                                                             tmp_path) -> None:
    session.add(Site(id="demo", name="Demo"))
    img = make_image(7)
    p1 = _photo(session, settings, img, "a")
    p2 = _photo(session, settings, ImageOps.mirror(img).resize((320, 240)), "b")
    p3 = _photo(session, settings, make_image(8), "c")
    a1 = _ad(session, "1", name="Anna", age=21, city="Aarhus", phone="22334455", text=T.format(n="Anna", a=21),
             photo=p1)
    a2 = _ad(session, "2", name="Mia", age=19, city="Odense", phone="22334455", text=T.format(n="Mia", a=19),
             photo=p2)
    a3 = _ad(session, "3", name="Lis", age=45, city="Vejle", phone="40404040",
             text="Mature independent lady, tantric massage in a calm studio, weekdays only", photo=p3)
    session.commit()
    stats = run_linking(session, settings)
    assert stats.photos_hashed == 3 and stats.ads_new == 3
    groups = dict(session.execute(select(PhotoHash.photo_id, PhotoHash.group_id)).all())
    assert groups[p1.id] == groups[p2.id] != groups[p3.id]
    cl = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
    assert cl[a1.id] == cl[a2.id] != cl[a3.id]
    s = session.scalar(select(RiskScore).where(RiskScore.target == "cluster", RiskScore.target_id == cl[a1.id]))
    assert s is not None and s.score >= 0.6
    assert {f["factor"] for f in s.explanation} >= {"SHARED_PHONE", "PHOTO_REUSE"}
    assert session.scalar(select(func.count()).select_from(Lead)) == 1
    lead = session.scalar(select(Lead))
    set_status(session, lead_id=lead.id, status="triaged")
    session.commit()

    # Night 2: one more ad of the network; same cluster id, same lead, one more lead ad.
    a4 = _ad(session, "4", name="Eva", age=20, city="Aalborg", phone="22334455", text=T.format(n="Eva", a=20),
             photo=None)
    session.commit()
    stats2 = run_linking(session, settings)
    assert stats2.ads_new == 1 and stats2.photos_hashed == 0
    cl2 = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
    assert cl2[a4.id] == cl2[a1.id] == cl[a1.id]
    assert session.scalar(select(func.count()).select_from(Lead)) == 1
    assert session.scalar(select(func.count()).select_from(LeadAd)) == 3
    assert session.get(Lead, lead.id).status == "triaged"
    n = export_leads_csv(session, tmp_path / "leads.csv")
    text = (tmp_path / "leads.csv").read_text()
    assert n == 1 and "+4522334455" in text and "SHARED_PHONE" in text
