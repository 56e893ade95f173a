"""Queries and writes for the people side (users, audit, labels, saved searches, partners, referrals),
plus the read-only views the dashboard builds over the crawl tables.

Keyword-only functions with the session first; callers commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from storage.models.base import utcnow
from storage.models.crawl import Ad, AdPhoto, AdVersion, CrawlRun, Photo, Site
from storage.models.leads import LEAD_STATUSES, Lead, LeadAd, LeadEvent
from storage.models.network import AdCluster, AdEdge, Cluster, ClusterDecision, NetworkIndicator, RiskScore
from storage.models.people import ROLES, AuditLog, Label, PartnerService, Referral, SavedSearch, User
from storage.models.reading import AdContact, AdReading, IndicatorHit

# ----------------------------------------------------------------------------------------------- users


def create_user(*, session: Session, username: str, password_hash: str, role: str,
                language: str = "da", email: str | None = None) -> User:
    """create_user (User): a new active account; raises ValueError on an unknown role or a taken name."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[A-Za-z0-9._@-]{2,64}", username):
        raise ValueError("username: 2-64 letters, digits or . _ @ -")
    if get_user_by_name(session=session, username=username) is not None:
        raise ValueError(f"user {username!r} exists")
    user = User(username=username, password_hash=password_hash, role=role, language=language)
    set_user_email(session=session, user=user, email=email)
    session.add(user)
    session.flush()
    return user


def get_user_by_name(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(*, session: Session, role: str | None = None, active_only: bool = False) -> list[User]:
    stmt = select(User).order_by(User.username)
    if role:
        stmt = stmt.where(User.role == role)
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    return list(session.scalars(stmt))


def set_user_active(*, session: Session, user: User, active: bool) -> None:
    """set_user_active: enable or disable; disabling also revokes every open session of the user."""
    user.active = active
    user.session_epoch += 1


def set_user_password(*, session: Session, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    user.session_epoch += 1


# ----------------------------------------------------------------------------------------------- audit


def login_failures(*, session: Session, ip: str, name: str, since: datetime) -> tuple[int, int]:
    """login_failures ((by ip, by name)): ``login.failed`` audit entries after ``since`` and after the last
    successful login from that IP / of that (lower-cased) username."""
    def last_login(*cond: Any) -> Any:
        return select(func.max(AuditLog.at)).where(AuditLog.action == "login", *cond).scalar_subquery()

    def failures(key: Any, after: Any) -> int:
        stmt = (select(func.count()).select_from(AuditLog)
                .where(AuditLog.action == "login.failed", AuditLog.at > since, key,
                       AuditLog.at > func.coalesce(after, since)))
        return int(session.scalar(stmt) or 0)

    by_ip = failures(AuditLog.ip == ip, last_login(AuditLog.ip == ip))
    by_name = failures(and_(AuditLog.object_type == "login", AuditLog.object_id == name),
                       last_login(func.lower(AuditLog.username) == name))
    return by_ip, by_name


def list_audit(*, session: Session, action: str | None = None, username: str | None = None,
               object_type: str | None = None, object_id: str | None = None,
               limit: int = 200, offset: int = 0) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if username:
        stmt = stmt.where(AuditLog.username == username)
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditLog.object_id == object_id)
    return list(session.scalars(stmt))


def audit_actions(*, session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


# ---------------------------------------------------------------------------------------------- labels


def add_label(*, session: Session, user: User, value: str, ad_id: int | None = None,
              cluster_id: int | None = None, note: str = "") -> Label:
    """add_label (Label): a new label row (history is kept; the newest label per target counts)."""
    label = Label(ad_id=ad_id, cluster_id=cluster_id, user_id=user.id, value=value, note=note)
    session.add(label)
    session.flush()
    return label


def labels_for(*, session: Session, ad_id: int | None = None, cluster_id: int | None = None) -> list[Any]:
    """labels_for (rows): (Label, username) newest first for one ad or one cluster."""
    stmt = (select(Label, User.username).outerjoin(User, User.id == Label.user_id)
            .order_by(Label.id.desc()))
    stmt = stmt.where(Label.ad_id == ad_id) if ad_id is not None else stmt.where(Label.cluster_id == cluster_id)
    return list(session.execute(stmt))


def latest_labels(*, session: Session, ad_ids: Sequence[int]) -> dict[int, str]:
    """latest_labels (dict): ad id -> value of its newest label."""
    if not ad_ids:
        return {}
    newest = (select(Label.ad_id, func.max(Label.id).label("mid")).where(Label.ad_id.in_(ad_ids))
              .group_by(Label.ad_id).subquery())
    rows = session.execute(select(Label.ad_id, Label.value).join(newest, Label.id == newest.c.mid))
    return {r.ad_id: r.value for r in rows}


# ------------------------------------------------------------------------------- partners, referrals


def list_partners(*, session: Session, active_only: bool = True) -> list[PartnerService]:
    stmt = select(PartnerService).order_by(PartnerService.name)
    if active_only:
        stmt = stmt.where(PartnerService.active.is_(True))
    return list(session.scalars(stmt))


def language_codes(value: str | Sequence[str]) -> list[str]:
    """language_codes (list): lower-case language codes from ``"da, en, RO"`` or a list, in order, once each."""
    items = re.split(r"[,;/\s]+", value) if isinstance(value, str) else [str(x) for x in value]
    out: list[str] = []
    for item in items:
        code = item.strip().lower()
        if code and code not in out:
            out.append(code)
    return out


def suggest_partners(partners: Sequence[PartnerService], languages: Sequence[str]) -> list[PartnerService]:
    """suggest_partners (list): the partners who speak one of ``languages`` (the lead's, most likely first):
    those speaking the first language before the others, then by how many of them they speak, then by name."""
    wanted = language_codes(languages)
    if not wanted:
        return []
    ranked = []
    for p in partners:
        spoken = set(language_codes(p.languages))
        hits = [i for i, code in enumerate(wanted) if code in spoken]
        if hits:
            ranked.append((hits[0], -len(hits), p.name.lower(), p))
    return [p for *_, p in sorted(ranked, key=lambda r: r[:3])]


def create_partner(*, session: Session, name: str, offers: str, languages: str, contact: str) -> PartnerService:
    partner = PartnerService(name=name.strip(), offers=offers.strip(), languages=languages.strip(),
                             contact=contact.strip())
    session.add(partner)
    session.flush()
    return partner


def add_referral(*, session: Session, lead_id: int, partner_id: int, user: User, note: str = "") -> Referral:
    referral = Referral(lead_id=lead_id, partner_id=partner_id, user_id=user.id, note=note)
    session.add(referral)
    session.flush()
    return referral


def referrals_for(*, session: Session, lead_id: int) -> list[Any]:
    """referrals_for (rows): (Referral, PartnerService, username) for one lead, oldest first."""
    stmt = (select(Referral, PartnerService, User.username)
            .join(PartnerService, PartnerService.id == Referral.partner_id)
            .outerjoin(User, User.id == Referral.user_id)
            .where(Referral.lead_id == lead_id).order_by(Referral.id))
    return list(session.execute(stmt))


# ------------------------------------------------------------------------------------ saved searches


def list_saved_searches(*, session: Session, user: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                .order_by(SavedSearch.name)))


def create_saved_search(*, session: Session, user: User, name: str, query: str, alert: bool = True) -> SavedSearch:
    saved = SavedSearch(user_id=user.id, name=name.strip()[:200], query=query.strip(), alert=alert,
                        last_checked_at=utcnow())
    session.add(saved)
    session.flush()
    return saved


def count_new_matches(*, session: Session, saved: SavedSearch, since: datetime) -> int:
    """count_new_matches (int): ads matching the saved query that were first seen after ``since``."""
    stmt = search_ads_stmt(saved.query, _dialect(session)).where(Ad.first_seen_at > since)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def saved_search_alerts(*, session: Session, user: User) -> list[tuple[SavedSearch, int]]:
    """saved_search_alerts (list): (saved search, count of matching ads first seen since last check)."""
    return [(saved, count_new_matches(session=session, saved=saved, since=saved.last_checked_at or saved.created_at))
            for saved in list_saved_searches(session=session, user=user) if saved.alert]


def saved_searches_to_email(*, session: Session) -> list[tuple[SavedSearch, User, int, datetime]]:
    """saved_searches_to_email (list): (search, owner, new matches, counted at) for every e-mail alert of an
    active analyst or admin with an address; matches count from the last e-mail (or the search's creation)."""
    stmt = (select(SavedSearch, User).join(User, User.id == SavedSearch.user_id)
            .where(SavedSearch.email_alert.is_(True), User.active.is_(True), User.email.is_not(None),
                   User.email != "", User.role.in_(("analyst", "admin")))
            .order_by(SavedSearch.id))
    out = []
    for saved, user in session.execute(stmt).all():
        now = utcnow()
        count = count_new_matches(session=session, saved=saved, since=saved.last_emailed_at or saved.created_at)
        out.append((saved, user, count, now))
    return out


def set_saved_search_email(*, session: Session, saved: SavedSearch, on: bool) -> None:
    """set_saved_search_email: switch e-mail alerts; switching on counts new matches from now."""
    if on and not saved.email_alert:
        saved.last_emailed_at = utcnow()
    saved.email_alert = on


EMAIL_RE = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}")


