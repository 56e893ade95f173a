"""``adwatch sites check``: try a site's YAML on one live listing page and one ad, store nothing.

It reuses SiteSpider's request, age-gate and browser logic, so what it shows is what a crawl would see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response, TextResponse

from config.settings import AppSettings
from config.site_schema import SiteDefinition
from crawler.pages import AdPage, ListingPage, select_values
from crawler.runner import quiet_scrapy_loggers
from crawler.settings import build_crawl_settings
from crawler.spiders.site import SiteSpider


@dataclass
class CheckReport:
    """CheckReport: what each selector found on one listing page and one ad page."""

    listing_url: str | None = None
    listing_rendered: bool = False
    ad_links: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    ad_url: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class CheckSpider(SiteSpider):
    """CheckSpider: SiteSpider that stops after one listing and one ad and writes to a report."""

    name = "site-check"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CheckSpider:
        report, ad_url = kwargs.pop("report"), kwargs.pop("ad_url", None)
        spider: CheckSpider = super(SiteSpider, cls).from_crawler(crawler, *args, **kwargs)
        spider.report, spider.ad_url = report, ad_url
        return spider

    async def start(self) -> AsyncIterator[Request]:
        if self.ad_url:
            yield self.ad_request(self.ad_url)
            return
        async for request in super().start():
            yield request

    def ad_request(self, url: str, external_id: str | None = None, recheck: bool = False) -> Request:
        return super().ad_request(url, external_id, recheck)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self.report.errors.append(f"listing {response.url} is not text")
            return
        gate = self._gate(response)
        if gate is not None:
            yield gate
            return
        if self._needs_browser(response, self.site.listing):  # render_if matched: the check sees what a crawl sees
            yield self._request(response.url, "listing", self.site.listing, browser=True, dont_filter=True,
                                page=1, origin=response.url)
            return
        page = ListingPage.parse(response.selector, response.url, self.site.listing)
        self.report.listing_url = response.url
        self.report.listing_rendered = bool(response.meta.get("rendered"))
        self.report.ad_links, self.report.next_pages, self.report.follow = page.ad_links, page.next_pages, page.follow
        if page.ad_links:
            yield self.ad_request(page.ad_links[0])
        elif page.follow:
            yield self.listing_request(page.follow[0], 1, page.follow[0])
        else:
            self.report.errors.append("no ad links found on the listing page: check listing.item_links")

    def parse_ad(self, response: Response) -> Iterator[Any]:
        if response.status in self.site.removed_statuses:  # a check has no store to mark it removed in
            self.report.errors.append(f"ad {response.url} answered {response.status} (removed)")
            return iter(())
        return super().parse_ad(response)

    def _ad_item(self, response: TextResponse, *, rendered: bool) -> Iterator[Any]:
        ad = AdPage.parse(response.selector, response.url, self.site)
        self.report.ad_url = response.url
        spec = self.site.ad
        self.report.fields = {
            "external_id": ad.external_id, "title": ad.title, "body": ad.text[:300],
            **{k: v for k, v in ad.raw_fields.items()}, "photos": ad.photo_urls, "rendered": rendered,
        }
        if spec.removed:
            self.report.fields["removed"] = select_values(response.selector, spec.removed)
        return iter(())

    def on_idle(self, spider: Any) -> None:
        return None

    def on_closed(self, spider: Any, reason: str) -> None:
        if reason != "finished":
            self.report.errors.append(f"check ended: {reason}")

    async def on_error(self, failure: Any) -> None:
        self.report.errors.append(f"{failure.request.url}: {failure.getErrorMessage()}")
        await super().on_error(failure)


def check_site(app_settings: AppSettings, site: SiteDefinition, ad_url: str | None = None) -> CheckReport:
    """check_site (CheckReport): fetch one listing page and one ad of ``site`` and report every field.

    ad_url (str): check this ad page only (no listing), e.g. one whose number hides behind a button.
    """
    settings = build_crawl_settings(app_settings, site.with_start_urls(site.start_urls[:1]))
    settings["ITEM_PIPELINES"] = {}
    settings["LOG_LEVEL"] = "WARNING"
    report = CheckReport()
    process = CrawlerProcess(settings)
    quiet_scrapy_loggers("WARNING")
    process.crawl(CheckSpider, site=site.with_start_urls(site.start_urls[:1]), app_settings=app_settings,
                  report=report, ad_url=ad_url)
    process.start()
    return report
