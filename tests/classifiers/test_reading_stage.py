"""The reading stage on real SQLite and PostgreSQL databases: rows written, incremental, reprocess, LOW_PRICE."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.reading_stage import process_readings
from config.settings import AppSettings
from storage.models.crawl import Ad, AdVersion, Site
from storage.models.reading import AdContact, AdReading, IndicatorHit


def _add_ad(session: Session, ext: str, title: str, text: str, raw: dict | None = None) -> AdVersion:
    ad = Ad(site_id="demo", external_id=ext, url=f"http://demo/{ext}")
    session.add(ad)
    session.flush()
    version = AdVersion(ad_id=ad.id, content_sha256=hashlib.sha256((title + text).encode()).hexdigest(),
                        title=title, text=text, raw_fields=raw or {})
    session.add(version)
    session.flush()
    ad.current_version_id = version.id
    return version


def test_stage_writes_readings_contacts_and_hits(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    v1 = _add_ad(session, "1", "Anna 22 ny i byen", "Ring 2O one2 34 fem6. Snap: anna_cph. 1500 kr pr time",
                 {"phones": ["tel:+4520123456"], "city": "Vesterbro"})
    v2 = _add_ad(session, "2", "Mia", "Independent, no agency. Always with condom. Call +46 70 123 45 67")
    v3 = _add_ad(session, "3", "", "\x01\x02\x03" * 100)
    session.commit()

    stats = process_readings(session, settings, progress=False)
    assert stats.read == 3 and stats.errors == 0

    r1 = session.scalars(select(AdReading).where(AdReading.ad_version_id == v1.id)).one()
    assert (r1.age, r1.city, r1.area, r1.price_dkk_per_hour) == (22, "Vesterbro", "København", 1500)
    contacts = {(c.kind, c.value, c.obfuscated)
                for c in session.scalars(select(AdContact).where(AdContact.ad_version_id == v1.id))}
    assert ("phone", "+4520123456", True) in contacts and ("handle:snapchat", "anna_cph", False) in contacts
    codes = set(session.scalars(select(IndicatorHit.code).where(IndicatorHit.ad_version_id == v1.id)))
    assert {"MOVEMENT", "OBFUSCATED_CONTACT"} <= codes
    hit = session.scalars(select(IndicatorHit).where(IndicatorHit.ad_version_id == v1.id,
                                                     IndicatorHit.code == "MOVEMENT")).first()
    assert hit is not None and hit.lexicon_id == "indicators_da" and hit.text == "ny i byen"
    assert "Anna 22 ny i byen"[hit.start:hit.end] == hit.text and hit.source == "title"

    codes2 = set(session.scalars(select(IndicatorHit.code).where(IndicatorHit.ad_version_id == v2.id)))
    assert codes2 == set()
    assert session.scalars(select(AdContact.value).where(AdContact.ad_version_id == v2.id)).all() == ["+46701234567"]
    r3 = session.scalars(select(AdReading).where(AdReading.ad_version_id == v3.id)).one()
    assert r3.status == "partial" and "E201" in str(r3.facts["skipped"])

    # Incremental: nothing new to read; a new version is read alone.
    assert process_readings(session, settings, progress=False).read == 0
    _add_ad(session, "4", "Ny", "Ring 22 33 44 55")
    session.commit()
    assert process_readings(session, settings, progress=False).read == 1

    # Reprocess re-reads everything and keeps one reading per version.
    assert process_readings(session, settings, reprocess=True, progress=False).read == 4
    assert session.scalar(select(func.count(AdReading.id))) == 4
    assert session.scalar(select(func.count(AdContact.id)).where(AdContact.ad_version_id == v1.id)) == 2


def test_stage_leaves_the_garbage_collector_as_it_found_it(session: Session, settings: AppSettings) -> None:
    """gc_policy: the heap is frozen and the young threshold raised only while the stage runs."""
    import gc

    before = gc.get_threshold(), gc.get_freeze_count()
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    _add_ad(session, "1", "Mia 23 ny i byen", "Ring 20 12 34 56")
    session.commit()
    assert process_readings(session, settings, progress=False).read == 1
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_low_price_against_market(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    for i in range(10):
        _add_ad(session, f"p{i}", "Sød pige", f"Aarhus. 1 time {1500 + 10 * i} kr")
    cheap = _add_ad(session, "cheap", "Sød pige", "Aarhus. 1 time 500 kr")
    session.commit()
    stats = process_readings(session, settings, progress=False)
    assert stats.low_price == 1
    hit = session.scalars(select(IndicatorHit).where(IndicatorHit.code == "LOW_PRICE")).one()
    assert hit.ad_version_id == cheap.id and "Aarhus" in hit.text


def test_batched_rows_point_at_their_own_reading(session: Session, settings: AppSettings) -> None:
    """The batch insert matches new reading ids back by version: every contact and hit row sits under the
    reading of its own ad version, also across batches and for versions written twice (two stamps)."""
    from storage.reading_repo import replace_readings

    session.add(Site(id="demo", name="Demo"))
    session.flush()
    versions = [_add_ad(session, str(i), f"Mia {20 + i} ny i byen", f"Ring 20 12 34 {10 + i}") for i in range(7)]
    session.commit()
    assert process_readings(session, settings, progress=False, batch_size=3).read == 7
    for v in versions:
        rid = session.scalars(select(AdReading.id).where(AdReading.ad_version_id == v.id)).one()
        owners = set(session.scalars(select(AdContact.reading_id).where(AdContact.ad_version_id == v.id)))
        owners |= set(session.scalars(select(IndicatorHit.reading_id).where(IndicatorHit.ad_version_id == v.id)))
        assert owners == {rid}
    # the same version twice in one batch (two stamps): ids keep the parameter order
    base = {"ad_id": versions[0].ad_id, "site_id": "demo", "reader_version": "x", "lexicon_versions": {},
            "language": "da", "facts": {}, "n_indicators": 0, "duration_ms": 0.0, "status": "ok"}
    items = [({**base, "ad_version_id": versions[0].id, "stamp": stamp},
              [{"kind": "phone", "value": f"+45{stamp}", "obfuscated": False, "evidence": None}], [])
             for stamp in ("s1", "s2")]
    replace_readings(session=session, items=items)
    session.commit()
    for stamp in ("s1", "s2"):
        rid = session.scalars(select(AdReading.id).where(AdReading.stamp == stamp)).one()
        assert session.scalars(select(AdContact.value).where(AdContact.reading_id == rid)).all() == [f"+45{stamp}"]


def test_nul_in_the_input_never_reaches_the_rows(settings: AppSettings) -> None:
    """PostgreSQL rejects NUL in text and JSONB: a reading of an input with NUL is cleaned before writing."""
    from classifiers.reading import load_resources, read_ad
    from classifiers.reading_stage import _has_nul, contact_rows, hit_rows, input_has_nul, to_values

    assert input_has_nul("a", "b\x00", {}) and input_has_nul("a", "b", {"phones": ["2\x00"]})
    assert not input_has_nul("a", "b", {"phones": ["20123456"]}) and input_has_nul(b"a", "b", {})
    res = load_resources(settings)
    title, text, raw = "Ny\x00 i byen", "Ring 20\x00 12 34 56 nu", {"phones": ["tel:+45\x0020123457"]}
    reading = read_ad(title, text, raw, settings=settings, resources=res)
    nul = input_has_nul(title, text, raw)
    values = to_values(reading, version_id=1, ad_id=1, site_id="demo", res=res, duration_ms=1.0, maybe_nul=nul)
    rows = contact_rows(reading, maybe_nul=nul) + hit_rows(reading)
    assert reading.phones and rows
    assert _has_nul(reading.as_dict()) and not _has_nul(values) and not _has_nul(rows)
