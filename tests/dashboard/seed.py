"""Seeded, synthetic dashboard data written through the ORM (no mocks): users, a site with crawl runs, ads
with versions and photos, a network with edges and scores, leads, and one ad full of XSS payloads.

Phone numbers are fictional (Danish 555-01xx style ranges are not allocated, so we use the documented
fictional pattern with a +45 prefix in text only).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from dashboard.auth import hash_password
from storage import decision_repo, people_repo
from storage.blobs import BlobStore
from storage.models import (
    Ad,
    AdCluster,
    AdContact,
    AdEdge,
    AdPhoto,
    AdReading,
    AdVersion,
    Cluster,
    CrawlRun,
    IndicatorHit,
    Lead,
    LeadAd,
    LeadEvent,
    Photo,
    RiskScore,
    Site,
    User,
    utcnow,
)

PASSWORD = "correct horse battery staple"
XSS_PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "<svg/onload=window.__xss=3>",
    "javascript:window.__xss=4",
    "{{ 7*7 }}{% raw %}",
    "<iframe srcdoc='<script>parent.__xss=5</script>'></iframe>",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
]
XSS_TEXT = "Hi " + " ".join(XSS_PAYLOADS) + " new in town, call +45 555 0123"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One argon2 hash shared by every seeded user (hashing is deliberately slow)."""
    return hash_password(PASSWORD)


@dataclass
class Seeded:
    """Seeded: ids of what ``seed`` created, for assertions."""

    users: dict[str, int] = field(default_factory=dict)
    ads: list[int] = field(default_factory=list)
    xss_ad: int = 0
    evidence_ad: int = 0
    photo_id: int = 0
    svg_photo_id: int = 0
    cluster_id: int = 0
    other_cluster_id: int = 0
    decisions: list[int] = field(default_factory=list)
    lead_mine: int = 0
    lead_other: int = 0
    site_id: str = "demo_board"


