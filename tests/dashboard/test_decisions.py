"""Merge, split and undo on the network page and the API, through the real app on SQLite and PostgreSQL: forms
with CSRF, validation with clear messages, audit entries, relink requests, roles, and the link stage applying
the decisions (pending -> applied)."""

from __future__ import annotations

from lxml import html as lxml_html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.link_stage import run_linking
from config.settings import AppSettings
from storage.models import AdCluster, AuditLog, ClusterDecision, RelinkRequest
from tests.dashboard.seed import Seeded


def page(resp, status: int = 200):
    assert resp.status_code == status, resp.text[:500]
    return lxml_html.fromstring(resp.text)


def audit_actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_network_page_merge_split_and_undo(client_for, seeded: Seeded, session: Session) -> None:
    anna = client_for("anna")
    net = f"/networks/{seeded.cluster_id}"
    doc = page(anna.get(net))
    boxes = doc.cssselect("input[type=checkbox][name=ad_id][form=split-form]")
    assert sorted(int(b.get("value")) for b in boxes) == seeded.ads[:4]
    assert doc.cssselect("form#merge-form input[name=csrf_token]") and doc.cssselect("form#split-form")
    assert len(doc.cssselect("ul.decisions li .badge.b-warn")) == 2  # the two seeded splits are pending
    requests_before = session.scalar(select(func.count()).select_from(RelinkRequest))

    resp = anna.post_form(f"{net}/merge", {"other_id": str(seeded.other_cluster_id), "note": "same manager"})
    assert resp.status_code == 303 and resp.headers["location"] == net
    doc = page(anna.get(net))
    assert f"Network #{seeded.other_cluster_id} merged into #{seeded.cluster_id}" in doc.text_content()
    assert "same manager" in doc.text_content()
    merge = session.scalar(select(ClusterDecision).where(ClusterDecision.action == "merge"))
    assert merge is not None and merge.side_b == seeded.ads[7:9] and merge.side_a == seeded.ads[:4]
    assert session.scalar(select(func.count()).select_from(RelinkRequest)) == requests_before + 1
    assert audit_actions(session)[-1] == "network.merge"

    resp = anna.post_form(f"{net}/split", {"ad_id": str(seeded.ads[0]), "note": "other phone"})
    assert resp.status_code == 303
    assert audit_actions(session)[-1] == "network.split"
    split = session.scalar(select(ClusterDecision).order_by(ClusterDecision.id.desc()).limit(1))
    assert split.action == "split" and split.side_a == [seeded.ads[0]] and split.side_b == seeded.ads[1:4]

    # Undo: the decision is revoked (kept, with who and why), audited and relinked.
    resp = anna.post_form(f"{net}/decisions/{split.id}/revoke", {"reason": "wrong ad"})
    assert resp.status_code == 303
    doc = page(anna.get(net))
    item = doc.cssselect(f"#decision-{split.id}")[0]
    assert "Undone by anna" in item.text_content() and "wrong ad" in item.text_content()
    assert not item.cssselect("form")  # no second undo
    assert audit_actions(session)[-1] == "network.decision_revoke"
    doc = page(anna.post_form(f"{net}/decisions/{split.id}/revoke", {}), 409)
    assert "[E607]" in doc.cssselect(".flash-bad")[0].text_content()


