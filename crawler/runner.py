"""Run one crawl of one site in this process (Twisted's reactor cannot restart: one crawl per process)."""

from __future__ import annotations

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