def set_user_email(*, session: Session, user: User, email: str | None) -> None:
    """set_user_email: the address alert e-mails go to; empty clears it; raises ValueError when malformed."""
    email = (email or "").strip()
    if email and not EMAIL_RE.fullmatch(email):
        raise ValueError(f"not an e-mail address: {email[:80]!r}")
    user.email = email or None


# -------------------------------------------------------------------------------------- ad read views

PHONE_CHARS = re.compile(r"[\s().\-/]")


def digits_of(query: str) -> str | None:
    """digits_of (str | None): the digits of a phone-like query ("+45 21-45 63 55" -> "4521456355")."""
    stripped = PHONE_CHARS.sub("", query.strip())
    if re.fullmatch(r"\+?\d{6,15}", stripped):
        return stripped.lstrip("+")
    return None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phone_candidates(digits: str, region_code: str = "45") -> list[str]:
    """phone_candidates (list): E.164 forms a digits-only query may stand for ("21456355" -> "+4521456355")."""
    out = ["+" + digits]
    if len(digits) == 8:  # a national number without country code (Danish numbers have 8 digits)
        out.append(f"+{region_code}{digits}")
    if digits.startswith("00"):
        out.append("+" + digits[2:])
    return out


def search_ads_stmt(query: str, dialect: str = "sqlite") -> Select[Any]:
    """search_ads_stmt (Select): ads whose current version matches a phone (any format), e-mail, handle or
    free text. A phone query matches the stored phone fields and the text with separators removed.

    Free text on PostgreSQL is ``text ILIKE '%term%' OR title ILIKE '%term%'``, the form the pg_trgm GIN indexes
    of revision 0002 serve; elsewhere (SQLite) ``lower(text) LIKE '%term%'``."""
    q = query.strip()
    stmt = select(Ad.id).join(AdVersion, AdVersion.id == Ad.current_version_id)
    digits = digits_of(q)
    if digits:
        # Compare on digits only; the local part (last 8) catches numbers written without +45.
        local = digits[-8:]
        squeezed = func.replace(func.replace(func.replace(AdVersion.text, " ", ""), "-", ""), ".", "")
        raw = func.replace(func.replace(_json_text(AdVersion.raw_fields), " ", ""), "-", "")
        return stmt.where(or_(squeezed.like(f"%{local}%"), raw.like(f"%{local}%")))
    if dialect == "postgresql":
        pattern = f"%{_like_escape(q)}%"
        return stmt.where(or_(AdVersion.text.ilike(pattern, escape="\\"),
                              AdVersion.title.ilike(pattern, escape="\\")))
    pattern = f"%{_like_escape(q.lower())}%"
    return stmt.where(or_(func.lower(AdVersion.text).like(pattern, escape="\\"),
                          func.lower(func.coalesce(AdVersion.title, "")).like(pattern, escape="\\")))


def _contact_matches(session: Session, query: str, limit: int) -> list[int]:
    """Ads whose extracted contacts equal the query: phones by E.164, e-mails and handles by value (indexed)."""
    q = query.strip()
    digits = digits_of(q)
    if digits:
        cond = and_(AdContact.kind == "phone", AdContact.value.in_(phone_candidates(digits)))
    elif "@" in q[1:] and " " not in q:
        cond = and_(AdContact.kind == "email", AdContact.value == q.lower())
    elif q.startswith("@") and " " not in q:
        cond = and_(AdContact.kind.like("handle%"), AdContact.value.in_([q, q[1:], q.lower(), q[1:].lower()]))
    else:
        return []
    return list(session.scalars(select(AdContact.ad_id).where(cond).distinct().order_by(AdContact.ad_id.desc())
                                .limit(limit)))


def _json_text(column: Any) -> Any:
    return cast(column, String)


@dataclass
class AdRow:
    """AdRow: one line of the review queue or a search result."""

    id: int
    site_id: str
    title: str
    snippet: str
    city: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    risk: float | None = None
    indicators: list[str] = field(default_factory=list)
    label: str | None = None
    photos: int = 0


