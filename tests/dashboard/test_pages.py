"""Pages and flows: overview, review queue, ad page (evidence, blurred photos, versions), labels, leads
(promote, assign, status, notes, referrals, CSV), search, saved searches, partners, admin; all audited."""

from __future__ import annotations

import csv
import io

from lxml import html as lxml_html
from sqlalchemy import select

from storage import people_repo
from storage.models import Label, Lead, LeadEvent
from tests.dashboard.seed import Seeded


def audit_actions(app, **filters) -> list[str]:
    with app.state.session_factory() as session:
        return [e.action for e in people_repo.list_audit(session=session, **filters)]


def doc(resp):
    assert resp.status_code == 200, resp.text[:300]
    return lxml_html.fromstring(resp.text)


def test_overview_shows_counts_and_crawl_health(client_for, seeded: Seeded) -> None:
    page = doc(client_for("anna").get("/overview"))
    stats = [s.text_content().strip() for s in page.cssselect(".stat .n")]
    assert stats[0] == str(len(seeded.ads) + 1 - sum(1 for _ in []) - 0) or int(stats[0]) > 0
    rows = page.cssselect("table tbody tr")
    text = " ".join(r.text_content() for r in rows)
    assert "Demo Board" in text and "Other Board" in text and "unhealthy" in text
    assert "selector broke?" in text  # health messages shown (escaped)
    assert page.cssselect("svg.chart rect")


def test_overview_trends_per_night(client_for, seeded: Seeded) -> None:
    page = doc(client_for("anna").get("/overview"))
    cards = page.cssselect(".trend-card")
    assert len(cards) == 2
    indicators, cities = ([li.text_content() for li in c.cssselect(".legend li")] for c in cards)
    assert any("MOVEMENT" in x for x in indicators) and any("THIRD_PARTY" in x for x in indicators)
    assert any("Aarhus" in x for x in cities) and any("København" in x for x in cities)
    for card in cards:
        lines = card.cssselect("svg.chart.trend polyline")
        assert lines and all(len(p.get("points").split()) == 14 for p in lines)  # one point per night
    # the same nightly scan gives the fortnight totals
    assert [b.text_content() for b in page.cssselect(".hbar .badge.b-ind")][:1] in (["THIRD_PARTY"], ["MOVEMENT"])


def test_series_per_night_counts_each_ad_on_its_first_night(session, seeded: Seeded) -> None:
    series = people_repo.series_per_night(session=session, days=14)
    assert len(series.nights) == 14
    # 12 seeded ads have THIRD_PARTY; the hostile ad's code is its own (escaped on the page)
    assert sum(series.indicators["THIRD_PARTY"]) == len(seeded.ads)
    assert sum(sum(v) for v in series.cities.values()) == len(seeded.ads) + 1  # + the hostile ad's city
    assert series.cities["Aarhus"][-1] >= 0 and all(len(v) == 14 for v in series.cities.values())


