"""Fixtures for crawler tests: the bundled demo market served in-process, and crawls run for real.

Every crawl runs ``adwatch crawl`` in a subprocess (Twisted's reactor cannot restart in one process),
against a real database (SQLite and PostgreSQL through ``db_url``) and the demo site over HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from config.settings import CONFIG_DIR
from crawler.demo_site import Corpus, DemoSite, build_corpus
from storage.db import make_engine, make_session_factory
from storage.models import Ad, AdVersion, CrawlRun

ROOT = Path(__file__).resolve().parents[2]
N_ADS = 150  # night 1 has the huge, cp1252 and malformed pages and broken images at this size
CRAWL_TIMEOUT = 240


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """corpus (Corpus): the small demo market every crawler test uses (seed 7, 150 ads, 2 nights)."""
    return build_corpus(seed=7, n_ads=N_ADS, n_nights=2)


@pytest.fixture(scope="session")
def demo(corpus: Corpus) -> Iterator[DemoSite]:
    """demo (DemoSite): the market on a free port, night 1, with 503/429 friction but no slow pages.

    Tests that switch nights or count requests start their own server instead (it takes milliseconds).
    """
    with DemoSite(corpus, night=1, friction=True, slow=False) as site:
        yield site


@dataclass
class CrawlResult:
    """CrawlResult: the finished ``adwatch crawl`` process."""

    returncode: int
    stdout: str
    stderr: str


def crawl_env(db_url: str, data_dir: Path, config_dir: Path | None = None,
              extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADWATCH_")}
    env.update(ADWATCH_DATABASE_URL=db_url, ADWATCH_DATA_DIR=str(data_dir), ADWATCH_ENV="test",
               ADWATCH_LOG_LEVEL="INFO", PYTHONPATH=str(ROOT), COLUMNS="200")
    if config_dir is not None:
        env["ADWATCH_CONFIG_DIR"] = str(config_dir)
    env.update(extra or {})
    return env


def crawl_command(site_id: str, start_url: str) -> list[str]:
    return [sys.executable, "-m", "adwatch.cli", "crawl", site_id, "--start-url", start_url, "--trigger", "test"]


def run_crawl(site_id: str, start_url: str, *, db_url: str, data_dir: Path, config_dir: Path | None = None,
              check: bool = True, extra_env: dict[str, str] | None = None) -> CrawlResult:
    """Run one crawl in its own process; fail the test with its log when it fails and ``check``."""
    proc = subprocess.run(crawl_command(site_id, start_url), env=crawl_env(db_url, data_dir, config_dir, extra_env),
                          cwd=ROOT, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    if check and proc.returncode != 0:
        pytest.fail(f"crawl of {site_id} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr)


def site_config_dir(tmp_path: Path, site_id: str, edit: Any = None) -> Path:
    """A config dir holding one copy of a bundled site YAML, optionally edited (dict -> dict)."""
    target = tmp_path / "config"
    (target / "sites").mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((CONFIG_DIR / "sites" / f"{site_id}.yaml").read_text(encoding="utf-8"))
    if edit is not None:
        data = edit(data)
    (target / "sites" / f"{site_id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


@dataclass
class AdState:
    """AdState: one stored ad with its current version, as the tests read it back."""

    id: int
    external_id: str
    status: str
    last_seen_at: Any
    removed_run_id: int | None
    version_id: int | None
    n_versions: int
    raw_fields: dict[str, Any]
    title: str | None
    text: str


def read_ads(db_url: str, site_id: str) -> dict[str, AdState]:
    """read_ads (dict): external id -> AdState for every stored ad of ``site_id``."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            out = {}
            for ad in session.scalars(select(Ad).where(Ad.site_id == site_id)):
                current = session.get(AdVersion, ad.current_version_id) if ad.current_version_id else None
                out[ad.external_id] = AdState(
                    ad.id, ad.external_id, ad.status, ad.last_seen_at, ad.removed_run_id, ad.current_version_id,
                    len(ad.versions), dict(current.raw_fields) if current else {},
                    current.title if current else None, current.text if current else "")
            return out
    finally:
        engine.dispose()


def read_runs(db_url: str, site_id: str) -> list[CrawlRun]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)(expire_on_commit=False) as session:
            runs = list(session.scalars(select(CrawlRun).where(CrawlRun.site_id == site_id).order_by(CrawlRun.id)))
            session.expunge_all()
            return runs
    finally:
        engine.dispose()


def truth_ads(corpus: Corpus, site_id: str, night: int) -> dict[str, dict[str, Any]]:
    board = site_id.removeprefix("demo_")
    return {r["external_id"]: r for r in corpus.truth(night) if r["site"] == board}


def digits(value: Any) -> str:
    return "".join(ch for ch in json.dumps(value) if ch.isdigit())


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR / "sites", target / "sites")
    return target


class QuietServer(ThreadingHTTPServer):
    """A test server whose clients drop connections on purpose (cancellation, size caps, a closed browser): a
    reset peer is expected there, not a traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
