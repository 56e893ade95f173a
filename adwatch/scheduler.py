"""The nightly scheduler: one cron job per enabled site, each crawl in its own process.

APScheduler 3 with a persistent SQLAlchemy job store, so a night missed while adwatch was down runs
once at start-up (coalesce + misfire grace), and ``max_instances=1`` never runs one site twice at once.
The every-minute ``run-requests`` job applies analysts' merge/split decisions (``adwatch link``) and starts
the crawls an admin asked to "run now".
"""

from __future__ import annotations

import logging
import subprocess
import sys

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from config.settings import AppSettings
from config.site_schema import SiteDefinition, load_sites
from storage import crawl_repo, decision_repo
from storage.db import make_engine, make_session_factory

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_job"  # created by APScheduler; ignored by our migrations
MISFIRE_GRACE_S = 20 * 3600  # a night missed by up to 20 hours still runs once on start-up
RETENTION_CRON = "30 5 * * *"
LINK_BUSY_EXIT = 75  # adwatch.commands.network.LINK_BUSY_EXIT: another link stage holds the lock


def _site_disabled(site_id: str) -> bool:
    settings = AppSettings()
    engine = make_engine(settings.db_url)
    try:
        with make_session_factory(engine)() as session:
            return crawl_repo.site_disabled(session=session, site_id=site_id)
    finally:
        engine.dispose()


def crawl_and_process(site_id: str, *, requested: bool = False) -> int:
    """Job: ``adwatch crawl SITE`` then ``adwatch process``, each a subprocess (own reactor, own memory).

    A site an admin disabled in the dashboard is skipped on schedule (an explicit "run now" still runs).
    """
    if not requested and _site_disabled(site_id):
        log.info("site %s is disabled in the dashboard: scheduled crawl skipped", site_id)
        return 0
    cmd = [sys.executable, "-m", "adwatch.cli"]
    log.info("scheduled crawl of %s starting", site_id)
    crawl = subprocess.run([*cmd, "crawl", site_id, "--trigger", "schedule"], check=False)
    if crawl.returncode != 0:
        log.warning("scheduled crawl of %s ended with code %s; processing what was stored", site_id,
                    crawl.returncode)
    processed = subprocess.run([*cmd, "process", "--no-progress"], check=False)
    return crawl.returncode or processed.returncode


def relink_requested(settings: AppSettings | None = None) -> int:
    """relink_requested (int): if analysts recorded or undid a merge/split, run ``adwatch link --no-wait`` now.

    Returns the number of requests taken. When another link stage holds the lock (the nightly processing),
    the requests are put back and retried next minute; a failed stage leaves its decisions pending (the
    nightly link stage applies them anyway).
    """
    settings = settings or AppSettings()
    engine = make_engine(settings.db_url)
    try:
        with make_session_factory(engine)() as session:
            ids = decision_repo.take_relink_requests(session=session)
        if not ids:
            return 0
        log.info("relink: %d merge/split request(s); running the link stage", len(ids))
        code = subprocess.run([sys.executable, "-m", "adwatch.cli", "link", "--no-wait"], check=False).returncode
        if code == LINK_BUSY_EXIT:
            log.info("relink: another link stage is running; retrying next minute")
            with make_session_factory(engine)() as session:
                decision_repo.release_relink_requests(session=session, request_ids=ids)
        elif code != 0:
            log.warning("relink: the link stage ended with code %s; decisions stay pending until the next one",
                        code)
        return len(ids)
    finally:
        engine.dispose()


def run_requested() -> int:
    """Job (every minute): apply analysts' merge/split decisions, then crawl the sites an admin asked to
    "run now" in the dashboard (relinks first: they take seconds, a crawl may take an hour)."""
    settings = AppSettings()
    relink_requested(settings)
    engine = make_engine(settings.db_url)
    try:
        with make_session_factory(engine)() as session:
            site_ids = crawl_repo.take_crawl_requests(session=session)
    finally:
        engine.dispose()
    for site_id in site_ids:
        log.info("run-now request for %s", site_id)
        crawl_and_process(site_id, requested=True)
    return len(site_ids)


def purge_job() -> int:
    """Job: apply the retention limit (``adwatch purge``)."""
    return subprocess.run([sys.executable, "-m", "adwatch.cli", "purge"], check=False).returncode


def build_scheduler(settings: AppSettings, sites: dict[str, SiteDefinition] | None = None) -> BackgroundScheduler:
    """build_scheduler (BackgroundScheduler): jobs for every enabled site plus the retention purge."""
    sites = load_sites(settings.sites_dir) if sites is None else sites
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.db_url, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        timezone="UTC",
    )
    # Start paused so the persisted jobs are loaded: a job whose trigger did not change keeps its stored
    # next run time, so a night missed while adwatch was down still runs (once) when it resumes.
    scheduler.start(paused=True)
    wanted = {"retention": ("adwatch.scheduler:purge_job", RETENTION_CRON, [], "retention purge"),
              "run-requests": ("adwatch.scheduler:run_requested", "* * * * *", [], "relink and run-now requests")}
    for site in sites.values():
        if site.enabled:
            wanted[f"crawl:{site.id}"] = ("adwatch.scheduler:crawl_and_process", site.schedule, [site.id],
                                          f"crawl {site.name}")
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing job %s (site gone or disabled)", job.id)
            job.remove()
    for job_id, (func, cron, args, name) in wanted.items():
        trigger = CronTrigger.from_crontab(cron, "UTC")
        existing = scheduler.get_job(job_id)
        if existing is not None and str(existing.trigger) == str(trigger) and list(existing.args) == args:
            continue
        scheduler.add_job(func, trigger, args=args, id=job_id, name=name, replace_existing=True)
    return scheduler
