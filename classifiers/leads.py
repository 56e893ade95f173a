"""Leads: the unit outreach acts on. Opened when a cluster's risk passes the configured threshold (or an
analyst promotes it), and de-duplicated across nights: a network that grows or merges stays one lead that
gains ads (matched by stable cluster id, else by shared ads, oldest lead first). A lead follows its ads:
when they change network (a merge, a split, an undo) it moves to the network holding most of them and says
so in a ``network_changed`` event (``follow_ads``), so it never points at a network that is gone. Every
change is a ``lead_event``; closing needs a reason.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from classifiers.records import AdRecord
from classifiers.scoring import Score
from config.scoring_schema import LeadConfig
from storage.models import Ad, AdCluster, Cluster, Lead, LeadAd, LeadEvent, utcnow
from storage.models.leads import LEAD_STATUSES

log = logging.getLogger(__name__)

EXPORT_FIELDS = ("lead_id", "status", "risk_score", "cluster_id", "n_ads", "contacts", "cities",
                 "languages", "reasons", "last_seen_at", "ad_urls")


def suggested_languages(recs: list[AdRecord], default: tuple[str, ...]) -> list[str]:
    """suggested_languages (list of str): the network's ad/spoken languages, most common first."""
    counts = Counter(lang for r in recs for lang in r.languages if lang)
    langs = [lang for lang, _ in counts.most_common(3)]
    return langs or list(default)


def _lead_for(session: Session, cluster_id: int, ad_ids: list[int]) -> Lead | None:
    lead = session.scalar(select(Lead).where(Lead.cluster_id == cluster_id).order_by(Lead.id).limit(1))
    if lead is not None:
        return lead
    # By shared ads only leads without a live network: a lead whose ads were split over two networks stays
    # with the one holding most of them (follow_ads) instead of being taken over by the other piece.
    q = (select(Lead).join(LeadAd, LeadAd.lead_id == Lead.id).where(LeadAd.ad_id.in_(ad_ids))
         .where(or_(Lead.cluster_id.is_(None), Lead.cluster_id.not_in(select(Cluster.id))))
         .order_by(Lead.id).limit(1))
    return session.scalar(q)


def _home(counts: Counter[int], current: int | None) -> int:
    """The network holding most of a lead's ads; on a tie the lead's current one, else the oldest id."""
    best = max(counts.values())
    tied = sorted(cid for cid, n in counts.items() if n == best)
    return current if current in tied else tied[0]


def follow_ads(session: Session, *, cluster_of: Mapping[int, int], decisions: Mapping[int, list[int]] | None = None
               ) -> int:
    """follow_ads (int): move leads whose ads changed network tonight; returns how many leads got an event.

    Call before tonight's memberships are written: ``ad_cluster`` still holds yesterday's. cluster_of: ad id
    -> tonight's cluster id. decisions: ad id -> ids of the analyst decisions applied tonight that name it
    (recorded in the event). A lead keeps every ad it had (evidence); its ``cluster_id`` becomes the network
    holding most of them, and the event lists the ads now in other networks.
    """
    rows = session.execute(select(LeadAd.lead_id, LeadAd.ad_id, AdCluster.cluster_id)
                           .outerjoin(AdCluster, AdCluster.ad_id == LeadAd.ad_id)
                           .order_by(LeadAd.lead_id, LeadAd.ad_id))
    by_lead: dict[int, list[tuple[int, int | None]]] = {}
    for lead_id, ad_id, old in rows:
        by_lead.setdefault(lead_id, []).append((ad_id, old))
    n = 0
    for lead_id, ads in by_lead.items():
        now = {a: cluster_of[a] for a, _ in ads if a in cluster_of}
        moved = [a for a, old in ads if a in now and now[a] != old]
        if not moved:
            continue
        lead = session.get(Lead, lead_id)
        if lead is None:
            continue
        home = _home(Counter(now.values()), lead.cluster_id)
        elsewhere: dict[str, list[int]] = {}
        for a, cid in sorted(now.items()):
            if cid != home:
                elsewhere.setdefault(str(cid), []).append(a)
        why = sorted({d for a in moved for d in (decisions or {}).get(a, [])})
        old_cid = lead.cluster_id
        parts = [f"network #{old_cid} is now #{home}" if old_cid != home else f"stays with network #{home}"]
        if elsewhere:
            parts.append("ads in other networks: " + "; ".join(f"#{c}: {len(v)}" for c, v in elsewhere.items()))
        if why:
            parts.append("analyst decision " + ", ".join(f"#{d}" for d in why))
        session.add(LeadEvent(lead_id=lead.id, action="network_changed", note="; ".join(parts),
                              detail={"from_cluster": old_cid, "to_cluster": home, "moved": moved[:100],
                                      "elsewhere": {c: v[:100] for c, v in elsewhere.items()}, "decisions": why}))
        lead.cluster_id, lead.updated_at = home, utcnow()
        n += 1
    if n:
        log.info("leads: %d followed their ads to another network", n)
    return n


