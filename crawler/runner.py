"""Run one crawl of one site in this process (Twisted's reactor cannot restart: one crawl per process)."""

from __future__ import annotations

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
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, site=site, app_settings=app_settings, trigger=trigger)
    process.start()
    spider = crawler.spider
    if spider is None or not hasattr(spider, "store"):
        raise RuntimeError(f"[E004] the crawl of {site.id} did not start (see the log above)")
    return int(spider.store.run_id)
