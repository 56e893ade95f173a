"""SQL of the reading stage: which ad versions need reading, and writing readings with their rows.

Keyword-only functions, session first; the caller commits (the stage commits per batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from storage.models.crawl import Ad, AdVersion
from storage.models.reading import AdContact, AdReading, IndicatorHit


def count_unread(*, session: Session, stamp: str, reprocess: bool = False) -> int:
    """count_unread (int): ad versions without a reading under ``stamp`` (all versions if ``reprocess``)."""
    q = select(func.count(AdVersion.id))
    if not reprocess:
        q = q.outerjoin(AdReading, and_(AdReading.ad_version_id == AdVersion.id, AdReading.stamp == stamp)).where(
            AdReading.id.is_(None))
    return int(session.scalar(q) or 0)


def unread_versions(*, session: Session, stamp: str, after_id: int, limit: int, reprocess: bool = False
                    ) -> Sequence[Any]:
    """unread_versions: (version id, ad id, site id, title, text, raw_fields) rows after ``after_id``, by id."""
    q = (select(AdVersion.id, AdVersion.ad_id, Ad.site_id, AdVersion.title, AdVersion.text, AdVersion.raw_fields)
         .join(Ad, Ad.id == AdVersion.ad_id).where(AdVersion.id > after_id))
    if not reprocess:
        q = q.outerjoin(AdReading, and_(AdReading.ad_version_id == AdVersion.id, AdReading.stamp == stamp)).where(
            AdReading.id.is_(None))
    return session.execute(q.order_by(AdVersion.id).limit(limit)).all()


def replace_reading(*, session: Session, ad_version_id: int, reading: AdReading,
                    contacts: Iterable[dict[str, Any]], hits: Iterable[dict[str, Any]]) -> AdReading:
    """replace_reading: drop the version's older readings (their contacts and hits) and store this one."""
    old_ids = list(session.scalars(select(AdReading.id).where(AdReading.ad_version_id == ad_version_id)))
    if old_ids:
        session.execute(delete(AdContact).where(AdContact.reading_id.in_(old_ids)))
        session.execute(delete(IndicatorHit).where(IndicatorHit.reading_id.in_(old_ids)))
        session.execute(delete(AdReading).where(AdReading.id.in_(old_ids)))
    session.add(reading)
    session.flush()
    session.add_all([AdContact(reading_id=reading.id, ad_id=reading.ad_id, ad_version_id=ad_version_id, **c)
                     for c in contacts])
    session.add_all([IndicatorHit(reading_id=reading.id, ad_id=reading.ad_id, ad_version_id=ad_version_id, **h)
                     for h in hits])
    return reading


def replace_readings(*, session: Session, items: Sequence[tuple[dict[str, Any], list[dict[str, Any]],
                                                                  list[dict[str, Any]]]]) -> None:
    """replace_readings: bulk form of ``replace_reading`` for one batch of (reading values, contacts, hits).

    Three deletes and three multi-row inserts per batch instead of a flush per ad.
    """
    if not items:
        return
    version_ids = [r["ad_version_id"] for r, _, _ in items]
    old_ids = list(session.scalars(select(AdReading.id).where(AdReading.ad_version_id.in_(version_ids))))
    for i in range(0, len(old_ids), 900):
        chunk = old_ids[i:i + 900]
        session.execute(delete(AdContact).where(AdContact.reading_id.in_(chunk)))
        session.execute(delete(IndicatorHit).where(IndicatorHit.reading_id.in_(chunk)))
        session.execute(delete(AdReading).where(AdReading.id.in_(chunk)))
    # Core inserts on the tables (same columns and defaults): the ORM bulk path costs more than the SQL here.
    # RETURNING without parameter order: SQLite then batches the rows instead of one INSERT per row; the
    # new ids are matched back by ad_version_id, unique within a batch (one reading per version).
    table = AdReading.__table__
    values = [r for r, _, _ in items]
    if len(set(version_ids)) == len(version_ids):
        id_of = {v: i for v, i in session.execute(insert(table).returning(table.c.ad_version_id, table.c.id), values)}
        ids = [id_of[v] for v in version_ids]
    else:  # the same version twice (two stamps): keep the parameter order instead
        ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), values))
    owners = [(rid, r["ad_id"], r["ad_version_id"]) for rid, (r, _, _) in zip(ids, items, strict=True)]
    _insert_children(session, AdContact.__table__, owners, [cs for _, cs, _ in items])
    _insert_children(session, IndicatorHit.__table__, owners, [hs for _, _, hs in items])