def _ad_rows(session: Session, ids: Sequence[int], extra: dict[int, dict[str, Any]] | None = None) -> list[AdRow]:
    if not ids:
        return []
    rows = session.execute(
        select(Ad, AdVersion.title, AdVersion.text, AdVersion.raw_fields)
        .outerjoin(AdVersion, AdVersion.id == Ad.current_version_id).where(Ad.id.in_(ids)))
    photo_counts = dict(session.execute(select(AdPhoto.ad_id, func.count()).where(AdPhoto.ad_id.in_(ids))
                                        .group_by(AdPhoto.ad_id)).all())
    labels = latest_labels(session=session, ad_ids=ids)
    by_id: dict[int, AdRow] = {}
    for ad, title, text, raw in rows:
        raw = raw or {}
        city = raw.get("city")
        by_id[ad.id] = AdRow(
            id=ad.id, site_id=ad.site_id, title=(title or "").strip() or f"#{ad.external_id}",
            snippet=(text or "")[:220], city=city if isinstance(city, str) else None,
            first_seen_at=ad.first_seen_at, last_seen_at=ad.last_seen_at, status=ad.status,
            label=labels.get(ad.id), photos=photo_counts.get(ad.id, 0), **(extra or {}).get(ad.id, {}))
    return [by_id[i] for i in ids if i in by_id]


TEXT_SEARCH_WINDOW = 20_000  # an unindexed text search looks at the newest this many ads (about a night's worth)
TRIGRAM_MIN_CHARS = 3  # pg_trgm can serve a '%term%' pattern only when the term has a whole trigram


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def text_search_is_indexed(query: str, dialect: str) -> bool:
    """text_search_is_indexed (bool): True when the free-text fallback of ``query`` is served by the pg_trgm
    indexes (PostgreSQL, not phone-like, at least TRIGRAM_MIN_CHARS characters) and so needs no window."""
    q = query.strip()
    return dialect == "postgresql" and not digits_of(q) and len(q) >= TRIGRAM_MIN_CHARS


def search_ads(*, session: Session, query: str, limit: int = 100) -> list[AdRow]:
    """search_ads (list): ads with an extracted contact equal to the query (exact, indexed), or else ads whose
    text matches; newest first. On PostgreSQL a free-text query of 3+ characters searches every ad (pg_trgm
    GIN indexes); otherwise the text scan is bounded to the newest TEXT_SEARCH_WINDOW ads."""
    if not query.strip():
        return []
    ids = _contact_matches(session, query, limit)
    if not ids:  # the extract stage found nobody with this contact: fall back to the raw text
        dialect = _dialect(session)
        stmt = search_ads_stmt(query, dialect)
        if not text_search_is_indexed(query, dialect):
            # Newest ids first lets the database stop after ``limit`` matches; the window bounds a scan that
            # matches nothing.
            newest = session.scalar(select(func.max(Ad.id))) or 0
            floor = newest - TEXT_SEARCH_WINDOW
            stmt = stmt.where(Ad.id > floor, AdVersion.ad_id > floor)
        ids = list(session.scalars(stmt.order_by(Ad.id.desc()).limit(limit)))
    return _ad_rows(session, ids)


@dataclass
class AdDetail:
    """AdDetail: everything the ad page shows."""

    ad: Ad
    site: Site | None
    versions: list[AdVersion]
    photos: list[tuple[AdPhoto, Photo]]
    labels: list[Any]


def ad_detail(*, session: Session, ad_id: int) -> AdDetail | None:
    ad = session.get(Ad, ad_id)
    if ad is None:
        return None
    versions = list(session.scalars(select(AdVersion).where(AdVersion.ad_id == ad_id).order_by(AdVersion.id)))
    photos = list(session.execute(select(AdPhoto, Photo).join(Photo, Photo.id == AdPhoto.photo_id)
                                  .where(AdPhoto.ad_id == ad_id).order_by(AdPhoto.position, AdPhoto.id)).all())
    return AdDetail(ad=ad, site=session.get(Site, ad.site_id), versions=versions, photos=photos,
                    labels=labels_for(session=session, ad_id=ad_id))



# ------------------------------------------------------------------------------------------ overview


@dataclass
class SiteHealth:
    """SiteHealth: one site's latest crawl and its recent unhealthy runs."""

    site: Site
    last_run: CrawlRun | None
    unhealthy: list[CrawlRun]
    active_ads: int


def crawl_health(*, session: Session, unhealthy_limit: int = 3) -> list[SiteHealth]:
    sites = list(session.scalars(select(Site).order_by(Site.id)))
    active = dict(session.execute(select(Ad.site_id, func.count()).where(Ad.status == "active")
                                  .group_by(Ad.site_id)).all())
    out = []
    for site in sites:
        last = session.scalar(select(CrawlRun).where(CrawlRun.site_id == site.id)
                              .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1))
        bad = list(session.scalars(select(CrawlRun).where(CrawlRun.site_id == site.id,
                                                          CrawlRun.health == "unhealthy")
                                   .order_by(CrawlRun.id.desc()).limit(unhealthy_limit)))
        out.append(SiteHealth(site=site, last_run=last, unhealthy=bad, active_ads=active.get(site.id, 0)))
    return out


def ads_per_day(*, session: Session, days: int = 14, now: datetime | None = None) -> list[tuple[str, int]]:
    """ads_per_day (list): (YYYY-MM-DD, ads first seen that day, UTC) for the last ``days`` days, oldest first."""
    now = now or utcnow()
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(Ad.first_seen_at)
    counts = {str(d)[:10]: int(n) for d, n in session.execute(
        select(day, func.count()).where(Ad.first_seen_at >= start).group_by(day))}
    keys = [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(days)]
    return [(k, counts.get(k, 0)) for k in keys]


def count_new_ads(*, session: Session, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Ad).where(Ad.first_seen_at >= since)) or 0


def set_site_enabled(*, session: Session, site_id: str, enabled: bool) -> Site | None:
    site = session.get(Site, site_id)
    if site is not None:
        site.enabled = enabled
    return site



# ---------------------------------------------------------------------------------------- review queue


def _ad_risk_join(stmt: Select[Any]) -> Select[Any]:
    return stmt.outerjoin(RiskScore, and_(RiskScore.target == "ad", RiskScore.target_id == Ad.id))


QUEUE_HEAD_SIZE = 5000


