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


def test_relink_requests_run_the_link_stage_once_at_a_time(sqlite_url, tmp_path, monkeypatch):
    """An analyst's split is applied by the every-minute job (a real ``adwatch link`` subprocess); while another
    link stage holds the lock the request is put back and runs on the next try."""
    from sqlalchemy import select

    from adwatch.scheduler import relink_requested
    from classifiers.link_stage import link_lock, run_linking
    from config.settings import AppSettings
    from storage import decision_repo
    from storage.db import make_engine, make_session_factory
    from storage.models import AdCluster, ClusterDecision, RelinkRequest, Site
    from tests.classifiers.test_link_stage_decisions import ad

    for key, value in {"ADWATCH_DATABASE_URL": sqlite_url, "ADWATCH_DATA_DIR": str(tmp_path / "data"),
                       "ADWATCH_ENV": "test", "ADWATCH_LOG_LEVEL": "WARNING"}.items():
        monkeypatch.setenv(key, value)
    settings = AppSettings()
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        session.add(Site(id="demo", name="Demo"))
        session.flush()
        ads = [ad(session, f"r{i}", "+4577777777") for i in range(3)]
        session.commit()
        run_linking(session, settings)
        cid = session.scalar(select(AdCluster.cluster_id).where(AdCluster.ad_id == ads[0]))
        decision, _ = decision_repo.record_split(session=session, cluster_id=cid, ad_ids=[ads[2]], user_id=None,
                                                 requested_by="anna")
        session.commit()
        with link_lock(settings):
            assert relink_requested(settings) == 1  # the stage could not start: put back
        session.expire_all()
        request = session.scalar(select(RelinkRequest))
        assert request.picked_at is None and request.done_at is None
        assert session.get(ClusterDecision, decision.id).applied_at is None
        assert relink_requested(settings) == 1
        session.expire_all()
        assert session.scalar(select(RelinkRequest)).done_at is not None
        assert session.get(ClusterDecision, decision.id).applied_at is not None
        cl = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
        assert cl[ads[0]] == cl[ads[1]] == cid != cl[ads[2]]
        assert relink_requested(settings) == 0  # nothing left to do
    engine.dispose()
