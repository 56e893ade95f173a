"""The nightly processing after crawls: read new ad versions, then link, cluster, score and open leads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from adwatch.alerts import AlertMailResult
from adwatch.context import open_engine
from config.settings import AppSettings
from storage.blobs import BlobStore
from storage.db import make_session_factory
from storage.retention import PurgeResult, purge_expired

log = logging.getLogger(__name__)


@dataclass
class NightlyResult:
    """NightlyResult: what each processing stage reported."""

    reading: Any
    linking: Any
    alerts: Any = None


def process_all(settings: AppSettings, *, reprocess: bool = False, progress: bool = True) -> NightlyResult:
    """process_all (NightlyResult): reading stage, then linking stage, on the configured database."""
    from classifiers.link_stage import run_linking
    from classifiers.reading_stage import process_readings

    engine = open_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            reading = process_readings(session, settings, reprocess=reprocess, progress=progress)
        with make_session_factory(engine)() as session:
            linking = run_linking(session, settings, progress=progress)
        alerts = send_alerts(settings, engine=engine)
    finally:
        engine.dispose()
    log.info("nightly processing done: reading %s; linking %s; alerts %s", reading, linking, alerts)
    return NightlyResult(reading, linking, alerts)


def send_alerts(settings: AppSettings, *, engine: Any = None) -> AlertMailResult:
    """send_alerts (AlertMailResult): saved-search e-mails now; a mail failure never fails the night."""
    from adwatch.alerts import send_alert_mails

    own = engine is None
    engine = engine or open_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            return send_alert_mails(session, settings)
    finally:
        if own:
            engine.dispose()


def purge(settings: AppSettings, *, actor: str = "scheduler") -> PurgeResult:
    """purge (PurgeResult): apply the retention limit now."""
    engine = open_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            return purge_expired(session=session, blobs=BlobStore(settings.blobs_dir),
                                 retention_days=settings.retention_days, actor=actor)
    finally:
        engine.dispose()