def top_ad_scores(*, session: Session, n: int = QUEUE_HEAD_SIZE) -> list[tuple[int, float]]:
    """top_ad_scores (list): the ``n`` highest (ad id, score) pairs, for callers that cache the queue head.
    A list shorter than ``QUEUE_HEAD_SIZE`` is taken by ``review_queue`` to hold every score there is."""
    return [(r[0], r[1]) for r in session.execute(
        select(RiskScore.target_id, RiskScore.score).where(RiskScore.target == "ad")
        .order_by(RiskScore.score.desc(), RiskScore.target_id.desc()).limit(n))]


@dataclass(frozen=True)
class _Scored:
    ad_id: int
    score: float


def review_queue(*, session: Session, site: str | None = None, status: str | None = None,
                 labelled: str | None = None, indicator: str | None = None, city: str | None = None,
                 since: datetime | None = None, limit: int = 50, offset: int = 0,
                 top_scores: Sequence[tuple[int, float]] | None = None) -> list[AdRow]:
    """review_queue (list): the analyst's queue: riskiest first, then unscored ads newest first.

    Scores are read top-down in growing windows (250, 2,500, … candidates) and joined to the filtered ads,
    so the first pages never sort the whole ad table; a filter that matches few ads widens the window.
    ``top_scores`` (from ``top_ad_scores``, cached by the caller) serves the windows it covers without
    touching the score table at all."""
    conds: list[Any] = []
    if site:
        conds.append(Ad.site_id == site)
    if status:
        conds.append(Ad.status == status)
    if since:
        conds.append(Ad.first_seen_at >= since)
    if labelled in ("yes", "no"):
        has = select(Label.id).where(Label.ad_id == Ad.id).exists()
        conds.append(has if labelled == "yes" else ~has)
    if city:
        conds.append(Ad.id.in_(_ads_in_city(city)))
    if indicator:
        conds.append(Ad.id.in_(_ads_with_indicator(indicator)))
    need = offset + limit
    window = max(need * 5, 250)
    n_scored: int | None = None
    while True:
        if top_scores is not None and (window <= len(top_scores) or len(top_scores) < QUEUE_HEAD_SIZE):
            cand = top_scores[:window]
            ok = set(session.scalars(select(Ad.id).where(Ad.id.in_([a for a, _ in cand]), *conds))) if cand else set()
            rows = [_Scored(a, sc) for a, sc in cand if a in ok][:need]
            if len(cand) < window:
                n_scored = len(cand)  # the cache holds every score there is
        else:
            top = (select(RiskScore.target_id.label("ad_id"), RiskScore.score).where(RiskScore.target == "ad")
                   .order_by(RiskScore.score.desc(), RiskScore.target_id.desc()).limit(window).subquery())
            rows = [_Scored(r.ad_id, r.score) for r in session.execute(
                select(top.c.ad_id, top.c.score).join(Ad, Ad.id == top.c.ad_id).where(*conds)
                .order_by(top.c.score.desc(), top.c.ad_id.desc()).limit(need))]
        if len(rows) >= need:
            break
        if n_scored is None:
            n_scored = session.scalar(select(func.count()).select_from(RiskScore).where(RiskScore.target == "ad")) or 0
        if window >= n_scored:
            break
        window *= 10
    page = [(r.ad_id, r.score) for r in rows[offset:need]]
    if len(page) < limit:
        scored = select(RiskScore.id).where(RiskScore.target == "ad", RiskScore.target_id == Ad.id).exists()
        unscored = session.scalars(select(Ad.id).where(*conds, ~scored).order_by(Ad.last_seen_at.desc(), Ad.id.desc())
                                   .offset(max(0, offset - len(rows))).limit(limit - len(page)))
        page += [(ad_id, None) for ad_id in unscored]
    ids = [ad_id for ad_id, _ in page]
    explanations = dict(session.execute(select(RiskScore.target_id, RiskScore.explanation).where(
        RiskScore.target == "ad", RiskScore.target_id.in_(ids))).all()) if ids else {}
    extra = {ad_id: {"risk": score, "indicators": explanation_codes(explanations.get(ad_id))} for ad_id, score in page}
    _merge_indicators(session, extra)
    return _ad_rows(session, ids, extra)


def explanation_codes(explanation: Any) -> list[str]:
    """explanation_codes (list): indicator / factor codes named in a risk explanation, in order, unique."""
    out: list[str] = []
    for item in explanation or []:
        code = item.get("code") or item.get("feature") or item.get("factor") if isinstance(item, dict) else item
        if isinstance(code, str) and code and code not in out:
            out.append(code)
    return out[:6]


def explanation_lines(explanation: Any) -> list[str]:
    """explanation_lines (list): a risk explanation as short human-readable lines."""
    lines = []
    for item in explanation or []:
        if isinstance(item, dict):
            code = item.get("code") or item.get("feature") or item.get("factor") or ""
            parts = [str(code)]
            for key in ("contribution", "weight", "value", "count"):
                if key in item:
                    parts.append(f"{key} {item[key]}")
            for key in ("evidence", "text", "detail", "description"):
                if item.get(key):
                    parts.append(f"— {item[key]}")
                    break
            lines.append(" ".join(parts))
        else:
            lines.append(str(item))
    return lines


def _ads_in_city(city: str) -> Select[Any]:
    return select(AdReading.ad_id).where(func.lower(AdReading.city) == city.strip().lower())


def _ads_with_indicator(code: str) -> Select[Any]:
    return select(IndicatorHit.ad_id).where(IndicatorHit.code == code)





def _merge_indicators(session: Session, extra: dict[int, dict[str, Any]]) -> None:
    """Indicator codes per ad from the extract stage's hits (they replace the score's factor names)."""
    if not extra:
        return
    found: dict[int, set[str]] = {}
    for ad_id, code in session.execute(select(IndicatorHit.ad_id, IndicatorHit.code)
                                       .where(IndicatorHit.ad_id.in_(list(extra))).distinct()):
        found.setdefault(ad_id, set()).add(code)
    for ad_id, codes in found.items():
        extra[ad_id]["indicators"] = sorted(codes)


# ------------------------------------------------------------------------------------ reading of an ad


@dataclass
class Hit:
    """Hit: one indicator hit to highlight: offsets into the version text, indicator code and provenance."""

    start: int
    end: int
    code: str
    detail: str = ""
    text: str = ""


@dataclass(frozen=True)
class Contact:
    """Contact: one contact detail (kind phone | email | handle, normalised value)."""

    kind: str
    value: str


@dataclass
class Reading:
    """Reading: what the extract stage read off one ad version (falls back to the raw crawl fields)."""

    hits: list[Hit] = field(default_factory=list)  # offsets into the version's text
    title_hits: list[Hit] = field(default_factory=list)  # offsets into the title
    other_hits: list[Hit] = field(default_factory=list)  # from fields or the market (no offsets to show)
    contacts: list[Contact] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    risk: float | None = None
    explanation: list[str] = field(default_factory=list)


