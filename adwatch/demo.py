"""The demo: start the bundled synthetic ad market, crawl it, process it, and serve the dashboard.

Everything runs on 127.0.0.1 and in ``var/demo`` (SQLite) unless ADWATCH_DATA_DIR / DATABASE_URL say
otherwise. Each crawl runs in its own process, exactly as the scheduler runs them.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from adwatch.context import console, open_engine
from config.settings import AppSettings
from storage import people_repo
from storage.db import make_session_factory

DEMO_SITES = {"demo_rodelygte": "/rodelygte/", "demo_nightlist": "/nightlist/", "demo_jsads": "/jsads/"}
DEMO_USERS = (("admin", "admin"), ("analyst", "analyst"), ("outreach", "outreach"))


@dataclass
class DemoResult:
    """DemoResult: crawl run exit codes per site and the demo users' passwords."""

    crawls: dict[str, int] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)


def crawl_subprocess(settings: AppSettings, site_id: str, start_url: str) -> int:
    """Run ``adwatch crawl`` in a child process on the same settings (a fresh Twisted reactor)."""
    env = {**os.environ, "ADWATCH_DATA_DIR": str(settings.data_dir.resolve()), "ADWATCH_DATABASE_URL": settings.db_url,
           "ADWATCH_CONFIG_DIR": str(settings.config_dir)}
    cmd = [sys.executable, "-m", "adwatch.cli", "crawl", site_id, "--start-url", start_url, "--trigger", "demo"]
    return subprocess.run(cmd, env=env, check=False).returncode


def ensure_demo_users(settings: AppSettings) -> dict[str, str]:
    """Create admin/analyst/outreach accounts with fresh random passwords (reset on every demo run)."""
    from dashboard.auth import hash_password

    passwords = {}
    engine = open_engine(settings)
    with make_session_factory(engine)() as session:
        for name, role in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            user = people_repo.get_user_by_name(session=session, username=name)
            if user is None:
                people_repo.create_user(session=session, username=name, password_hash=hash_password(password),
                                        role=role, language="en")
            else:
                people_repo.set_user_password(session=session, user=user, password_hash=hash_password(password))
            passwords[name] = password
        session.commit()
    engine.dispose()
    return passwords


def run_demo(settings: AppSettings, *, ads: int = 600, seed: int = 7, nights: int = 2, site_port: int = 0,
             sites: list[str] | None = None) -> DemoResult:
    """run_demo (DemoResult): build the market, crawl ``nights`` nights of it, process, create users."""
    from adwatch.nightly import process_all
    from crawler.demo_site import DemoSite, build_corpus, write_truth

    result = DemoResult()
    chosen = sites or list(DEMO_SITES)
    corpus = build_corpus(seed=seed, n_ads=ads, n_nights=max(nights, 2))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    truth = write_truth(corpus, settings.data_dir / "demo_truth.json")
    with DemoSite(corpus, night=1, port=site_port, friction=True, slow=False) as site:
        console.print(f"[bold]demo ad market[/bold] on {site.base_url}/ ({ads} synthetic ads; truth in {truth})")
        for night in range(1, nights + 1):
            site.set_night(night)
            for site_id in chosen:
                console.rule(f"night {night}: crawling {site_id}")
                result.crawls[f"{site_id}@{night}"] = crawl_subprocess(settings, site_id,
                                                                       site.base_url + DEMO_SITES[site_id])
            console.rule(f"night {night}: reading, linking, scoring")
            process_all(settings)
    result.passwords = ensure_demo_users(settings)
    return result


def demo_settings(data_dir: Path | None) -> AppSettings:
    """Settings for the demo: var/demo unless the environment points elsewhere."""
    base = AppSettings()
    if "ADWATCH_DATA_DIR" in os.environ and data_dir is None:
        return base
    return base.model_copy(update={"data_dir": data_dir or Path("var/demo")})
