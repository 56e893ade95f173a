"""Run one crawl of one site in this process (Twisted's reactor cannot restart: one crawl per process)."""

from __future__ import annotations

import gc
import logging

from scrapy.crawler import CrawlerProcess

from config.settings import AppSettings
from config.site_schema import SiteDefinition
from crawler.settings import build_crawl_settings
from crawler.spiders.site import SiteSpider


def run_crawl(app_settings: AppSettings, site: SiteDefinition, *, trigger: str = "manual",
              start_urls: list[str] | None = None) -> int:
    """run_crawl (int): crawl ``site`` to the end and return the CrawlRun id it recorded."""
    if start_urls:
        site = site.with_start_urls(start_urls)
    process = CrawlerProcess(build_crawl_settings(app_settings, site))
    quiet_scrapy_loggers(app_settings.log_level)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, site=site, app_settings=app_settings, trigger=trigger)
    tune_gc()
    process.start()
    spider = crawler.spider
    if spider is None or not hasattr(spider, "store"):
        raise RuntimeError(f"[E004] the crawl of {site.id} did not start (see the log above)")
    return int(spider.store.run_id)


def quiet_scrapy_loggers(level: str) -> None:
    """Scrapy sets its own loggers to DEBUG (one line per request and per item). Under the CLI's rich
    handler that logging cost more than the crawl (28 s of 64 s in bench/crawl.py): keep them at the
    application's level (``ADWATCH_LOG_LEVEL``, INFO by default)."""
    for name in ("scrapy", "scrapy_playwright", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(max(logging.getLevelName(level.upper()) or logging.INFO, logging.DEBUG))


def tune_gc() -> None:
    """Keep the cyclic garbage collector off the long-lived heap of a crawl process.

    Why: a first crawl allocates several short-lived container objects per request (futures, tasks, HTTP
    objects, items), so generation-0 collections run every few hundred requests and older generations keep
    re-walking everything imported and built at start (Scrapy, Twisted, SQLAlchemy metadata). Measured on
    bench/crawl.py's 10,000-ad first crawl: ~2-3 s of ~17 s crawl CPU with the collector off. Freezing what
    exists before the crawl starts and collecting generation 0 less often keeps that work small; memory
    stays bounded (cycles are still collected).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