FACT_KEYS = ("age", "city", "price", "language", "nationality")


def ad_reading(*, session: Session, ad_id: int, version_id: int | None) -> Reading:
    """ad_reading (Reading): hits, contacts, facts and score of one ad version."""
    reading = Reading()
    version = session.get(AdVersion, version_id) if version_id else None
    raw = (version.raw_fields if version else None) or {}
    for key in FACT_KEYS:
        value = raw.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            reading.facts[key] = value
    phones = raw.get("phones") or []
    if isinstance(phones, list):
        reading.contacts = [Contact("phone", str(p)) for p in phones if isinstance(p, str | int)]
    _reading_from_tables(session, ad_id, version_id, reading)
    score = session.scalar(select(RiskScore).where(RiskScore.target == "ad", RiskScore.target_id == ad_id))
    if score is not None:
        reading.risk = score.score
        reading.explanation = explanation_lines(score.explanation)
    return reading


def _reading_from_tables(session: Session, ad_id: int, version_id: int | None, reading: Reading) -> None:
    if version_id is None:
        return
    row = session.scalar(select(AdReading).where(AdReading.ad_version_id == version_id)
                         .order_by(AdReading.id.desc()).limit(1))
    if row is None:
        return
    for key, value in (("age", row.age), ("city", row.city), ("language", row.language),
                       ("price", f"{row.price_dkk_per_hour:.0f} DKK/h" if row.price_dkk_per_hour else None),
                       ("nationality", row.nationality)):
        if value not in (None, "", "unknown"):
            reading.facts[key] = value
    contacts = [Contact(c.kind, c.value) for c in session.scalars(
        select(AdContact).where(AdContact.reading_id == row.id).order_by(AdContact.id))]
    if contacts:
        reading.contacts = list(dict.fromkeys(contacts))
    for hit in session.scalars(select(IndicatorHit).where(IndicatorHit.reading_id == row.id)
                               .order_by(IndicatorHit.start)):
        detail = f"{hit.indicator_id} ({hit.lexicon_id} v{hit.lexicon_version})"
        target = {"text": reading.hits, "title": reading.title_hits}.get(hit.source, reading.other_hits)
        target.append(Hit(hit.start, hit.end, hit.code, detail, hit.text))


def photo(*, session: Session, photo_id: int) -> Photo | None:
    return session.get(Photo, photo_id)


def site_ids(*, session: Session) -> list[str]:
    return list(session.scalars(select(Site.id).order_by(Site.id)))


def indicator_codes(*, session: Session) -> list[str]:
    return list(session.scalars(select(IndicatorHit.code).distinct().order_by(IndicatorHit.code).limit(100)))


# -------------------------------------------------------------------------------------------- networks


@dataclass
class LinkedAd:
    """LinkedAd: an ad linked to another by an edge (shared phone, photo group, template text)."""

    ad_id: int
    kind: str
    value: str
    title: str = ""


def linked_ads(*, session: Session, ad_id: int, limit: int = 50) -> list[LinkedAd]:
    edges = session.scalars(select(AdEdge).where(or_(AdEdge.ad_a == ad_id, AdEdge.ad_b == ad_id))
                            .order_by(AdEdge.weight.desc(), AdEdge.id).limit(limit))
    out = [LinkedAd(e.ad_b if e.ad_a == ad_id else e.ad_a, e.kind, e.value) for e in edges]
    titles = dict(session.execute(select(Ad.id, AdVersion.title).join(AdVersion, AdVersion.id == Ad.current_version_id)
                                  .where(Ad.id.in_([x.ad_id for x in out]))).all()) if out else {}
    for x in out:
        x.title = titles.get(x.ad_id) or ""
    return out


def cluster_of_ad(*, session: Session, ad_id: int) -> Cluster | None:
    link = session.get(AdCluster, ad_id)
    return session.get(Cluster, link.cluster_id) if link else None


def count_new_clusters(*, session: Session, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Cluster).where(Cluster.created_at >= since)) or 0


def count_new_leads(*, session: Session, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Lead).where(Lead.opened_at >= since)) or 0


def indicator_counts(*, session: Session, since: datetime) -> list[tuple[str, int]]:
    """indicator_counts (list): (code, ads) for ads first seen since ``since``, most frequent first."""
    n = func.count(func.distinct(IndicatorHit.ad_id))
    stmt = (select(IndicatorHit.code, n).join(Ad, Ad.id == IndicatorHit.ad_id).where(Ad.first_seen_at >= since)
            .group_by(IndicatorHit.code).order_by(n.desc()).limit(12))
    return [(str(c), int(k)) for c, k in session.execute(stmt)]


@dataclass
class NightlySeries:
    """NightlySeries: per night (UTC day an ad was first seen, oldest first) the ads that have each indicator
    code, and the ads read in each city. Summing a series gives the distinct ads over the whole range,
    because every ad has exactly one first night."""

    nights: list[str]
    indicators: dict[str, list[int]]
    cities: dict[str, list[int]]


def series_per_night(*, session: Session, days: int = 14, now: datetime | None = None) -> NightlySeries:
    """series_per_night (NightlySeries): indicator codes and cities per night over the last ``days`` nights
    (two grouped scans of the ads first seen in the range; ``ad.first_seen_at`` is indexed)."""
    now = now or utcnow()
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    nights = [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(days)]
    index = {k: i for i, k in enumerate(nights)}
    day = func.date(Ad.first_seen_at)

    def collect(key: Any, ad_id: Any, *where: Any) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        stmt = (select(day, key, func.count(func.distinct(ad_id))).join(Ad, Ad.id == ad_id)
                .where(Ad.first_seen_at >= start, *where).group_by(day, key))
        for d, name, n in session.execute(stmt):
            i = index.get(str(d)[:10])
            if i is not None and name is not None:
                out.setdefault(str(name), [0] * days)[i] += int(n)
        return out

    return NightlySeries(nights=nights, indicators=collect(IndicatorHit.code, IndicatorHit.ad_id),
                         cities=collect(AdReading.city, AdReading.ad_id, AdReading.city.is_not(None)))


def city_counts(*, session: Session, since: datetime) -> list[tuple[str, int]]:
    """city_counts (list): (city, ads) for ads first seen since ``since``, most frequent first."""
    n = func.count(func.distinct(AdReading.ad_id))
    stmt = (select(AdReading.city, n).join(Ad, Ad.id == AdReading.ad_id)
            .where(Ad.first_seen_at >= since, AdReading.city.is_not(None)).group_by(AdReading.city)
            .order_by(n.desc()).limit(10))
    return [(str(c), int(k)) for c, k in session.execute(stmt)]


