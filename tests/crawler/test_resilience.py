"""A crawl killed with SIGKILL, a silent layout change, and ``adwatch sites check``, all for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.demo_site import DemoSite, build_corpus
from crawler.demo_site.corpus import Corpus
from storage.db import make_engine, make_session_factory
from storage.models import Ad, AdPhoto, AdVersion, Photo
from tests.crawler.conftest import (
    ROOT,
    crawl_command,
    crawl_env,
    digits,
    read_ads,
    read_runs,
    run_crawl,
    site_config_dir,
    truth_ads,
)


def _plain_http(data: dict[str, Any]) -> dict[str, Any]:
    """The site without its browser step (these tests are about storage and health, not rendering)."""
    for key in ("render_if", "actions"):
        data["ad"].pop(key, None)
    return data


def _count_ads(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Ad.__table__)).scalar_one())
    except Exception:  # the schema may not exist yet in the first instant
        return 0
    finally:
        engine.dispose()


def _assert_consistent(db_url: str) -> None:
    """Every ad has a current version of its own; no version, ad-photo link or photo is dangling."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            for ad in session.scalars(select(Ad)):
                assert ad.current_version_id is not None, f"ad {ad.external_id} has no current version"
                version = session.get(AdVersion, ad.current_version_id)
                assert version is not None and version.ad_id == ad.id
            orphans = session.scalar(select(func.count()).select_from(AdVersion).where(
                ~AdVersion.ad_id.in_(select(Ad.id))))
            assert orphans == 0, "versions without an ad"
            dangling = session.scalar(select(func.count()).select_from(AdPhoto).where(
                ~AdPhoto.photo_id.in_(select(Photo.id)) | ~AdPhoto.ad_id.in_(select(Ad.id))))
            assert dangling == 0, "ad_photo rows pointing nowhere"
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def big_corpus() -> Corpus:
    return build_corpus(seed=7, n_ads=300, n_nights=2)


