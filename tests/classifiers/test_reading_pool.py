"""Reading in worker processes (real spawned processes, real SQLite and PostgreSQL): same rows as serial reading,
and a worker killed mid-run loses nothing."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.extract import make_corpus
from classifiers.reading_pool import resolve_jobs
from classifiers.reading_stage import process_readings
from config.settings import AppSettings
from storage.models.crawl import Ad, AdVersion, Site
from storage.models.reading import AdContact, AdReading, IndicatorHit


def _add_corpus(session: Session, n: int, seed: int) -> None:
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    for i, (title, text, raw) in enumerate(make_corpus(n, seed=seed)):
        ad = Ad(site_id="demo", external_id=str(i), url=f"http://demo/{i}")
        session.add(ad)
        session.flush()
        session.add(AdVersion(ad_id=ad.id, content_sha256=hashlib.sha256(text.encode()).hexdigest(), title=title,
                              text=text, raw_fields=raw))
    session.commit()


def _snapshot(session: Session) -> dict[int, Any]:
    """Everything the stage wrote, per ad version, without ids and timings."""
    out: dict[int, Any] = {}
    for r in session.scalars(select(AdReading)):
        contacts = sorted((c.kind, c.value, c.obfuscated, c.evidence)
                          for c in session.scalars(select(AdContact).where(AdContact.reading_id == r.id)))
        hits = sorted((h.code, h.indicator_id, h.source, h.start, h.end, h.text)
                      for h in session.scalars(select(IndicatorHit).where(IndicatorHit.reading_id == r.id)))
        out[r.ad_version_id] = (r.stamp, r.language, r.age, r.city, r.area, r.price_dkk_per_hour, r.nationality,
                                r.status, r.n_indicators, r.facts, contacts, hits)
    session.expire_all()
    return out


def test_workers_write_what_serial_reading_writes(session: Session, settings: AppSettings) -> None:
    _add_corpus(session, 300, seed=41)
    stats = process_readings(session, settings, progress=False, batch_size=70, jobs=2)
    assert stats.read == 300 and stats.errors == 0
    parallel = _snapshot(session)
    assert len(parallel) == 300 and sum(v[8] for v in parallel.values()) > 0  # indicator hits were found
    assert process_readings(session, settings, progress=False, reprocess=True, batch_size=70, jobs=1).read == 300
    assert _snapshot(session) == parallel
    # incremental as before: nothing stale is left for a worker
    assert process_readings(session, settings, progress=False, jobs=2).read == 0


def test_a_killed_worker_loses_no_ad(session: Session, settings: AppSettings) -> None:
    """SIGKILL to a worker (the OOM killer, an operator): the stage reads the rest itself and every ad is read."""
    _add_corpus(session, 200, seed=43)
    killed: list[int] = []

    def kill_first_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for child in multiprocessing.active_children():
                if child.pid and child.pid != os.getpid():
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break
            time.sleep(0.01)

    killer = threading.Thread(target=kill_first_worker, daemon=True)
    killer.start()
    stats = process_readings(session, settings, progress=False, batch_size=40, jobs=2)
    killer.join(timeout=5)
    assert killed, "no worker process was seen"
    assert stats.read == 200
    versions = set(session.scalars(select(AdVersion.id)))
    assert set(session.scalars(select(AdReading.ad_version_id))) == versions


def test_small_runs_stay_in_process_and_jobs_resolve(settings: AppSettings) -> None:
    assert resolve_jobs(3) == 3
    assert resolve_jobs(0) >= 1
    assert AppSettings(env="test", data_dir=settings.data_dir).read_jobs == 0