def networks_enabled() -> bool:
    return True


@dataclass
class ClusterRow:
    """ClusterRow: one line of the networks list."""

    id: int
    size: int
    risk: float | None
    last_seen_at: datetime | None
    cities: list[str] = field(default_factory=list)


def list_clusters(*, session: Session, limit: int = 100, min_size: int = 2) -> list[ClusterRow]:
    stmt = (select(Cluster.id, Cluster.size, RiskScore.score, Cluster.updated_at)
            .outerjoin(RiskScore, and_(RiskScore.target == "cluster", RiskScore.target_id == Cluster.id))
            .where(Cluster.size >= min_size)
            .order_by(RiskScore.score.desc().nulls_last(), Cluster.size.desc(), Cluster.id).limit(limit))
    rows = [ClusterRow(id=r[0], size=r[1], risk=r[2], last_seen_at=r[3]) for r in session.execute(stmt)]
    if rows:
        cities: dict[int, set[str]] = {}
        for cid, raw in session.execute(
                select(AdCluster.cluster_id, AdVersion.raw_fields).join(Ad, Ad.id == AdCluster.ad_id)
                .join(AdVersion, AdVersion.id == Ad.current_version_id)
                .where(AdCluster.cluster_id.in_([r.id for r in rows]))):
            city = (raw or {}).get("city")
            if isinstance(city, str) and city:
                cities.setdefault(cid, set()).add(city)
        for r in rows:
            r.cities = sorted(cities.get(r.id, set()))[:5]
    return rows


@dataclass
class CityStay:
    """CityStay: ads of a network in one city, first and last seen (a timeline of movement)."""

    city: str
    first: datetime
    last: datetime
    ads: int


@dataclass
class NetworkView:
    """NetworkView: a cluster's ads, graph (nodes + links for the SVG view), timeline and score."""

    id: int
    risk: float | None
    explanation: list[str]
    ads: list[AdRow]
    graph: dict[str, Any]
    timeline: list[CityStay]
    indicators: list[Any]
    size: int = 0  # ads in the network (``ads`` is one page of them)
    offset: int = 0  # position of ``ads[0]`` among the network's ads, by id


def _analyst_merges(session: Session, shown: set[int], nodes: list[dict[str, Any]],
                    links: list[dict[str, str]]) -> None:
    """Draw each applied merge joining two shown groups as an ``analyst`` node: without it a merged network
    would show as two unconnected groups (an analyst's decision is the only link between them)."""
    if not shown:
        return
    merges = session.scalars(select(ClusterDecision).where(
        ClusterDecision.action == "merge", ClusterDecision.revoked_at.is_(None),
        ClusterDecision.applied_at.is_not(None)).order_by(ClusterDecision.id))
    for d in merges:
        a, b = shown & {int(x) for x in d.side_a}, shown & {int(x) for x in d.side_b}
        if a and b:
            key = f"analyst:{d.id}"
            nodes.append({"id": key, "kind": "analyst", "label": f"merge #{d.id}",
                          "title": f"analyst merge #{d.id}: {(d.note or '')[:100]}"})
            links.extend({"source": key, "target": f"ad:{end}", "kind": "analyst"} for end in (min(a), min(b)))


def network(*, session: Session, cluster_id: int, max_ads: int = 300, offset: int = 0) -> NetworkView | None:
    """network (NetworkView | None): one page (``max_ads`` from ``offset``, by ad id) of a network's ads,
    with the graph and city timeline of that page."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        return None
    ad_ids = list(session.scalars(select(AdCluster.ad_id).where(AdCluster.cluster_id == cluster_id)
                                  .order_by(AdCluster.ad_id).offset(offset).limit(max_ads)))
    ads = _ad_rows(session, ad_ids)
    edges = list(session.scalars(select(AdEdge).where(AdEdge.ad_a.in_(ad_ids), AdEdge.ad_b.in_(ad_ids))
                                 .limit(3000))) if ad_ids else []
    nodes: list[dict[str, Any]] = [{"id": f"ad:{a.id}", "kind": "ad", "label": f"#{a.id}", "href": f"/ads/{a.id}",
                                    "title": a.title[:80]} for a in ads]
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    for e in edges:
        kind = e.kind if e.kind in ("phone", "photo", "text", "email", "handle") else "text"
        key = f"{kind}:{e.value}"
        if key not in seen:
            seen.add(key)
            label = e.value if kind in ("phone", "email", "handle") else kind
            nodes.append({"id": key, "kind": kind, "label": label[:24], "title": f"{e.kind}: {e.value}"[:120]})
        for end in (e.ad_a, e.ad_b):
            links.append({"source": key, "target": f"ad:{end}", "kind": kind})
    _analyst_merges(session, set(ad_ids), nodes, links)
    uniq = {(lk["source"], lk["target"]): lk for lk in links}
    stays: dict[str, CityStay] = {}
    for a in sorted(ads, key=lambda x: x.first_seen_at):
        if not a.city:
            continue
        stay = stays.get(a.city)
        if stay is None:
            stays[a.city] = CityStay(a.city, a.first_seen_at, a.last_seen_at, 1)
        else:
            stay.first, stay.last = min(stay.first, a.first_seen_at), max(stay.last, a.last_seen_at)
            stay.ads += 1
    score = session.scalar(select(RiskScore).where(RiskScore.target == "cluster", RiskScore.target_id == cluster_id))
    indicators = list(session.scalars(select(NetworkIndicator).where(NetworkIndicator.cluster_id == cluster_id)))
    return NetworkView(id=cluster_id, risk=score.score if score else None,
                       explanation=explanation_lines(score.explanation) if score else [], ads=ads,
                       graph={"nodes": nodes, "links": list(uniq.values())},
                       timeline=sorted(stays.values(), key=lambda s: s.first), indicators=indicators,
                       size=cluster.size, offset=offset)


# ----------------------------------------------------------------------------------------------- leads


@dataclass
class LeadEventView:
    """LeadEventView: one line of a lead's history."""

    at: datetime
    username: str | None
    kind: str
    text: str
    from_status: str | None = None
    to_status: str | None = None


@dataclass
class LeadView:
    """LeadView: a lead with what the lead queue, the lead page and the outreach CSV need."""

    id: int
    status: str
    created_at: datetime
    updated_at: datetime | None
    assignee_id: int | None = None
    assignee: str | None = None
    cluster_id: int | None = None
    risk: float | None = None
    explanation: list[str] = field(default_factory=list)
    language: str | None = None
    languages: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    ad_ids: list[int] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    note: str | None = None
    events: list[LeadEventView] = field(default_factory=list)
    ads: list[AdRow] = field(default_factory=list)
    title: str = ""


