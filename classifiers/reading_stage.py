"""The reading stage: read every ad version that has no reading under the current stamp, in batches.

Why a stamp: a reading is current when it was made by this reader version with these lexicon
versions; after an analyst bumps a lexicon, ``process_readings`` re-reads only what is stale, and
``reprocess=True`` re-reads everything. Each batch is committed, so an interrupted run resumes.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field, fields
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from classifiers.gc_policy import stage_gc
from classifiers.market import update_low_price
from classifiers.reading import READER_VERSION, AdReading, Resources, load_resources
from classifiers.reading_pool import MIN_ADS, ReadingPool, Result, Row, read_rows, resolve_jobs
from config.settings import AppSettings
from storage.models.reading import AdReading as AdReadingRow
from storage.reading_repo import count_unread, replace_readings, unread_versions

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class Stats:
    """Stats: what one run of the stage did."""

    read: int = 0
    partial: int = 0
    errors: int = 0
    contacts: int = 0
    hits: int = 0
    low_price: int = 0
    seconds: float = 0.0
    stamp: str = ""
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def ads_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def _nul_free(obj: Any) -> Any:
    """PostgreSQL text and JSONB reject NUL characters; evidence copied from raw text may hold them."""
    if isinstance(obj, str):
        return obj.replace("\x00", "")
    if isinstance(obj, dict):
        return {k: _nul_free(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_nul_free(v) for v in obj]
    return obj


def _has_nul(obj: Any) -> bool:
    """True when a NUL is in any string of ``obj``: a walk without copies, so clean readings are not rebuilt."""
    if isinstance(obj, str):
        return "\x00" in obj
    if isinstance(obj, bytes | bytearray):
        return b"\x00" in obj
    if isinstance(obj, dict):
        return any(_has_nul(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(_has_nul(v) for v in obj)
    return False


def input_has_nul(title: Any, text: Any, raw_fields: Any) -> bool:
    """True unless title, text and raw fields are plain strings/JSON without NUL.

    Why: every string of a reading is cut from these inputs or made by the reader (codes, E.164, reasons), so a
    NUL-free input gives a NUL-free reading, and the stage need not walk each reading for one.
    """
    if not isinstance(title, str | None) or not isinstance(text, str | None):
        return True
    return _has_nul((title or "", text or "", raw_fields or {}))


_FACT_FIELDS = tuple(f.name for f in fields(AdReading) if f.name != "indicators")


def contact_rows(reading: AdReading, *, maybe_nul: bool = True) -> list[dict[str, Any]]:
    """contact_rows: ``ad_contact`` values (kind phone | email | handle:<service>) of one reading.

    maybe_nul (bool): False when the ad's input held no NUL, so the reading cannot hold one either.
    """
    rows = [{"kind": "phone", "value": p["e164"], "obfuscated": bool(p["obfuscated"]),
             "evidence": p["raw"][:500] if p["source"] != "field" else f"field: {p['raw'][:200]}"}
            for p in reading.phones]
    rows += [{"kind": "email", "value": e[:200], "obfuscated": False, "evidence": None} for e in reading.emails]
    rows += [{"kind": f"handle:{h['kind']}", "value": h["value"][:200], "obfuscated": False, "evidence": None}
             for h in reading.handles]
    return [_nul_free(r) for r in rows] if maybe_nul and _has_nul(rows) else rows


def hit_rows(reading: AdReading) -> list[dict[str, Any]]:
    """hit_rows: ``indicator_hit`` values of one reading."""
    # a dict display per hit, not a comprehension over the key names (~3x cheaper per hit)
    return [{"code": h["code"], "indicator_id": h["indicator_id"], "lexicon_id": h["lexicon_id"],
             "lexicon_version": h["lexicon_version"], "source": h["source"], "start": h["start"], "end": h["end"],
             "text": _nul_free(str(h["text"])[:1000])} for h in reading.indicators]


def to_row(reading: AdReading, *, version_id: int, ad_id: int, site_id: str, res: Resources,
           duration_ms: float) -> AdReadingRow:
    """to_row (AdReadingRow): the ``ad_reading`` row of one reading."""
    values = to_values(reading, version_id=version_id, ad_id=ad_id, site_id=site_id, res=res, duration_ms=duration_ms)
    values["facts"] = _nul_free(values["facts"])  # an ORM object holds plain lists, as after a reload
    return AdReadingRow(**values)


def to_values(reading: AdReading, *, version_id: int, ad_id: int, site_id: str, res: Resources,
              duration_ms: float, maybe_nul: bool = True) -> dict[str, Any]:
    """to_values (dict): the ``ad_reading`` column values of one reading (for bulk inserts).

    maybe_nul (bool): False when the ad's input held no NUL (see ``input_has_nul``): the walk is skipped.
    """
    # The row's JSON is written straight from the frozen reading (nothing mutates it); _nul_free copies only
    # when a NUL must go.
    facts = {f: getattr(reading, f) for f in _FACT_FIELDS}
    if maybe_nul and _has_nul(facts):
        facts = _nul_free(facts)
    stamp, versions = _constants(res)
    return dict(
        ad_version_id=version_id, ad_id=ad_id, site_id=site_id, stamp=stamp, reader_version=READER_VERSION,
        lexicon_versions=dict(versions), language=reading.language, age=reading.age, city=reading.city,
        area=reading.area, price_dkk_per_hour=reading.price_dkk_per_hour, nationality=reading.nationality,
        facts=facts, n_indicators=len(reading.indicators), duration_ms=round(duration_ms, 3),
        status="partial" if reading.skipped or reading.errors else "ok",
    )


_CONSTANTS: dict[int, tuple[Resources, str, dict[str, int]]] = {}


def _constants(res: Resources) -> tuple[str, dict[str, int]]:
    """(stamp, lexicon id -> version) of ``res``, computed once per resources object (each row copies the dict).

    Why: ``Resources.stamp`` hashes the reading config's JSON (~4 µs), once per row before.
    """
    got = _CONSTANTS.get(id(res))
    if got is None or got[0] is not res:
        got = _CONSTANTS[id(res)] = (res, res.stamp, res.lexicons.versions())
    return got[1], got[2]


def process_readings(session: Session, settings: AppSettings, *, reprocess: bool = False,
                     progress: bool = True, batch_size: int = BATCH, jobs: int | None = None) -> Stats:
    """process_readings (Stats): read stale (or, with ``reprocess``, all) ad versions; then LOW_PRICE.

    jobs (int): worker processes reading ads (0 = one per core); None = ``settings.read_jobs``, used only when
    at least ``reading_pool.MIN_ADS`` ads wait (below that, starting the workers costs more than it saves).
    """
    res = load_resources(settings)
    stats = Stats(stamp=res.stamp)
    total = count_unread(session=session, stamp=res.stamp, reprocess=reprocess)
    workers = resolve_jobs(settings.read_jobs if jobs is None else jobs)
    if jobs is None and total < MIN_ADS:
        workers = 1
    log.info("reading %d ad versions (stamp %s, lexicons %s, db %s, %d process(es))", total, res.stamp,
             res.lexicons.versions(), session.get_bind().dialect.name, workers)
    started = time.perf_counter()
    bar = Progress(TextColumn("reading ads"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   disable=not progress, transient=False)
    stack = ExitStack()
    stack.enter_context(stage_gc())  # before the workers fork: they inherit the frozen heap and the threshold
    try:
        pool = ReadingPool(settings, workers) if workers > 1 else None
    except BaseException:
        stack.close()
        raise

    def readings(items: list[Row], futures: list[Any] | None) -> list[Result]:
        if futures is not None and pool is not None and not pool.broken:
            try:
                return list(ReadingPool.results(futures))
            except BrokenProcessPool:  # a worker died (killed, out of memory): read the rest here
                log.exception("[E206] a reading worker died; reading the remaining ads in this process")
                pool.broken = True
        return read_rows(items, settings, res)

    def write(rows: list[Any], items: list[Row], futures: list[Any] | None) -> None:
        batch: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = []
        for (vid, ad_id, site_id, title, text, raw_fields), (_vid, reading, ms) in zip(
                rows, readings(items, futures), strict=True):
            nul = input_has_nul(title, text, raw_fields)
            contacts, hits = contact_rows(reading, maybe_nul=nul), hit_rows(reading)
            batch.append((to_values(reading, version_id=vid, ad_id=ad_id, site_id=site_id, res=res,
                                    duration_ms=ms, maybe_nul=nul), contacts, hits))
            stats.read += 1
            stats.partial += bool(reading.skipped or reading.errors)
            stats.errors += len(reading.errors)
            stats.contacts += len(contacts)
            stats.hits += len(hits)
            for h in hits:
                stats.by_code[h["code"]] = stats.by_code.get(h["code"], 0) + 1
        replace_readings(session=session, items=batch)
        session.commit()
        bar.advance(task, len(rows))

    last_id = 0
    with stack, bar, pool or nullcontext():
        task = bar.add_task("read", total=total)
        pending: tuple[list[Any], list[Row], list[Any] | None] | None = None
        while True:  # the workers read batch k+1 while this process writes batch k
            rows = list(unread_versions(session=session, stamp=res.stamp, after_id=last_id, limit=batch_size,
                                        reprocess=reprocess))
            items: list[Row] = [(vid, title, text, raw) for vid, _a, _s, title, text, raw in rows]
            futures = None
            if rows:
                last_id = rows[-1][0]
                if pool is not None and not pool.broken:
                    try:
                        futures = pool.submit(items)
                    except BrokenProcessPool:  # known broken since the last batch: read it here
                        pool.broken = True
            if pending is not None:
                write(*pending)
            if not rows:
                break
            pending = (rows, items, futures)
    stats.low_price = update_low_price(session=session, stamp=res.stamp, cfg=res.config.low_price)
    session.commit()
    stats.seconds = time.perf_counter() - started
    log.info("read %d ad versions in %.1fs (%d partial, %d contacts, %d hits, %d LOW_PRICE)", stats.read,
             stats.seconds, stats.partial, stats.contacts, stats.hits, stats.low_price)
    return stats
