"""The scheduler: one job per enabled site on its cron, one retention job, safe defaults, persisted."""

from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger

from adwatch.scheduler import JOB_TABLE, build_scheduler
from config.site_schema import SiteDefinition


def _site(site_id: str, enabled: bool, schedule: str) -> SiteDefinition:
    return SiteDefinition.model_validate({
        "id": site_id, "name": site_id, "enabled": enabled, "schedule": schedule,
        "start_urls": ["http://127.0.0.1:9/"], "allowed_domains": ["127.0.0.1"],
        "listing": {"item_links": "a::attr(href)"}, "ad": {"body": "main"},
    })


def test_jobs_follow_enabled_sites_and_persist(sqlite_url, tmp_path):
    from config.settings import AppSettings

    settings = AppSettings(env="test", data_dir=tmp_path, database_url=sqlite_url)
    sites = {"site_a": _site("site_a", True, "15 3 * * *"), "site_b": _site("site_b", False, "0 2 * * *")}
    scheduler = build_scheduler(settings, sites)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"crawl:site_a", "retention", "run-requests"}
        job = jobs["crawl:site_a"]
        assert job.args == ("site_a",)
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time >= 3600
        assert isinstance(job.trigger, CronTrigger) and "hour='3'" in str(job.trigger)
    finally:
        scheduler.shutdown(wait=False)
    # A night missed while adwatch was down (its due time passed with no scheduler running) is kept across
    # a restart, so it runs once on resume instead of being pushed to the next night.
    missed = datetime.now(UTC) - timedelta(hours=2)
    store = SQLAlchemyJobStore(url=sqlite_url, tablename=JOB_TABLE)
    store.start(scheduler, "default")  # the stopped scheduler: only its job (de)serialisation is used
    job = store.lookup_job("crawl:site_a")
    job._modify(next_run_time=missed)
    store.update_job(job)
    store.shutdown()
    scheduler = build_scheduler(settings, sites)
    try:
        assert scheduler.get_job("crawl:site_a").next_run_time == missed
    finally:
        scheduler.shutdown(wait=False)
    # Persistent store: a restart with site a disabled removes its job instead of running it.
    sites["site_a"] = _site("site_a", False, "15 3 * * *")
    scheduler = build_scheduler(settings, sites)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {"retention", "run-requests"}
    finally:
        scheduler.shutdown(wait=False)