def leads_enabled() -> bool:
    return True


def _contacts_of(values: Any) -> list[Contact]:
    out = []
    for c in values or []:
        if isinstance(c, dict):
            value = c.get("value") or c.get("e164") or c.get("normalized")
            if value:
                out.append(Contact(str(c.get("kind") or c.get("type") or "phone"), str(value)))
        elif isinstance(c, str | int):
            out.append(Contact("email" if "@" in str(c) and not str(c).startswith("@") else
                               "handle" if str(c).startswith("@") else "phone", str(c)))
    return out


def _lead_view(lead: Lead, assignee: str | None) -> LeadView:
    return LeadView(id=lead.id, status=lead.status, created_at=lead.opened_at, updated_at=lead.updated_at,
                    assignee_id=lead.assigned_to, assignee=assignee, cluster_id=lead.cluster_id, risk=lead.score,
                    explanation=explanation_lines(lead.reasons), contacts=_contacts_of(lead.contacts),
                    cities=[str(c) for c in lead.cities or [] if c],
                    language=str(lead.languages[0]) if lead.languages else None,
                    languages=[str(x) for x in lead.languages or [] if x])


def list_leads(*, session: Session, assignee_id: int | None = None, status: str | None = None,
               with_contacts: bool = False, limit: int = 500) -> list[LeadView]:
    """list_leads (list): leads (only ``assignee_id``'s when given), open ones first, riskiest first."""
    stmt = select(Lead, User.username).outerjoin(User, User.id == Lead.assigned_to)
    if assignee_id is not None:
        stmt = stmt.where(Lead.assigned_to == assignee_id)
    if status:
        stmt = stmt.where(Lead.status == status)
    closed_last = case((Lead.status == "closed", 1), else_=0)
    stmt = stmt.order_by(closed_last, Lead.score.desc(), Lead.updated_at.desc(), Lead.id.desc()).limit(limit)
    views = [_lead_view(lead, name) for lead, name in session.execute(stmt)]
    if views:
        ids = [v.id for v in views]
        ad_map: dict[int, list[int]] = {}
        for lead_id, ad_id in session.execute(select(LeadAd.lead_id, LeadAd.ad_id).where(LeadAd.lead_id.in_(ids))
                                              .order_by(LeadAd.id)):
            ad_map.setdefault(lead_id, []).append(ad_id)
        first_ads = {v.id: ad_map.get(v.id, [None])[0] for v in views}
        titles = dict(session.execute(
            select(Ad.id, AdVersion.title).join(AdVersion, AdVersion.id == Ad.current_version_id)
            .where(Ad.id.in_([a for a in first_ads.values() if a]))).all())
        partners: dict[int, list[str]] = {}
        for lead_id, name in session.execute(select(Referral.lead_id, PartnerService.name)
                                             .join(PartnerService, PartnerService.id == Referral.partner_id)
                                             .where(Referral.lead_id.in_(ids))):
            partners.setdefault(lead_id, []).append(name)
        for v in views:
            v.ad_ids = ad_map.get(v.id, [])
            v.title = titles.get(first_ads[v.id]) or ""
            v.partners = partners.get(v.id, [])
    return views


def lead_view(*, session: Session, lead_id: int) -> LeadView | None:
    lead = session.get(Lead, lead_id)
    if lead is None:
        return None
    assignee = session.get(User, lead.assigned_to) if lead.assigned_to else None
    view = _lead_view(lead, assignee.username if assignee else None)
    view.ad_ids = list(session.scalars(select(LeadAd.ad_id).where(LeadAd.lead_id == lead_id).order_by(LeadAd.id)))
    view.ads = _ad_rows(session, view.ad_ids[:200])
    view.title = view.ads[0].title if view.ads else ""
    if not view.cities:
        view.cities = sorted({a.city for a in view.ads if a.city})
    for ev, name in session.execute(select(LeadEvent, User.username).outerjoin(User, User.id == LeadEvent.user_id)
                                    .where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id.desc())):
        text = ev.note or ""
        if ev.action == "assigned":
            text = str((ev.detail or {}).get("assignee") or "–")
        view.events.append(LeadEventView(at=ev.at, username=name, kind=ev.action, text=text,
                                         from_status=ev.from_status if ev.action == "status" else None,
                                         to_status=ev.to_status if ev.action == "status" else None))
    if lead.cluster_id is not None and not view.explanation:
        score = session.scalar(select(RiskScore).where(RiskScore.target == "cluster",
                                                       RiskScore.target_id == lead.cluster_id))
        if score is not None:
            view.explanation = explanation_lines(score.explanation)
    return view


def lead_for_ad(*, session: Session, ad_id: int) -> Lead | None:
    return session.scalar(select(Lead).join(LeadAd, LeadAd.lead_id == Lead.id).where(LeadAd.ad_id == ad_id)
                          .order_by(case((Lead.status == "closed", 1), else_=0), Lead.id.desc()).limit(1))


def promote_ad(*, session: Session, ad_id: int, user: User, note: str, assignee_id: int | None) -> int:
    """promote_ad (int): open a lead from an ad (an analyst's decision) and return its id; the ad's
    network, when it has one, comes along, and an open lead of that network is reused."""
    cluster = cluster_of_ad(session=session, ad_id=ad_id)
    lead = None
    if cluster is not None:
        lead = session.scalar(select(Lead).where(Lead.cluster_id == cluster.id, Lead.status != "closed")
                              .order_by(Lead.id.desc()).limit(1))
    now = utcnow()
    if lead is None:
        ad_ids = [ad_id]
        if cluster is not None:
            ad_ids += [a for a in session.scalars(select(AdCluster.ad_id).where(AdCluster.cluster_id == cluster.id)
                                                  .order_by(AdCluster.ad_id).limit(500)) if a != ad_id]
        ad = session.get(Ad, ad_id)
        reading = ad_reading(session=session, ad_id=ad_id, version_id=ad.current_version_id if ad else None)
        contacts = list(dict.fromkeys(reading.contacts + [Contact(k, v) for k, v in session.execute(
            select(AdContact.kind, AdContact.value).where(AdContact.ad_id.in_(ad_ids)).distinct().limit(20))]))
        cities = list(dict.fromkeys(c for c in session.scalars(
            select(AdReading.city).where(AdReading.ad_id.in_(ad_ids), AdReading.city.is_not(None))) if c))
        languages = [lang for lang, _ in sorted(_count(session.scalars(
            select(AdReading.language).where(AdReading.ad_id.in_(ad_ids), AdReading.language != "unknown"))).items(),
            key=lambda kv: -kv[1])]
        lead = Lead(cluster_id=cluster.id if cluster else None, status="new", opened_by="analyst",
                    score=reading.risk or 0.0, contacts=[{"kind": c.kind, "value": c.value} for c in contacts],
                    cities=cities[:10] or ([reading.facts["city"]] if reading.facts.get("city") else []),
                    languages=languages[:3], opened_at=now, updated_at=now)
        session.add(lead)
        session.flush()
        session.add(LeadEvent(lead_id=lead.id, user_id=user.id, action="opened", to_status="new", note=note,
                              detail={"ad_id": ad_id}))
        for a in ad_ids:
            session.add(LeadAd(lead_id=lead.id, ad_id=a))
    else:
        if session.scalar(select(LeadAd.id).where(LeadAd.lead_id == lead.id, LeadAd.ad_id == ad_id)) is None:
            session.add(LeadAd(lead_id=lead.id, ad_id=ad_id))
        if note:
            session.add(LeadEvent(lead_id=lead.id, user_id=user.id, action="note", note=note,
                                  detail={"ad_id": ad_id}))
    session.flush()
    if assignee_id is not None:
        assign_lead(session=session, lead_id=lead.id, user=user, assignee_id=assignee_id)
    return lead.id