def test_network_forms_refuse_invalid_decisions_with_a_reason(client_for, seeded: Seeded, session: Session) -> None:
    anna = client_for("anna")
    net = f"/networks/{seeded.cluster_id}"
    n = session.scalar(select(func.count()).select_from(ClusterDecision))
    cases = [
        ("merge", {"other_id": str(seeded.cluster_id)}, "[E601] a network cannot be merged with itself"),
        ("merge", {"other_id": "424242"}, "[E602] there is no network #424242"),
        ("merge", {"other_id": "nine"}, "[E608]"),
        ("split", {}, "[E603] select at least one ad"),
        ("split", {"ad_id": str(seeded.ads[5])}, f"[E605] ads not in network #{seeded.cluster_id}: {seeded.ads[5]}"),
        ("split", {"ad_id": "x1"}, "[E609]"),
    ]
    for action, data, message in cases:
        doc = page(anna.post_form(f"{net}/{action}", data), 422)
        assert message in doc.cssselect(".flash-bad")[0].text_content(), (action, data)
    # Every ad selected: nothing would be left.
    resp = anna.post(f"{net}/split", data={"csrf_token": anna.csrf, "ad_id": [str(a) for a in seeded.ads[:4]]},
                     follow_redirects=False)
    assert "[E604]" in page(resp, 422).cssselect(".flash-bad")[0].text_content()
    assert session.scalar(select(func.count()).select_from(ClusterDecision)) == n
    assert anna.post_form("/networks/424242/merge", {"other_id": str(seeded.cluster_id)}).status_code == 404
    # Without the CSRF token nothing is recorded.
    resp = anna.post(f"{net}/merge", data={"other_id": str(seeded.other_cluster_id)}, follow_redirects=False)
    assert resp.status_code == 403
    assert session.scalar(select(func.count()).select_from(ClusterDecision)) == n


def test_outreach_never_and_admin_without_ad_content(client_for, seeded: Seeded) -> None:
    otto = client_for("otto")
    net = f"/networks/{seeded.cluster_id}"
    assert otto.post_form(f"{net}/merge", {"other_id": str(seeded.other_cluster_id)}).status_code == 403
    headers = {"X-CSRF-Token": otto.csrf}
    assert otto.get(f"/api{net}/decisions").status_code == 403
    assert otto.post(f"/api{net}/split", json={"ad_ids": [seeded.ads[0]]}, headers=headers).status_code == 403
    admin = client_for("admin")
    # Admins may record and undo decisions, but an error never shows them the network page (ad content).
    resp = admin.post_form(f"{net}/merge", {"other_id": str(seeded.cluster_id)})
    assert resp.status_code == 422 and "Sofie" not in resp.text
    assert admin.get(net).status_code == 403


def test_api_merge_split_list_and_revoke(client_for, seeded: Seeded, session: Session) -> None:
    anna = client_for("anna")
    h = {"X-CSRF-Token": anna.csrf}
    base = f"/api/networks/{seeded.cluster_id}"
    resp = anna.post(f"{base}/merge", json={"other_cluster_id": seeded.other_cluster_id, "note": "api"}, headers=h)
    assert resp.status_code == 201, resp.text
    merge = resp.json()
    assert merge["status"] == "pending" and merge["username"] == "anna" and merge["side_b"] == seeded.ads[7:9]
    bad = anna.post(f"{base}/merge", json={"other_cluster_id": seeded.cluster_id}, headers=h)
    assert bad.status_code == 422 and "E601" in bad.json()["detail"]
    assert anna.post(f"{base}/merge", json={"other_cluster_id": 5, "extra": 1}, headers=h).status_code == 422
    assert anna.post("/api/networks/424242/merge", json={"other_cluster_id": seeded.cluster_id},
                     headers=h).status_code == 404
    foreign = anna.post(f"{base}/split", json={"ad_ids": [seeded.ads[0], seeded.ads[6]]}, headers=h)
    assert foreign.status_code == 422 and str(seeded.ads[6]) in foreign.json()["detail"]
    assert anna.post(f"{base}/split", json={"ad_ids": []}, headers=h).status_code == 422
    split = anna.post(f"{base}/split", json={"ad_ids": [seeded.ads[1]]}, headers=h)
    assert split.status_code == 201 and split.json()["side_a"] == [seeded.ads[1]]
    listed = anna.get(f"{base}/decisions").json()
    assert [d["id"] for d in listed][:2] == [split.json()["id"], merge["id"]]  # newest first
    assert anna.get(f"/api/networks/{seeded.other_cluster_id}/decisions").json()[0]["id"] == merge["id"]
    assert anna.get("/api/networks/424242/decisions").status_code == 404
    undone = anna.post(f"/api/decisions/{merge['id']}/revoke", json={"reason": "not the same"}, headers=h)
    assert undone.status_code == 200 and undone.json()["status"] == "revoked"
    assert undone.json()["revoked_by"] == "anna" and undone.json()["revoke_reason"] == "not the same"
    assert anna.post(f"/api/decisions/{merge['id']}/revoke", json={}, headers=h).status_code == 409
    assert anna.post("/api/decisions/424242/revoke", json={}, headers=h).status_code == 404
    actions = audit_actions(session)
    assert actions.count("network.merge") == 1 and actions.count("network.split") == 1
    assert actions[-1] == "network.decision_revoke"
    admin = client_for("admin")
    assert admin.get(f"{base}/decisions").status_code == 200