_OWNER = ("reading_id", "ad_id", "ad_version_id")


def _insert_children(session: Session, table: Any, owners: list[tuple[int, int, int]],
                     groups: list[list[dict[str, Any]]]) -> None:
    """Insert each group's rows under its owner (reading id, ad id, version id) with one driver executemany.

    Rows hold plain values (str, int, bool, None). Why: contact and hit rows are ~85 % of a batch's rows, and
    SQLAlchemy's per-row parameter processing cost more than SQLite's insert; these columns have no type
    conversion to do. The parameter tuples are made straight from the rows (no merged dict per row) when the
    driver takes positional parameters and every row has the first row's keys; anything else goes the usual way.
    """
    first = next((rows[0].keys() for rows in groups if rows), None)
    if first is None:
        return
    same = all(r.keys() == first for rows in groups for r in rows)
    compiled = insert(table).compile(dialect=session.get_bind().dialect, column_keys=[*_OWNER, *first]) \
        if same else None
    order = list(compiled.positiontup or []) if compiled is not None and compiled.positional else []
    if len(order) < 5 or tuple(order[:3]) != _OWNER:
        rows = [dict(zip(_OWNER, owner, strict=True)) | r for owner, rs in zip(owners, groups, strict=True)
                for r in rs]
        if compiled is None or compiled.positional:
            session.execute(insert(table), rows)
        else:  # named parameters (PostgreSQL): the dicts are the parameters
            session.connection().exec_driver_sql(str(compiled), rows)
        return
    values = itemgetter(*order[3:])  # two keys or more: a tuple
    params = [owner + values(r) for owner, rs in zip(owners, groups, strict=True) for r in rs]
    session.connection().exec_driver_sql(str(compiled), params)


def priced_readings(*, session: Session, stamp: str) -> Sequence[Any]:
    """priced_readings: (reading id, ad id, version id, site id, city, price) of current readings with a price."""
    q = (select(AdReading.id, AdReading.ad_id, AdReading.ad_version_id, AdReading.site_id, AdReading.city,
                AdReading.price_dkk_per_hour)
         .where(AdReading.stamp == stamp, AdReading.price_dkk_per_hour.is_not(None)))
    return session.execute(q).all()


def replace_market_hits(*, session: Session, stamp: str, hits: Iterable[dict[str, Any]]) -> int:
    """replace_market_hits (int): LOW_PRICE rows of current readings replaced by ``hits``; returns the count."""
    current = select(AdReading.id).where(AdReading.stamp == stamp).scalar_subquery()
    session.execute(delete(IndicatorHit).where(IndicatorHit.code == "LOW_PRICE",
                                               IndicatorHit.reading_id.in_(current)))
    rows = [IndicatorHit(**h) for h in hits]
    session.add_all(rows)
    return len(rows)


def contacts_of(*, session: Session, ad_version_id: int) -> Sequence[AdContact]:
    return session.scalars(select(AdContact).where(AdContact.ad_version_id == ad_version_id)).all()


def hits_of(*, session: Session, ad_version_id: int) -> Sequence[IndicatorHit]:
    return session.scalars(select(IndicatorHit).where(IndicatorHit.ad_version_id == ad_version_id)).all()


def reading_of(*, session: Session, ad_version_id: int) -> AdReading | None:
    return session.scalars(select(AdReading).where(AdReading.ad_version_id == ad_version_id)
                           .order_by(AdReading.id.desc())).first()
