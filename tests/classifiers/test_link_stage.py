"""The nightly DB stage on SQLite and PostgreSQL with real rows: clusters, scores, leads de-duplicated."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from PIL import ImageOps
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.leads import export_leads_csv, promote_lead, set_status
from classifiers.link_stage import ReadingMissingError, run_linking
from classifiers.training import train_from_labels
from config.settings import AppSettings
from storage.models import (
    Ad,
    AdCluster,
    AdContact,
    AdPhoto,
    AdReading,
    AdVersion,
    Label,
    Lead,
    LeadAd,
    LeadEvent,
    Photo,
    PhotoHash,
    RiskScore,
    Site,
)
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
    rd = AdReading(ad_version_id=v.id, ad_id=ad.id, site_id="demo", stamp="test", reader_version="test",
                   language="en", age=age, city=city, facts={"name": name})
    session.add(rd)
    session.flush()
    session.add(AdContact(reading_id=rd.id, ad_id=ad.id, ad_version_id=v.id, kind="phone", value="+45" + phone))
    if photo is not None:
        session.add(AdPhoto(ad_id=ad.id, photo_id=photo.id, source_url=f"http://demo.test/{ext}.jpg"))
    session.flush()
    return ad


def test_stage_links_scores_and_keeps_one_lead_across_nights(session: Session, settings: AppSettings,
                                                             tmp_path) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
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


def _network(session: Session, settings: AppSettings) -> list[Ad]:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ads = [_ad(session, str(i), name=n, age=20 + i, city=c, phone="22334455", text=T.format(n=n, a=20 + i),
               photo=None) for i, (n, c) in enumerate((("Anna", "Aarhus"), ("Mia", "Odense"), ("Ida", "Vejle")))]
    session.commit()
    return ads


def test_closed_lead_that_gains_ads_is_reopened_as_follow_up(session: Session, settings: AppSettings) -> None:
    _network(session, settings)
    run_linking(session, settings)
    lead = session.scalar(select(Lead))
    assert lead is not None
    set_status(session, lead_id=lead.id, status="closed", reason="no answer")
    session.commit()
    _ad(session, "9", name="Eva", age=20, city="Aalborg", phone="22334455", text=T.format(n="Eva", a=20), photo=None)
    session.commit()
    run_linking(session, settings)
    session.refresh(lead)
    assert lead.status == "follow_up" and lead.close_reason is None
    ev = session.scalar(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.action == "reopened"))
    assert ev is not None and ev.from_status == "closed" and ev.to_status == "follow_up"


def test_analyst_promotes_low_score_ads(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    a = _ad(session, "1", name="Lis", age=45, city="Vejle", phone="40404040", text="Calm studio", photo=None)
    session.commit()
    run_linking(session, settings)
    assert session.scalar(select(func.count()).select_from(Lead)) == 0
    lead = promote_lead(session, user_id=None, ad_ids=[a.id])
    again = promote_lead(session, user_id=None, cluster_id=lead.cluster_id)
    assert again.id == lead.id and lead.opened_by == "analyst"
    assert session.scalars(select(LeadAd.ad_id).where(LeadAd.lead_id == lead.id)).all() == [a.id]


def test_linking_needs_reading(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ad = Ad(site_id="demo", external_id="x", url="http://demo.test/x")
    session.add(ad)
    session.flush()
    v = AdVersion(ad_id=ad.id, content_sha256="f" * 64, text="t", seen_at=datetime.now(UTC), raw_fields={})
    session.add(v)
    session.flush()
    ad.current_version_id = v.id
    session.commit()
    with pytest.raises(ReadingMissingError, match="E501"):
        run_linking(session, settings)


def test_too_common_phone_links_nothing_and_says_why(session: Session, settings: AppSettings,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    from classifiers.link_stage import load_scoring

    cfg = load_scoring(settings.config_dir)
    cfg = cfg.model_copy(update={"guards": cfg.guards.model_copy(update={"max_ads_per_value": 2}),
                                 "edge_weights": {**cfg.edge_weights, "text": 0.0}})  # phone edges only
    _network(session, settings)
    stats = run_linking(session, settings, cfg=cfg)
    cl = set(session.scalars(select(AdCluster.cluster_id)))
    assert len(cl) == 3 and stats.guard_reasons >= 1
    assert "phone +4522334455 appears on 3 ads" in caplog.text


def test_train_from_analyst_labels(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ads = []
    for i in range(16):  # 8 networks of two ads (concern), 8 independents (no concern)
        net = i < 8
        for j in range(2 if net else 1):
            ads.append((net, _ad(session, f"{i}-{j}", name=f"P{i}{j}", age=25, city="Aarhus",
                                 phone=f"{30000000 + i}", text=T.format(n=f"P{i}{j}", a=25) if net else f"solo {i}",
                                 photo=None)))
    session.commit()
    run_linking(session, settings)
    for net, ad in ads:
        session.add(Label(ad_id=ad.id, value="unsure"))
        session.add(Label(ad_id=ad.id, value="concern" if net else "no_concern"))  # newest wins
    session.commit()
    model = train_from_labels(session, settings, version="t1")
    card = json.loads((settings.data_dir / "models" / "t1.card.json").read_text())
    assert card["data"]["n"] == len(ads) and "nationality" in card["excluded"]
    assert model.card["metrics_holdout_25pct"]["average_precision"] >= 0.9