@pytest.mark.slow
def test_sigkill_mid_crawl_leaves_db_consistent_and_next_run_completes(
        db_url: str, big_corpus: Corpus, tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (``db_url``; under CI a missing server fails the test, never skips it).

    PostgreSQL must roll back the killed process's open transaction when its connection drops, and the next
    run must see the dead pid and finish the site, exactly as on SQLite.
    """

    def slow_site(data: dict[str, Any]) -> dict[str, Any]:
        data = _plain_http(data)
        data["politeness"] = {"concurrency": 2, "download_delay": 0.02, "autothrottle": False}
        data["expect"] = {"min_items": 10}
        return data

    config = site_config_dir(tmp_path, "demo_nightlist", slow_site)
    data = tmp_path / "data"
    with DemoSite(big_corpus, night=1, friction=True, slow=True) as site:
        url = site.base_url + "/nightlist/"
        proc = subprocess.Popen(crawl_command("demo_nightlist", url), env=crawl_env(db_url, data, config),
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while _count_ads(db_url) < 15:
                assert proc.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "no ads stored within 90 s"
                time.sleep(0.1)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        truth = truth_ads(big_corpus, "demo_nightlist", 1)
        assert 15 <= _count_ads(db_url) < len(truth), "the kill should land mid-crawl"
        _assert_consistent(db_url)
        (killed,) = read_runs(db_url, "demo_nightlist")
        assert killed.status == "running"  # nobody could record the death yet

        site.slow = False  # the second run only has to finish; no need to wait for slow pages again
        run_crawl("demo_nightlist", url, db_url=db_url, data_dir=data,
                  config_dir=site_config_dir(tmp_path / "fast", "demo_nightlist", _plain_http))
    _assert_consistent(db_url)
    first, second = read_runs(db_url, "demo_nightlist")
    assert first.status == "killed" and any("[E001]" in m for m in first.health_messages)
    assert second.status == "finished"
    ads = read_ads(db_url, "demo_nightlist")
    assert sum(ext in ads for ext in truth) >= 0.99 * len(truth)


def test_layout_change_marks_run_unhealthy_naming_the_field(
        sqlite_url: str, demo: DemoSite, tmp_path: Path) -> None:
    def healthy(data: dict[str, Any]) -> dict[str, Any]:
        data = _plain_http(data)
        data["expect"] = {"min_items": 10, "field_coverage": {"body": 0.95, "title": 0.95}}
        return data

    def changed(data: dict[str, Any]) -> dict[str, Any]:
        data = healthy(data)
        data["ad"]["body"] = "section.ad-text"  # the site renamed its classes overnight
        data["ad"]["phones"] = ["dd.fact-telephone"]
        return data

    url, data = demo.base_url + "/nightlist/", tmp_path / "data"
    run_crawl("demo_nightlist", url, db_url=sqlite_url, data_dir=data,
              config_dir=site_config_dir(tmp_path / "a", "demo_nightlist", healthy))
    result = run_crawl("demo_nightlist", url, db_url=sqlite_url, data_dir=data,
                       config_dir=site_config_dir(tmp_path / "b", "demo_nightlist", changed))
    first, second = read_runs(sqlite_url, "demo_nightlist")
    assert first.health == "ok", first.health_messages
    assert second.health == "unhealthy"
    messages = "\n".join(second.health_messages)
    assert "[E012] field 'body'" in messages
    assert "[E014] field 'phones'" in messages
    assert "E012" in result.stderr + result.stdout  # the CLI shows it too
    assert "DEBUG" not in result.stderr + result.stdout  # INFO by default: no Scrapy debug lines


@pytest.mark.browser
def test_sites_check_prints_what_each_selector_found(sqlite_url: str, demo: DemoSite, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "adwatch.cli", "sites", "check", "demo_nightlist", "--start-url",
         demo.base_url + "/nightlist/"],
        env=crawl_env(sqlite_url, tmp_path / "data"), cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "configuration valid" in out
    assert "ad links" in out and "/nightlist/ad/" in out
    for name in ("external_id", "title", "body", "phones", "photos"):
        assert name in out
    assert "/media/" in out  # the 480w photo URL taken from srcset
    assert _count_ads(sqlite_url) == 0  # a check stores nothing


@pytest.mark.browser
def test_sites_check_renders_a_listing_that_render_if_sends_to_the_browser(sqlite_url: str, demo: DemoSite,
                                                                           tmp_path: Path) -> None:
    """A listing whose HTML is an empty shell (render_if matches) is checked in the browser, as a crawl does."""
    def by_render_if(data: dict) -> dict:
        data["listing"].pop("render")
        data["listing"]["render_if"] = "#app"
        return data

    proc = subprocess.run(
        [sys.executable, "-m", "adwatch.cli", "sites", "check", "demo_jsads", "--start-url", demo.base_url + "/jsads/"],
        env=crawl_env(sqlite_url, tmp_path / "data", site_config_dir(tmp_path, "demo_jsads", by_render_if)),
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "yes (browser)" in out and "no ad links found" not in out, out


@pytest.mark.browser
def test_sites_check_one_ad_by_url(sqlite_url: str, corpus: Corpus, demo: DemoSite, tmp_path: Path) -> None:
    """--ad-url checks one chosen ad (one whose number hides behind a button) and no listing."""
    hidden = next(r for r in truth_ads(corpus, "demo_nightlist", 1).values()
                  if any(p["style"] == "reveal" and p["placement"] == "contact" for p in r["phones"]))
    proc = subprocess.run(
        [sys.executable, "-m", "adwatch.cli", "sites", "check", "demo_nightlist", "--ad-url",
         demo.base_url + hidden["url"]],
        env=crawl_env(sqlite_url, tmp_path / "data"), cwd=ROOT, capture_output=True, text=True, timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "ad links" not in out and hidden["url"] in out
    number = next(p["e164"] for p in hidden["phones"] if p["style"] == "reveal")
    assert number.lstrip("+")[-8:] in digits(out), out  # the revealed number, read in the browser
