"""Analysts' merges and splits through the real link stage on SQLite and PostgreSQL: memberships, stable ids,
leads following their ads, new ads that bridge a split, undo, relink requests and the stage lock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.leads import promote_lead
from classifiers.link_stage import LinkStageBusy, link_lock, run_linking
from config.settings import AppSettings
from storage import decision_repo
from storage.models import (
    Ad,
    AdCluster,
    AdContact,
    AdReading,
    AdVersion,
    Cluster,
    ClusterDecision,
    Lead,
    LeadEvent,
    NetworkIndicator,
    RelinkRequest,
    RiskScore,
    Site,
)


def ad(session: Session, ext: str, *phones: str) -> int:
    """One read ad with the given phones and a short text (too short to link by template text)."""
    row = Ad(site_id="demo", external_id=ext, url=f"http://demo.test/{ext}")
    session.add(row)
    session.flush()
    v = AdVersion(ad_id=row.id, content_sha256=ext.rjust(64, "0"), text=f"ad {ext}", seen_at=datetime.now(UTC),
                  raw_fields={"name": f"N{ext}"})
    session.add(v)
    session.flush()
    row.current_version_id = v.id
    rd = AdReading(ad_version_id=v.id, ad_id=row.id, site_id="demo", stamp="test", reader_version="test",
                   language="en", age=25, city="Aarhus", facts={"name": f"N{ext}"})
    session.add(rd)
    session.flush()
    for p in phones:
        session.add(AdContact(reading_id=rd.id, ad_id=row.id, ad_version_id=v.id, kind="phone", value=p))
    session.flush()
    return row.id


def clusters(session: Session) -> dict[int, int]:
    return dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())


def assert_leads_point_at_networks(session: Session) -> None:
    live = set(session.scalars(select(Cluster.id)))
    for lead in session.scalars(select(Lead)):
        assert lead.cluster_id in live, f"lead {lead.id} points at network {lead.cluster_id}, which is gone"


def events(session: Session, lead_id: int, action: str = "network_changed") -> list[LeadEvent]:
    return list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.action == action)
                                .order_by(LeadEvent.id)))


def test_merge_split_bridge_and_undo_through_the_link_stage(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    a = [ad(session, f"a{i}", "+4511111111") for i in range(4)]  # network A: phone P1
    b = [ad(session, f"b{i}", "+4522222222") for i in range(2)]  # network B: phone P2
    c = [ad(session, "c0", "+4533333333"), ad(session, "c1", "+4533333333"), ad(session, "c2", "+4533333333"),
         ad(session, "c3", "+4533333333", "+4544444444")]  # network C: P3; c3 also has P4
    session.commit()
    run_linking(session, settings)
    cl = clusters(session)
    ida, idb, idc = cl[a[0]], cl[b[0]], cl[c[0]]
    assert len({ida, idb, idc}) == 3 and {cl[x] for x in c} == {idc}
    lead_a = promote_lead(session, user_id=None, cluster_id=ida)
    lead_b = promote_lead(session, user_id=None, cluster_id=idb)
    lead_c = promote_lead(session, user_id=None, cluster_id=idc)
    session.commit()

    # The analyst merges B into A and splits c3 off C (through the repository the dashboard uses).
    merge, _ = decision_repo.record_merge(session=session, cluster_id=idb, other_cluster_id=ida, user_id=None,
                                          requested_by="test", note="same manager")
    split, _ = decision_repo.record_split(session=session, cluster_id=idc, ad_ids=[c[3]], user_id=None,
                                          requested_by="test")
    session.commit()
    assert decision_repo.status_of(merge) == "pending" and decision_repo.open_relink_max_id(session=session) > 0
    stats = run_linking(session, settings)
    assert stats.decisions_applied == 2 and stats.leads_moved >= 2
    cl = clusters(session)
    merged = min(ida, idb)
    assert {cl[x] for x in a + b} == {merged}  # the older (smaller) id survives
    assert {cl[x] for x in c[:3]} == {idc} and cl[c[3]] not in (idc, merged)  # the larger piece keeps C's id
    gone = max(ida, idb)
    assert session.get(Cluster, gone) is None
    assert not session.scalars(select(RiskScore).where(RiskScore.target == "cluster",
                                                       RiskScore.target_id == gone)).all()
    assert not session.scalars(select(NetworkIndicator).where(NetworkIndicator.cluster_id == gone)).all()
    assert session.get(Cluster, merged).size == 6 and session.get(Cluster, idc).size == 3  # both re-analysed
    session.expire_all()
    assert all(d.applied_at is not None for d in session.scalars(select(ClusterDecision)))
    assert session.scalar(select(func.count()).select_from(RelinkRequest).where(RelinkRequest.done_at.is_(None))) == 0
    # Leads follow their ads and say so; none is lost or points at a network that is gone.
    assert_leads_point_at_networks(session)
    lead_gone = lead_b if gone == idb else lead_a
    session.refresh(lead_gone)
    assert lead_gone.cluster_id == merged
    ev = events(session, lead_gone.id)[-1]
    assert ev.detail["from_cluster"] == gone and ev.detail["to_cluster"] == merged
    assert merge.id in ev.detail["decisions"]
    session.refresh(lead_c)
    assert lead_c.cluster_id == idc
    ev = events(session, lead_c.id)[-1]
    assert ev.detail["elsewhere"] == {str(cl[c[3]]): [c[3]]} and split.id in ev.detail["decisions"]

    # Night 3: x shares P3 (the rest of C) and P4 (only c3): it joins the nearer side (a tie goes to the rest)
    # and does not bring c3 back; y shares B's phone and joins the merged network.
    x = ad(session, "x", "+4533333333", "+4544444444")
    y = ad(session, "y", "+4522222222")
    session.commit()
    run_linking(session, settings)
    cl2 = clusters(session)
    assert cl2[x] == idc and cl2[c[3]] == cl[c[3]] != idc
    assert cl2[y] == merged
    assert_leads_point_at_networks(session)

    # Undo both: C is whole again under its id; B's ads (and y) leave A under a new id, and B's lead follows.
    decision_repo.revoke_decision(session=session, decision_id=split.id, user_id=None, requested_by="test",
                                  reason="wrong selection")
    decision_repo.revoke_decision(session=session, decision_id=merge.id, user_id=None, requested_by="test")
    session.commit()
    stats = run_linking(session, settings)
    assert stats.decisions_active == 0
    cl3 = clusters(session)
    assert {cl3[v] for v in [*c, x]} == {idc}
    assert {cl3[v] for v in a} == {merged}  # A (4 ads) is the larger piece: it keeps the id
    b_now = {cl3[v] for v in [*b, y]}
    assert len(b_now) == 1 and merged not in b_now
    assert_leads_point_at_networks(session)
    session.refresh(lead_b)
    session.refresh(lead_a)
    assert lead_b.cluster_id == cl3[b[0]] and lead_a.cluster_id == merged
    assert events(session, lead_b.id)[-1].detail["to_cluster"] == cl3[b[0]]


def test_newer_decision_revokes_the_one_it_contradicts(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ads = [ad(session, f"n{i}", "+4555555555") for i in range(4)]
    session.commit()
    run_linking(session, settings)
    cid = clusters(session)[ads[0]]
    split, _ = decision_repo.record_split(session=session, cluster_id=cid, ad_ids=ads[2:], user_id=None,
                                          requested_by="test")
    session.commit()
    run_linking(session, settings)
    cl = clusters(session)
    other = cl[ads[2]]
    assert other != cid and cl[ads[3]] == other
    # Merging the two pieces again contradicts the split: the split is revoked with the reason.
    merge, revoked = decision_repo.record_merge(session=session, cluster_id=cid, other_cluster_id=other,
                                                user_id=None, requested_by="test")
    session.commit()
    assert [d.id for d in revoked] == [split.id]
    session.refresh(split)
    assert split.revoked_at is not None and split.revoke_reason == f"superseded by merge #{merge.id}"
    run_linking(session, settings)
    assert set(clusters(session).values()) == {cid}
    # A split that puts the merge's two sides apart again revokes the merge.
    split2, revoked = decision_repo.record_split(session=session, cluster_id=cid, ad_ids=ads[2:], user_id=None,
                                                 requested_by="test")
    session.commit()
    assert [d.id for d in revoked] == [merge.id]
    run_linking(session, settings)
    assert len(set(clusters(session).values())) == 2
    # Invalid decisions are refused with a coded reason.
    with pytest.raises(decision_repo.DecisionError, match="E601"):
        decision_repo.record_merge(session=session, cluster_id=cid, other_cluster_id=cid, user_id=None,
                                   requested_by="test")
    with pytest.raises(decision_repo.DecisionError, match="E604"):
        decision_repo.record_split(session=session, cluster_id=cid, ad_ids=ads[:2], user_id=None, requested_by="t")
    with pytest.raises(decision_repo.DecisionError, match="E605"):
        decision_repo.record_split(session=session, cluster_id=cid, ad_ids=[ads[3]], user_id=None, requested_by="t")
    with pytest.raises(decision_repo.DecisionError, match="E607"):
        decision_repo.revoke_decision(session=session, decision_id=merge.id, user_id=None, requested_by="t")
    assert split2.id


def test_one_link_stage_at_a_time(session: Session, settings: AppSettings) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ad(session, "1", "+4566666666")
    session.commit()
    with link_lock(settings), pytest.raises(LinkStageBusy, match="E502"):
        run_linking(session, settings, wait=False)
    assert run_linking(session, settings, wait=False).ads_new == 1
