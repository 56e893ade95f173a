"""Politeness under bursts: a page's photos never push a site past its configured concurrency.

Scrapy 2.19's downloader started every queued request of a slot at once under the asyncio reactor (53
simultaneous requests were seen on a site configured for 8); ``crawler.downloader.PoliteDownloader``
reserves the slot before the request's task starts. The demo server counts the requests it is answering
at one moment, which is what a site would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.demo_site import Corpus, DemoSite
from tests.crawler.conftest import read_ads, read_runs, run_crawl, site_config_dir, truth_ads

pytestmark = pytest.mark.slow


def _plain(concurrency: int) -> Any:
    def edit(data: dict[str, Any]) -> dict[str, Any]:
        for key in ("render_if", "actions"):
            data["ad"].pop(key, None)
        data["politeness"] = {"concurrency": concurrency, "download_delay": 0, "autothrottle": False}
        return data
    return edit


@pytest.mark.parametrize("concurrency", [2, 3])
def test_photo_bursts_stay_within_site_concurrency(
        sqlite_url: str, corpus: Corpus, tmp_path: Path, concurrency: int) -> None:
    config = site_config_dir(tmp_path, "demo_nightlist", _plain(concurrency))
    with DemoSite(corpus, night=1, friction=False, slow=False) as site:
        run_crawl("demo_nightlist", site.base_url + "/nightlist/", db_url=sqlite_url, data_dir=tmp_path / "d",
                  config_dir=config)
        stats = site.stats()
    media = sum(n for path, n in stats["by_path"].items() if path.startswith("/media/"))
    assert media > 50, "the crawl should have fetched the ads' photos (the bursts under test)"
    (run,) = read_runs(sqlite_url, "demo_nightlist")
    assert stats["max_in_flight"] <= concurrency, stats["max_in_flight"]
    assert run.stats["adwatch/peak_in_flight"] <= concurrency  # the crawler's own count, photos included
    assert run.stats["adwatch/photo_fetch"] == "curl"
    assert run.status == "finished"
    assert len(read_ads(sqlite_url, "demo_nightlist")) >= 0.99 * len(truth_ads(corpus, "demo_nightlist", 1))