def assign_lead(*, session: Session, lead_id: int, user: User, assignee_id: int | None) -> None:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise ValueError(f"no lead {lead_id}")
    assignee = session.get(User, assignee_id) if assignee_id else None
    lead.assigned_to = assignee_id
    lead.updated_at = utcnow()
    session.add(LeadEvent(lead_id=lead_id, user_id=user.id, action="assigned",
                          detail={"assignee": assignee.username if assignee else None}))
    if assignee_id is not None and lead.status in ("new", "triaged"):
        set_lead_status(session=session, lead_id=lead_id, user=user, status="assigned")


def set_lead_status(*, session: Session, lead_id: int, user: User, status: str, note: str = "") -> None:
    if status not in LEAD_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise ValueError(f"no lead {lead_id}")
    session.add(LeadEvent(lead_id=lead_id, user_id=user.id, action="status", from_status=lead.status,
                          to_status=status, note=note))
    lead.status = status
    lead.updated_at = utcnow()


def add_lead_note(*, session: Session, lead_id: int, user: User, note: str) -> None:
    session.add(LeadEvent(lead_id=lead_id, user_id=user.id, action="note", note=note))
    lead = session.get(Lead, lead_id)
    if lead is not None:
        lead.updated_at = utcnow()


def nationality_report(*, session: Session, limit: int = 200_000) -> list[dict[str, Any]]:
    """nationality_report (rows): per stated nationality: ads, share with an indicator hit or an ad risk
    score ≥ 0.5 ("flagged"), share labelled concern, share in a lead. Nationality itself is never a
    feature; this report exists so that an admin can see whether flags fall unevenly anyway."""
    per_ad: dict[int, str] = {}
    for ad_id, nat in session.execute(select(AdReading.ad_id, AdReading.nationality)
                                      .where(AdReading.nationality.is_not(None)).order_by(AdReading.id).limit(limit)):
        per_ad[ad_id] = str(nat)
    if not per_ad:  # the extract stage has not run: fall back to what the crawler read
        stmt = (select(Ad.id, AdVersion.raw_fields).join(AdVersion, AdVersion.id == Ad.current_version_id)
                .where(_json_text(AdVersion.raw_fields).like('%"nationality"%')).limit(limit))
        for ad_id, raw in session.execute(stmt):
            nat = (raw or {}).get("nationality")
            if isinstance(nat, str) and nat.strip():
                per_ad[ad_id] = nat.strip()
    if not per_ad:
        return []
    ids = list(per_ad)
    flagged: set[int] = set()
    for chunk in _chunks(ids, 5000):
        flagged |= set(session.scalars(select(IndicatorHit.ad_id).where(IndicatorHit.ad_id.in_(chunk)).distinct()))
        flagged |= set(session.scalars(select(RiskScore.target_id).where(
            RiskScore.target == "ad", RiskScore.target_id.in_(chunk), RiskScore.score >= 0.5)))
    concern: set[int] = set()
    labels: dict[int, str] = {}
    for chunk in _chunks(ids, 5000):
        labels.update(latest_labels(session=session, ad_ids=chunk))
    concern = {a for a, v in labels.items() if v == "concern"}
    in_lead: set[int] = set()
    for chunk in _chunks(ids, 5000):
        in_lead |= set(session.scalars(select(LeadAd.ad_id).where(LeadAd.ad_id.in_(chunk))))
    groups: dict[str, list[int]] = {}
    for ad_id, nat in per_ad.items():
        groups.setdefault(nat.lower(), []).append(ad_id)
    rows = []
    for nat, members in groups.items():
        n = len(members)
        rows.append({"nationality": nat, "ads": n,
                     "flag_rate": sum(a in flagged for a in members) / n,
                     "concern_rate": sum(a in concern for a in members) / n,
                     "lead_rate": sum(a in in_lead for a in members) / n})
    return sorted(rows, key=lambda r: -r["ads"])


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
def retention_stats(*, session: Session, cutoff: datetime) -> dict[str, int]:
    """retention_stats (dict): counts of raw pages and photos kept, purged, and due for purging."""
    html_kept = session.scalar(select(func.count()).select_from(AdVersion).where(AdVersion.html_purged_at.is_(None),
                                                                               AdVersion.html_sha256.is_not(None)))
    html_purged = session.scalar(select(func.count()).select_from(AdVersion)
                                 .where(AdVersion.html_purged_at.is_not(None)))
    html_due = session.scalar(select(func.count()).select_from(AdVersion)
                              .where(AdVersion.html_purged_at.is_(None), AdVersion.html_sha256.is_not(None),
                                     AdVersion.seen_at < cutoff))
    photos_kept = session.scalar(select(func.count()).select_from(Photo).where(Photo.path.is_not(None)))
    photos_purged = session.scalar(select(func.count()).select_from(Photo).where(Photo.purged_at.is_not(None)))
    photos_due = session.scalar(select(func.count()).select_from(Photo)
                                .where(Photo.path.is_not(None), Photo.first_seen_at < cutoff))
    return {"html_kept": html_kept or 0, "html_purged": html_purged or 0, "html_due": html_due or 0,
            "photos_kept": photos_kept or 0, "photos_purged": photos_purged or 0, "photos_due": photos_due or 0}