def test_review_queue_sorted_by_risk_with_labels(client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    anna.post_form(f"/ads/{seeded.ads[0]}/label", {"value": "concern"})
    page = doc(anna.get("/review"))
    ids = [int(tr.get("data-ad")) for tr in page.cssselect("tr[data-ad]")]
    assert ids[0] == seeded.xss_ad and ids[1] == seeded.ads[0]  # 0.99, then 0.95, ...
    first = page.cssselect(f"tr[data-ad='{seeded.ads[0]}']")[0]
    assert "concern" in first.cssselect(f"#label-{seeded.ads[0]}")[0].text_content()
    unlabelled = doc(anna.get("/review?labelled=no"))
    assert seeded.ads[0] not in [int(tr.get("data-ad")) for tr in unlabelled.cssselect("tr[data-ad]")]
    partial = anna.get("/review?site=other_board", headers={"HX-Request": "true", "HX-Target": "queue-rows"})
    assert "<html" not in partial.text and "Nothing to review" in partial.text


def test_ad_page_evidence_photos_versions_and_audit(app, client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    page = doc(anna.get(f"/ads/{seeded.ads[1]}"))
    marks = page.cssselect("#ad-text mark.ev")
    assert {m.get("data-code") for m in marks} >= {"MOVEMENT", "THIRD_PARTY"}
    assert marks[0].text_content() == "New in town"
    assert "+4555501" in page.cssselect("dl.facts")[0].text_content()  # contacts from the extract stage
    photos = page.cssselect("button.photo")
    assert photos and all("blurred" in p.get("class") for p in photos)
    assert photos[0].cssselect("img")[0].get("src").startswith("/photos/")
    assert page.cssselect("details.version ins, details.version del")  # the diff of the two versions
    assert "+45 555 0101" in page.text_content()  # contact shown ...
    assert "ad.view" in audit_actions(app, object_type="ad", object_id=str(seeded.ads[1]))  # ... and audited
    notes = " ".join(n.text_content().lower() for n in page.cssselect(".context-note"))
    assert "nationality is context" in notes
    linked = page.cssselect(".evlist a[href^='/ads/']")
    assert linked  # linked ads through the shared phone


def test_label_is_stored_and_audited(app, client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    resp = anna.post_form(f"/ads/{seeded.ads[2]}/label", {"value": "no_concern", "note": "looks independent"})
    assert resp.status_code == 303
    with app.state.session_factory() as session:
        label = session.scalar(select(Label).where(Label.ad_id == seeded.ads[2]))
        assert label.value == "no_concern" and label.note == "looks independent"
    assert "label.add" in audit_actions(app)
    bad = anna.post_form(f"/ads/{seeded.ads[2]}/label", {"value": "guilty"})
    assert bad.status_code == 422


def test_promote_assign_and_outreach_flow(app, client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    resp = anna.post_form(f"/ads/{seeded.ads[0]}/promote",
                          {"note": "shared phone across 4 ads", "assignee_id": str(seeded.users["otto"])})
    assert resp.status_code == 303
    lead_id = int(resp.headers["location"].rsplit("/", 1)[1])
    with app.state.session_factory() as session:
        lead = session.get(Lead, lead_id)
        assert lead.cluster_id == seeded.cluster_id and lead.assigned_to == seeded.users["otto"]
        assert lead.status == "assigned"
    otto = client_for("otto")
    page = doc(otto.get(f"/leads/{lead_id}"))
    contacts = page.cssselect("dl.facts")[0].text_content()
    assert "+455550100" in contacts and "+455550103" in contacts  # the whole network's contacts
    assert not page.cssselect("a[href^='/ads/']")  # outreach gets no links into ad browsing
    resp = otto.post_form(f"/leads/{lead_id}/status", {"status": "contacted", "note": "first SMS sent"})
    assert resp.status_code == 303
    otto.post_form(f"/leads/{lead_id}/referral", {"partner_id": "1", "note": "shelter place"})
    export = otto.get("/leads/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    mine = {int(r["lead_id"]) for r in rows}
    assert lead_id in mine and seeded.lead_other not in mine
    row = next(r for r in rows if int(r["lead_id"]) == lead_id)
    assert row["status"] == "contacted" and "Reden" in row["partners"]
    with app.state.session_factory() as session:
        events = [e.action for e in session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id))]
    assert {"opened", "assigned", "status"} <= set(events)
    actions = audit_actions(app)
    for action in ("lead.promote", "lead.view", "lead.status", "lead.referral", "export.outreach_csv"):
        assert action in actions, action
    history = doc(anna.get(f"/leads/{lead_id}")).cssselect(".timeline li")
    assert any("first SMS sent" in li.text_content() for li in history)


def test_search_phone_in_any_format_and_saved_search(app, client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    for q in ("+45 555 0103", "55501 03", "45-555-0103", "5550103"):
        page = doc(anna.get("/search", params={"q": q}))
        hits = [a.get("href") for a in page.cssselect("td a[href^='/ads/']")]
        assert f"/ads/{seeded.ads[3]}" in hits, q
    text_hits = doc(anna.get("/search", params={"q": "massage"})).cssselect("td a[href^='/ads/']")
    assert len(text_hits) >= 4
    resp = anna.post_form("/search/saved", {"name": "Sofie", "q": "Sofie"})
    assert resp.status_code == 303
    saved = doc(anna.get("/search")).cssselect(".card a[href*='saved=']")
    assert saved and saved[0].text_content() == "Sofie"
    assert "search" in audit_actions(app)


def test_api(client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    assert anna.get("/api/me").json()["role"] == "analyst"
    review = anna.get("/api/review?limit=5").json()
    assert [r["id"] for r in review][:2] == [seeded.xss_ad, seeded.ads[0]]
    ad = anna.get(f"/api/ads/{seeded.ads[0]}").json()
    for span in ad["evidence"]:
        assert ad["text"][span["start"]:span["end"]] == span["text"]
    patch = anna.patch(f"/api/leads/{seeded.lead_mine}", json={"status": "triaged"},
                       headers={"X-CSRF-Token": anna.csrf})
    assert patch.status_code == 200 and patch.json()["status"] == "triaged"
    assert anna.patch(f"/api/leads/{seeded.lead_mine}", json={"status": "triaged", "extra": 1},
                      headers={"X-CSRF-Token": anna.csrf}).status_code == 422
    schema = anna.get("/api/openapi.json").json()
    assert "/api/leads/{lead_id}" in schema["paths"] and "/overview" not in schema["paths"]


def test_admin_users_sites_audit(app, client_for, seeded: Seeded) -> None:
    admin = client_for("admin")
    resp = admin.post_form("/admin/users", {"username": "nina", "role": "outreach", "password": "long enough pw"})
    assert resp.status_code == 303
    short = admin.post_form("/admin/users", {"username": "nils", "role": "outreach", "password": "short"})
    assert short.status_code == 422
    dup = admin.post_form("/admin/users", {"username": "nina", "role": "outreach", "password": "long enough pw"})
    assert dup.status_code == 422
    page = doc(admin.get("/admin/users"))
    assert page.cssselect("tr[data-user='nina']")
    admin.post_form(f"/admin/sites/{seeded.site_id}/enabled", {"enabled": "false"})
    audit_page = doc(admin.get("/admin/audit"))
    text = audit_page.text_content()
    assert "user.create" in text and "site.disable" in text
    export = admin.get("/admin/audit.csv")
    assert "user.create" in export.text
    assert "export.audit_log" in audit_actions(app)


def test_bias_report_and_retention(client_for, seeded: Seeded) -> None:
    admin = client_for("admin")
    rows = doc(admin.get("/admin/bias")).cssselect("table tbody tr")
    nationalities = {r.cssselect("td")[0].text_content() for r in rows}
    assert {"ro", "dk", "th"} <= nationalities
    assert "raw pages kept" in admin.get("/admin/retention").text


def test_partners_directory(client_for, seeded: Seeded) -> None:
    otto = client_for("otto")
    page = doc(otto.get("/partners"))
    assert "Reden København" in page.text_content() and not page.cssselect("form[action='/partners']")
    anna = client_for("anna")
    assert anna.post_form("/partners", {"name": "Legal Aid DK", "languages": "da, en"}).status_code == 303
    assert "Legal Aid DK" in anna.get("/partners").text


def test_partners_suggested_by_the_leads_languages(session, client_for, seeded: Seeded) -> None:
    people_repo.create_partner(session=session, name="Thai Help", offers="Health", languages="th, en",
                               contact="fictional")
    people_repo.create_partner(session=session, name="Aid RO", offers="Legal aid", languages="RO",
                               contact="fictional: aid@example.org")
    session.commit()
    page = doc(client_for("otto").get(f"/leads/{seeded.lead_mine}"))  # the lead's languages: ["ro"]
    suggested = [li.cssselect("strong")[0].text_content() for li in page.cssselect(".suggested-partners li")]
    assert suggested == ["Aid RO", "Reden København"]  # both speak Romanian; Thai Help does not
    options = [o.text_content() for o in page.cssselect("select#partner option")]
    assert options[0].startswith("★ Aid RO") and options[-1] == "Thai Help (th, en)"


def test_suggest_partners_ranks_the_first_language_first() -> None:
    from storage.models import PartnerService

    partners = [PartnerService(id=1, name="B", languages="en, ro"), PartnerService(id=2, name="A", languages="en"),
                PartnerService(id=3, name="C", languages="ro; en/da"), PartnerService(id=4, name="D", languages="")]
    assert [p.name for p in people_repo.suggest_partners(partners, ["RO", "en"])] == ["B", "C", "A"]
    assert people_repo.suggest_partners(partners, []) == []
    assert people_repo.language_codes(" da, EN ,da;ro ") == ["da", "en", "ro"]


def test_network_page_and_graph(client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    listing = doc(anna.get("/networks"))
    assert listing.cssselect(f"a[href='/networks/{seeded.cluster_id}']")
    page = doc(anna.get(f"/networks/{seeded.cluster_id}"))
    assert page.cssselect("svg#graph[data-src]")
    assert page.cssselect(".timeline li")
    graph = anna.get(f"/networks/{seeded.cluster_id}/graph.json").json()
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"ad", "phone", "photo"} <= kinds
    assert anna.post_form(f"/networks/{seeded.cluster_id}/label", {"value": "concern"}).status_code == 303
    assert doc(anna.get(f"/networks/{seeded.cluster_id}")).cssselect("ul.labels .b-concern")
    ids = {n["id"] for n in graph["nodes"]}
    assert all(lk["source"] in ids and lk["target"] in ids for lk in graph["links"])


def test_language_switch(client_for, seeded: Seeded) -> None:
    anna = client_for("anna")
    assert "Review queue" in anna.get("/review").text
    anna.post_form("/lang", {"lang": "da", "next": "/review"})
    page = anna.get("/review").text
    assert "Gennemgang" in page and 'lang="da"' in page
    with anna.app.state.session_factory() as session:
        assert people_repo.get_user_by_name(session=session, username="anna").language == "da"


def test_review_queue_paging_same_with_and_without_cached_head(session, seeded: Seeded) -> None:
    head = people_repo.top_ad_scores(session=session)
    for filters in ({}, {"site": "demo_board"}, {"city": "Aarhus"}, {"indicator": "MOVEMENT"}, {"status": "removed"}):
        for offset, limit in ((0, 5), (5, 5), (10, 5), (0, 50)):
            plain = [r.id for r in people_repo.review_queue(session=session, offset=offset, limit=limit, **filters)]
            cached = [r.id for r in people_repo.review_queue(session=session, offset=offset, limit=limit,
                                                            top_scores=head, **filters)]
            assert plain == cached, (filters, offset)