def upsert_lead(session: Session, *, cluster_id: int, recs: list[AdRecord], score: Score, cfg: LeadConfig,
                force: bool = False) -> Lead | None:
    """upsert_lead (Lead | None): open or refresh the lead of one cluster; None when it does not qualify."""
    ad_ids = [r.ad_id for r in recs]
    lead = _lead_for(session, cluster_id, ad_ids)
    qualifies = force or (score.score >= cfg.cluster_threshold and len(recs) >= cfg.min_ads)
    if lead is None and not qualifies:
        return None
    now = utcnow()
    contacts = sorted({v for r in recs for _, v in r.contacts()})
    info: dict[str, Any] = {"score": score.score, "reasons": [f["factor"] for f in score.explanation()],
                            "contacts": contacts[:20], "cities": sorted({r.city for r in recs if r.city})[:20],
                            "languages": suggested_languages(recs, cfg.default_languages)}
    if lead is None:
        lead = Lead(cluster_id=cluster_id, status="new", opened_by="analyst" if force else "score",
                    opened_at=now, updated_at=now, **info)
        session.add(lead)
        session.flush()
        session.add(LeadEvent(lead_id=lead.id, action="opened", to_status="new",
                              detail={"score": score.score, "reasons": info["reasons"]}))
    else:
        for k, v in info.items():
            setattr(lead, k, v)
        lead.cluster_id, lead.updated_at = cluster_id, now
    have = set(session.scalars(select(LeadAd.ad_id).where(LeadAd.lead_id == lead.id)))
    added = [a for a in ad_ids if a not in have]
    for a in added:
        session.add(LeadAd(lead_id=lead.id, ad_id=a, added_at=now))
    if added and have:
        session.add(LeadEvent(lead_id=lead.id, action="ads_added", detail={"ads": added[:100], "n": len(added)}))
        if lead.status == "closed":
            # A closed network that posts again is outreach's business again: reopen it visibly, never silently.
            session.add(LeadEvent(lead_id=lead.id, action="reopened", from_status="closed", to_status="follow_up",
                                  note=f"{len(added)} new ads after closing ({lead.close_reason})",
                                  detail={"ads": added[:100]}))
            lead.status, lead.close_reason = "follow_up", None
    return lead


def promote_lead(session: Session, *, user_id: int | None, ad_ids: list[int] | None = None,
                 cluster_id: int | None = None) -> Lead:
    """promote_lead (Lead): an analyst opens (or joins) a lead for given ads or a cluster, whatever the score.

    The lead gains the ads (of the cluster, when given) and an ``opened``/``promoted`` event with the user.
    """
    from storage.models import AdCluster, RiskScore

    if cluster_id is not None:
        ad_ids = list(session.scalars(select(AdCluster.ad_id).where(AdCluster.cluster_id == cluster_id)))
    if not ad_ids:
        raise ValueError("[E304] promote_lead needs ad ids or a cluster with ads")
    if cluster_id is None:
        cluster_id = session.scalar(select(AdCluster.cluster_id).where(AdCluster.ad_id.in_(ad_ids)).limit(1))
    risk = session.scalar(select(RiskScore.score).where(RiskScore.target == "cluster",
                                                        RiskScore.target_id == (cluster_id or -1))) or 0.0
    lead = _lead_for(session, cluster_id if cluster_id is not None else -1, ad_ids)
    now = utcnow()
    if lead is None:
        lead = Lead(cluster_id=cluster_id, status="new", opened_by="analyst", opened_at=now, updated_at=now,
                    score=float(risk), reasons=["analyst"], contacts=[], cities=[], languages=[])
        session.add(lead)
        session.flush()
        session.add(LeadEvent(lead_id=lead.id, user_id=user_id, action="opened", to_status="new",
                              detail={"promoted": True, "ads": ad_ids[:100]}))
    else:
        session.add(LeadEvent(lead_id=lead.id, user_id=user_id, action="promoted", detail={"ads": ad_ids[:100]}))
    have = set(session.scalars(select(LeadAd.ad_id).where(LeadAd.lead_id == lead.id)))
    for a in ad_ids:
        if a not in have:
            session.add(LeadAd(lead_id=lead.id, ad_id=a, added_at=now))
    session.flush()
    return lead


def set_status(session: Session, *, lead_id: int, status: str, user_id: int | None = None,
               reason: str | None = None, note: str = "") -> Lead:
    """set_status (Lead): move a lead to ``status``; ``closed`` requires a reason. Logged as a lead_event."""
    if status not in LEAD_STATUSES:
        raise ValueError(f"[E301] unknown lead status {status!r}; one of {LEAD_STATUSES}")
    if status == "closed" and not reason:
        raise ValueError("[E302] closing a lead needs a reason")
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise KeyError(f"[E303] no lead {lead_id}")
    session.add(LeadEvent(lead_id=lead.id, user_id=user_id, action="status", from_status=lead.status,
                          to_status=status, note=note or (reason or "")))
    lead.status, lead.updated_at = status, utcnow()
    lead.close_reason = reason if status == "closed" else None
    return lead


def export_leads_csv(session: Session, path: Path) -> int:
    """export_leads_csv (int): write the outreach list (only what outreach needs) and return the row count."""
    leads = list(session.scalars(select(Lead).order_by(Lead.score.desc(), Lead.id)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_FIELDS)
        for lead in leads:
            rows = session.execute(select(Ad.url, Ad.last_seen_at).join(LeadAd, LeadAd.ad_id == Ad.id)
                                   .where(LeadAd.lead_id == lead.id).order_by(Ad.last_seen_at.desc())).all()
            last = rows[0][1].isoformat() if rows else ""
            w.writerow([lead.id, lead.status, f"{lead.score:.3f}", lead.cluster_id or "", len(rows),
                        ";".join(lead.contacts), ";".join(lead.cities), ";".join(lead.languages),
                        ";".join(lead.reasons), last, " ".join(u for u, _ in rows[:5])])
    log.info("exported %d leads to %s", len(leads), path)
    return len(leads)