def png_bytes(seed: int, size: int = 96) -> bytes:
    rnd = random.Random(seed)
    img = Image.new("RGB", (size, size), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    for _ in range(12):
        x, y = rnd.randrange(size - 20), rnd.randrange(size - 20)
        for dx in range(20):
            for dy in range(20):
                img.putpixel((x + dx, y + dy), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def add_reading(session: Session, version: AdVersion, *, site_id: str, spans: list[tuple[int, int, str]],
                phones: list[str], city: str | None = None, nationality: str | None = None,
                age: int | None = None, language: str = "en", title_spans: list[tuple[int, int, str]] = ()) -> None:
    """The extract stage's rows for one version: a reading, its contacts and indicator hits with offsets."""
    reading = AdReading(ad_version_id=version.id, ad_id=version.ad_id, site_id=site_id, stamp="test.v1",
                        reader_version="test.v1", language=language, age=age, city=city, nationality=nationality,
                        price_dkk_per_hour=1000.0, n_indicators=len(spans))
    session.add(reading)
    session.flush()
    for phone in phones:
        session.add(AdContact(reading_id=reading.id, ad_id=version.ad_id, ad_version_id=version.id, kind="phone",
                              value=phone))
    for source, items, text in (("text", spans, version.text), ("title", title_spans, version.title or "")):
        for start, end, code in items:
            session.add(IndicatorHit(reading_id=reading.id, ad_id=version.ad_id, ad_version_id=version.id, code=code,
                                     indicator_id=code.lower(), lexicon_id="indicators_en", lexicon_version=1,
                                     source=source, start=start, end=end, text=text[start:end]))


USERS = (("admin", "admin"), ("anna", "analyst"), ("otto", "outreach"), ("olga", "outreach"))


def seed(session: Session, blobs_dir: Path, *, n_ads: int = 12,
         users: tuple[str, ...] = ("admin", "anna", "otto", "olga")) -> Seeded:
    """seed (Seeded): a small but complete world for dashboard tests (``users``: which accounts exist)."""
    out = Seeded()
    for name, role in USERS:
        if name not in users:
            continue
        user = people_repo.create_user(session=session, username=name, password_hash=password_hash(),
                                       role=role, language="en")
        out.users[name] = user.id
    now = utcnow()
    site = Site(id=out.site_id, name="Demo Board", enabled=True)
    session.add(site)
    session.add(Site(id="other_board", name="Other Board", enabled=True))
    session.flush()
    run = CrawlRun(site_id=site.id, started_at=now - timedelta(hours=3), finished_at=now - timedelta(hours=2),
                   status="finished", finish_reason="finished", pages=40, ads_seen=n_ads, ads_new=n_ads,
                   health="ok", health_messages=[])
    bad = CrawlRun(site_id="other_board", started_at=now - timedelta(hours=5), finished_at=now - timedelta(hours=5),
                   status="finished", finish_reason="finished", pages=2, ads_seen=0, errors=3, health="unhealthy",
                   health_messages=["item count 0 < 20 (<b>selector broke?</b>)"])
    session.add_all([run, bad])
    session.flush()
    store = BlobStore(blobs_dir)
    cities = ["København", "Aarhus", "Odense", "Aalborg"]
    for i in range(n_ads):
        title = f"Sofie {20 + i} — new in town" if i % 3 == 0 else f"Anna {21 + i}, massage"
        text = (f"Hi, I am {title.split()[0]}. New in town, only a few days. Call my manager +45 555 01{i:02d}. "
                f"Meget ung og frisk. Available 24/7.")
        ad = Ad(site_id=site.id, external_id=f"ad{i}", url=f"https://board.example/ad/{i}",
                first_seen_at=now - timedelta(days=i % 5, hours=i), last_seen_at=now - timedelta(hours=i),
                last_run_id=run.id)
        session.add(ad)
        session.flush()
        raw = {"phones": [f"+45 555 01{i:02d}"], "city": cities[i % 4], "age": str(20 + i), "price": "1000 DKK",
               "nationality": ["romanian", "danish", "thai"][i % 3]}
        if i == 1:  # an older version, to show a diff
            old = AdVersion(ad_id=ad.id, run_id=run.id, content_sha256=f"old{i}", title=title,
                            text=text.replace("only a few days", "for a week"), raw_fields=raw,
                            seen_at=now - timedelta(days=3))
            session.add(old)
        version = AdVersion(ad_id=ad.id, run_id=run.id, content_sha256=f"sha{i}", title=title, text=text,
                            raw_fields=raw, seen_at=now - timedelta(hours=i))
        session.add(version)
        session.flush()
        ad.current_version_id = version.id
        start = text.index("New in town")
        manager = text.index("Call my manager")
        add_reading(session, version, site_id=site.id, phones=[f"+4555501{i:02d}"], city=cities[i % 4],
                    nationality=["RO", "DK", "TH"][i % 3], age=20 + i,
                    spans=[(start, start + len("New in town"), "MOVEMENT"),
                           (manager, manager + len("Call my manager"), "THIRD_PARTY")],
                    title_spans=[(title.index("new in town"), title.index("new in town") + 11, "MOVEMENT")]
                    if "new in town" in title else [])
        session.add(RiskScore(target="ad", target_id=ad.id, score=round(0.95 - i * 0.06, 2),
                              model_version="test.v1",
                              explanation=[{"code": "THIRD_PARTY", "contribution": 0.3,
                                            "evidence": "Call my manager"},
                                           {"code": "MOVEMENT", "contribution": 0.1}]))
        if i < 3:
            sha, rel = store.put(png_bytes(i), ext=".png")
            photo = Photo(sha256=sha, path=rel, width=96, height=96, format="png", size_bytes=1000)
            session.add(photo)
            session.flush()
            session.add(AdPhoto(ad_id=ad.id, photo_id=photo.id, source_url=f"https://board.example/p/{i}.png"))
            out.photo_id = out.photo_id or photo.id
        out.ads.append(ad.id)
    out.evidence_ad = out.ads[0]
    # An SVG masquerading as a photo: must never be served.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    sha, rel = store.put(svg, ext=".svg")
    svg_photo = Photo(sha256=sha, path=rel, width=1, height=1, format="svg", size_bytes=len(svg))
    session.add(svg_photo)
    session.flush()
    session.add(AdPhoto(ad_id=out.ads[1], photo_id=svg_photo.id, source_url="https://board.example/x.svg"))
    out.svg_photo_id = svg_photo.id

    # The hostile ad.
    xss = Ad(site_id=site.id, external_id="xss", url="javascript:window.__xss=9", first_seen_at=now,
             last_seen_at=now)
    session.add(xss)
    session.flush()
    xv = AdVersion(ad_id=xss.id, content_sha256="xss", title='<img src=x onerror="window.__xss=7">Title',
                   text=XSS_TEXT, raw_fields={"phones": ['<script>window.__xss=8</script>'],
                                             "city": "<b onmouseover=window.__xss=6>Køge</b>",
                                             "nationality": "<script>1</script>"})
    session.add(xv)
    session.flush()
    xss.current_version_id = xv.id
    s = XSS_TEXT.index("new in town")
    add_reading(session, xv, site_id=site.id, phones=['<script>window.__xss=8</script>'],
                city="<b onmouseover=window.__xss=6>Køge</b>", nationality="<b>x",
                spans=[(s, s + len("new in town"), '"><script>__xss=10</script>')])
    session.add(RiskScore(target="ad", target_id=xss.id, score=0.99, model_version="test.v1",
                          explanation=[{"code": "<script>window.__xss=11</script>"}]))
    out.xss_ad = xss.id

    # A network of the first four ads linked by a shared phone and a photo group.
    cluster = Cluster(id=9001, size=4, version="test.v1")
    session.add(cluster)
    for ad_id in out.ads[:4]:
        session.add(AdCluster(ad_id=ad_id, cluster_id=cluster.id))
    for a, b in zip(out.ads[:3], out.ads[1:4], strict=True):
        session.add(AdEdge(kind="phone", ad_a=a, ad_b=b, value="+4555501000", linker="phone_exact.v1"))
    session.add(AdEdge(kind="photo", ad_a=out.ads[0], ad_b=out.ads[2], value="group-7", linker="photo_phash.v1"))
    session.add(RiskScore(target="cluster", target_id=cluster.id, score=0.91, model_version="test.v1",
                          explanation=[{"code": "SHARED_PHONE", "evidence": "4 ads, 1 phone"}]))
    out.cluster_id = cluster.id
    # A second, small network (ads 8 and 9), to merge with the first one.
    other = Cluster(id=9002, size=2, version="test.v1")
    session.add(other)
    for ad_id in out.ads[7:9]:
        session.add(AdCluster(ad_id=ad_id, cluster_id=other.id))
    session.add(AdEdge(kind="phone", ad_a=out.ads[7], ad_b=out.ads[8], value="+4555509999", linker="phone_exact.v1"))
    session.add(RiskScore(target="cluster", target_id=other.id, score=0.4, model_version="test.v1", explanation=[]))
    out.other_cluster_id = other.id
    session.flush()
    # Two pending analyst splits of the first network (through the repository the dashboard uses).
    for selected in (out.ads[3:4], out.ads[2:3]):
        decision, _ = decision_repo.record_split(session=session, cluster_id=cluster.id, ad_ids=selected,
                                                 user_id=out.users.get("anna"), requested_by="seed",
                                                 note="not the same person")
        out.decisions.append(decision.id)

    # Leads: one assigned to otto, one to olga.
    for key, assignee, ad_id in (("lead_mine", "otto", out.ads[5]), ("lead_other", "olga", out.ads[6])):
        if assignee not in out.users:
            continue
        lead = Lead(status="assigned", opened_by="score", score=0.8, contacts=[f"+45 555 01{ad_id % 100:02d}"],
                    cities=["Aarhus"], languages=["ro"], assigned_to=out.users[assignee])
        session.add(lead)
        session.flush()
        session.add(LeadAd(lead_id=lead.id, ad_id=ad_id))
        session.add(LeadEvent(lead_id=lead.id, action="opened", to_status="new"))
        setattr(out, key, lead.id)
    people_repo.create_partner(session=session, name="Reden København", offers="Shelter, counselling",
                               languages="da, en, ro", contact="fictional: reden@example.org")
    session.commit()
    return out


def user(session: Session, name: str) -> User:
    found = people_repo.get_user_by_name(session=session, username=name)
    assert found is not None
    return found