def test_link_stage_applies_pending_decisions(client_for, seeded: Seeded, session: Session,
                                              settings: AppSettings) -> None:
    """The seeded network has two pending splits (ads 4 and 3 each split off); the link stage applies them."""
    anna = client_for("anna")
    run_linking(session, settings)
    cl = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
    a0, a1, a2, a3 = seeded.ads[:4]
    assert cl[a0] == cl[a1] and len({cl[a0], cl[a2], cl[a3]}) == 3
    doc = page(anna.get(f"/networks/{cl[a0]}"))
    badges = [b.text_content() for b in doc.cssselect("ul.decisions li .badge")]
    assert badges == ["applied", "applied"]
    # The selected ad's own network lists the decision that split it off.
    assert page(anna.get(f"/networks/{cl[a3]}")).cssselect(f"#decision-{seeded.decisions[0]}")


def test_merged_network_graph_draws_the_analyst_link(client_for, seeded: Seeded, session: Session,
                                                     settings: AppSettings) -> None:
    """Two networks with no shared phone, photo or text, merged by an analyst: the graph joins them through
    an ``analyst`` node instead of drawing two unconnected groups."""
    anna = client_for("anna")
    net = f"/networks/{seeded.cluster_id}"
    assert anna.post_form(f"{net}/merge", {"other_id": str(seeded.other_cluster_id)}).status_code == 303
    run_linking(session, settings)
    cl = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
    merged = cl[seeded.ads[7]]
    graph = anna.get(f"/networks/{merged}/graph.json").json()
    analyst = [n for n in graph["nodes"] if n["kind"] == "analyst"]
    assert len(analyst) == 1
    ends = {int(lk["target"].split(":")[1]) for lk in graph["links"] if lk["source"] == analyst[0]["id"]}
    assert len(ends) == 2 and ends & set(seeded.ads[7:9]) and ends & set(seeded.ads[:4])
    assert all(cl[a] == merged for a in ends)


def test_large_network_pages_its_ads(client_for, seeded: Seeded, monkeypatch) -> None:
    """A network larger than one page: the header counts every ad, the table pages through them, and each
    page's ads can be selected for a split."""
    from dashboard.routes import networks

    monkeypatch.setattr(networks, "PAGE_ADS", 3)
    anna = client_for("anna")
    net = f"/networks/{seeded.cluster_id}"
    first = page(anna.get(net))
    boxes = [int(b.get("value")) for b in first.cssselect("input[name=ad_id]")]
    assert boxes == seeded.ads[:3]
    assert first.cssselect(".pagehead .muted")[0].text_content().strip().startswith("4 ")
    pager = first.cssselect("#network-pages")[0]
    assert "1–3" in pager.text_content() and pager.cssselect(f"a[href='{net}?page=2']")
    second = page(anna.get(net, params={"page": 2}))
    assert [int(b.get("value")) for b in second.cssselect("input[name=ad_id]")] == seeded.ads[3:4]
    assert second.cssselect(f"#network-pages a[href='{net}?page=1']")
    assert anna.get(net, params={"page": 0}).status_code == 422
