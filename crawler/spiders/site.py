"""SiteSpider: one generic spider that crawls any site described by a SiteDefinition (YAML).

Listing pages give ad links and next pages; ad pages give raw fields. Pages that need JavaScript are
rendered in Chromium (scrapy-playwright) and the site's browser actions run first (e.g. "show number").
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

from form2request import form2request
from parsel import Selector
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from config.settings import AppSettings
from config.site_schema import PageRender, SiteDefinition, load_site
from crawler.items import AdItem
from crawler.monitors import assess_run
from crawler.pages import AdPage, ListingPage, ad_id_from_url, first_value, matches
from crawler.store import CrawlStore

log = logging.getLogger(__name__)
# A browser page whose actions did not complete (a "show number" request answered 429, a widget that never
# loaded) is rendered again this many times before it is kept as it is, flagged (raw field and stats).
RENDER_RETRIES = 2
_INTERNAL_META = ("download_", "playwright_page", "redirect_", "retry_", "depth", "_")


class SiteSpider(Spider):
    """SiteSpider: crawl one configured site into the database (one CrawlRun per crawl)."""

    name = "site"

    def __init__(self, site: SiteDefinition | None = None, app_settings: AppSettings | None = None,
                 site_id: str | None = None, trigger: str = "manual", **kwargs: Any) -> None:
        self.app_settings = app_settings or AppSettings()
        if site is None:
            if not site_id:
                raise ValueError("SiteSpider needs site=SiteDefinition or -a site_id=<id>")
            site = load_site(self.app_settings.sites_dir, site_id)
        super().__init__(name=site.id, **kwargs)
        self.site = site
        self.allowed_domains = list(site.allowed_domains)
        self.trigger = trigger
        self.filled: Counter[str] = Counter()
        self.ads_parsed = 0
        self.listing_pages_ok = 0
        self.rechecked = False
        self.started: float | None = None  # when the first request left (bench: same interval as a bare spider)
        self.store: CrawlStore

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = CrawlStore(spider.app_settings, spider.site, trigger=spider.trigger)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        log.info("crawl run %s of site %s (pid %s, render listing=%s ad=%s, db %s)", spider.store.run_id,
                 spider.site.id, os.getpid(), spider.site.listing.render, spider.site.ad.render,
                 spider.store.engine.url.render_as_string(hide_password=True))
        return spider

    # -- requests ---------------------------------------------------------------------------------------
    def _request(self, url: str, kind: str, spec: PageRender, *, browser: bool = False, **meta: Any) -> Request:
        meta["kind"] = kind
        cookies = dict(self.site.age_gate.cookies) if self.site.age_gate else {}
        if kind == "ad":
            # 404/410 reach the callback (the ad was removed) instead of being dropped as errors.
            meta["handle_httpstatus_list"] = list(self.site.removed_statuses)
        if spec.render == "browser" or browser:
            # A page that starts by waiting for a selector need not also wait for network idle.
            wait_until = "load" if spec.actions and spec.actions[0].wait_for else "networkidle"
            meta.update(playwright=True, playwright_include_page=True, playwright_context="default",
                        playwright_page_goto_kwargs={"wait_until": wait_until},
                        playwright_page_init_callback=self._share_cookies)
            return Request(url, callback=self.parse_browser, errback=self.on_error, meta=meta, cookies=cookies,
                           dont_filter=meta.pop("dont_filter", False))
        callback = self.parse_listing if kind == "listing" else self.parse_ad
        return Request(url, callback=callback, errback=self.on_error, meta=meta, cookies=cookies,
                       dont_filter=meta.pop("dont_filter", False))

    def listing_request(self, url: str, page: int, origin: str) -> Request:
        return self._request(url, "listing", self.site.listing, page=page, origin=origin)

    def ad_request(self, url: str, external_id: str | None = None, recheck: bool = False) -> Request:
        ext = external_id or ad_id_from_url(url, self.site.ad)
        return self._request(url, "ad", self.site.ad, external_id=ext, recheck=recheck, dont_filter=recheck)

    async def start(self) -> AsyncIterator[Request]:
        self.started = time.monotonic()
        for url in self.site.start_urls:
            yield self.listing_request(url, 1, url)

    # -- age gate ---------------------------------------------------------------------------------------
    def _gate(self, response: TextResponse) -> Request | None:
        """A request that passes the age gate and comes back to this page, or None if no gate is shown."""
        gate = self.site.age_gate
        if gate is None or response.meta.get("gate_tries", 0) >= 2 or not matches(response.selector, gate.detect):
            return None
        follow = first_value(response.selector, gate.follow) if gate.follow else None
        # The page we wanted is the first URL before any redirect to the gate.
        original = (response.meta.get("original_url") or (response.meta.get("redirect_urls") or [None])[0]
                    or response.request.url)
        # The gate is passed over plain HTTP (its cookie lands in Scrapy's jar, which browser pages share);
        # the page we wanted is then fetched again, in the browser if its page type needs one.
        meta = {**{k: v for k, v in response.meta.items()
                   if not k.startswith(_INTERNAL_META) and not k.startswith("playwright") and k != "rendered"},
                "gate_tries": response.meta.get("gate_tries", 0) + 1, "original_url": original}
        callback = self.parse_listing if meta.get("kind") == "listing" else self.parse_ad
        if gate.submit and not follow:
            # The form's own action and method (often POST, with hidden fields or a token), as a browser sends
            # it; the site then redirects back to the page we wanted, or we ask for it once the cookie is set.
            forms = response.css(gate.submit)
            if not forms or forms[0].root.tag != "form":  # no such form on the gate page: the layout changed
                self.logger.warning("[E017] age gate form %r not found on %s", gate.submit, response.url)
                self.crawler.stats.inc_value("adwatch/age_gate_failed")
                return None
            self.crawler.stats.inc_value("adwatch/age_gate_passed")
            return form2request(forms[0]).to_scrapy(callback=callback, errback=self.on_error, meta=meta,
                                                     dont_filter=True, cookies=dict(gate.cookies))
        self.crawler.stats.inc_value("adwatch/age_gate_passed")
        target = response.urljoin(follow) if follow else original
        return Request(target, callback=callback, errback=self.on_error, meta=meta, dont_filter=True,
                       cookies=dict(gate.cookies))

    async def _share_cookies(self, page: Any, request: Request) -> None:
        """Give the browser page the cookies Scrapy holds (age-gate cookies), so that requests made by the
        page's own scripts (e.g. a 'show number' XHR) pass the gate too."""
        from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

        engine = self.crawler.engine
        middlewares = engine.downloader.middleware.middlewares if engine else ()
        for mw in middlewares:
            if isinstance(mw, CookiesMiddleware):
                jar = mw.jars[request.meta.get("cookiejar")]
                cookies = [{"name": c.name, "value": c.value or "", "domain": c.domain, "path": c.path or "/"}
                           for c in jar.jar]
                if cookies:
                    await page.context.add_cookies(cookies)
                return

    # -- listing ----------------------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            log.warning("listing %s is not text (%s)", response.url, response.headers.get("Content-Type"))
            return
        gate = self._gate(response)
        if gate is not None:
            yield gate
            return
        if response.meta.get("original_url") and response.url != response.meta["original_url"]:
            # The gate sent us elsewhere (e.g. the home page): go back to the page we wanted.
            request = self.listing_request(response.meta["original_url"], response.meta.get("page", 1),
                                           response.meta.get("origin", response.url)).replace(dont_filter=True)
            request.meta["gate_tries"] = response.meta.get("gate_tries", 0)
            yield request
            return
        if self._needs_browser(response, self.site.listing):
            yield self._request(response.url, "listing", self.site.listing, browser=True, dont_filter=True,
                                page=response.meta.get("page", 1), origin=response.meta.get("origin", response.url))
            return
        page = ListingPage.parse(response.selector, response.url, self.site.listing)
        self.listing_pages_ok += 1
        self.crawler.stats.inc_value("adwatch/listing_pages")
        for url in page.ad_links:
            yield self.ad_request(url)
        page_no, origin = response.meta.get("page", 1), response.meta.get("origin", response.url)
        if page_no < self.site.listing.max_pages:
            for url in page.next_pages:
                yield self.listing_request(url, page_no + 1, origin)
        for url in page.follow:
            yield self.listing_request(url, 1, url)

    # -- ads --------------------------------------------------------------------------------------------
    def parse_ad(self, response: Response) -> Iterator[Any]:
        external_id = response.meta.get("external_id")
        if response.status in self.site.removed_statuses:
            if external_id:
                self.store.mark_removed(external_id)
                self.crawler.stats.inc_value("adwatch/ads_removed")
            return
        if not isinstance(response, TextResponse):
            log.warning("ad %s is not text (%s)", response.url, response.headers.get("Content-Type"))
            self.crawler.stats.inc_value("adwatch/ad_not_text")
            return
        gate = self._gate(response)
        if gate is not None:
            yield gate
            return
        original = response.meta.get("original_url")
        if original and response.url != original:
            request = self.ad_request(original, external_id, recheck=True)
            request.meta["gate_tries"] = response.meta.get("gate_tries", 0)
            yield request
            return
        if self._needs_browser(response, self.site.ad):
            yield self._request(response.url, "ad", self.site.ad, browser=True, dont_filter=True,
                                external_id=external_id)
            return
        yield from self._ad_item(response, rendered=response.meta.get("rendered", False))

    def _needs_browser(self, response: TextResponse, spec: PageRender) -> bool:
        """An HTTP page whose ``render_if`` selector matches is fetched again in the browser."""
        if response.meta.get("rendered"):
            return False
        if spec.render == "browser":
            return True  # e.g. back from passing the age gate over HTTP
        if spec.render_if is None:
            return False
        needed = bool(response.css(spec.render_if))
        if needed:
            self.crawler.stats.inc_value("adwatch/render_if_matched")
        return needed

    def _ad_item(self, response: TextResponse, *, rendered: bool) -> Iterator[AdItem]:
        body, cap = response.body, self.app_settings.max_page_bytes
        truncated = len(body) > cap
        sel = Selector(text=response.text[:cap]) if truncated else response.selector
        ad = AdPage.parse(sel, response.url, self.site, photo_limit=self.app_settings.photos_per_ad)
        if response.meta.get("external_id") and self.site.ad.external_id is None:
            ad.external_id = response.meta["external_id"]
        if truncated:
            ad.raw_fields["truncated_from_bytes"] = len(body)
            self.crawler.stats.inc_value("adwatch/pages_truncated")
        if response.meta.get("actions_incomplete"):
            ad.raw_fields["browser_actions_incomplete"] = True
        if ad.removed:
            self.store.mark_removed(response.meta.get("external_id") or ad.external_id)
            self.crawler.stats.inc_value("adwatch/ads_removed")
            return
        self.ads_parsed += 1
        self.filled.update(ad.filled_fields())
        yield AdItem(
            site_id=self.site.id, external_id=ad.external_id, url=ad.url, title=ad.title, text=ad.text,
            raw_fields=ad.raw_fields, content_sha256=ad.content_sha256(), photo_urls=ad.photo_urls,
            html=body, encoding=response.encoding, rendered=rendered,
        )

    # -- browser ----------------------------------------------------------------------------------------
    async def parse_browser(self, response: Response) -> AsyncIterator[Any]:
        """Run the page type's actions in the browser, then parse the rendered DOM like any page."""
        page = response.meta.get("playwright_page")
        kind = response.meta.get("kind", "ad")
        spec = self.site.listing if kind == "listing" else self.site.ad
        try:
            if response.status in self.site.removed_statuses and kind == "ad":
                for item in self.parse_ad(response):
                    yield item
                return
            html, incomplete = await self._run_actions(page, spec, response.request.url) if page else (
                response.text, False)
            url = page.url if page else response.url
        finally:
            if page is not None:
                await page.close()
        tries = response.meta.get("render_tries", 0)
        if incomplete and tries < RENDER_RETRIES:
            # The page's own scripts get no retries (a 429 on its XHR loses the revealed phone): render it again.
            self.crawler.stats.inc_value("adwatch/browser_render_retried")
            carry = {k: response.meta[k] for k in ("external_id", "page", "origin", "recheck") if k in response.meta}
            yield self._request(response.request.url, kind, spec, browser=True, dont_filter=True,
                                render_tries=tries + 1, **carry)
            return
        rendered = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8", request=response.request)
        self.crawler.stats.inc_value("adwatch/pages_rendered")
        rendered.meta["rendered"] = True
        if incomplete:
            log.warning("browser actions on %s did not complete after %d renders: kept as rendered, flagged",
                        response.request.url, tries + 1)
            self.crawler.stats.inc_value("adwatch/browser_actions_incomplete")
            rendered.meta["actions_incomplete"] = True
        if kind == "listing":
            for request in self.parse_listing(rendered):
                yield request
        else:
            for item in self.parse_ad(rendered):
                yield item

    async def _run_actions(self, page: Any, spec: PageRender, url: str) -> tuple[str, bool]:
        """Pass an age gate shown in the browser, come back to ``url`` (the page asked for), run the actions.

        (html, incomplete): incomplete when an action failed or timed out (the caller renders the page again).
        A ``wait_for`` right after a ``click`` that found nothing is skipped: most ads have no 'show number'
        button, and waiting for what it would reveal would cost the full timeout on each of them.
        """
        gate = self.site.age_gate
        if gate is not None and matches(Selector(text=await page.content()), gate.detect):
            if gate.click:
                await page.click(gate.click, timeout=10_000)
            elif gate.follow:
                target = first_value(Selector(text=await page.content()), gate.follow)
                if target:
                    await page.goto(page.url if target.startswith("#") else _join(page.url, target))
            elif gate.submit:
                async with page.expect_navigation(timeout=10_000):
                    await page.eval_on_selector(gate.submit, "f => f.requestSubmit ? f.requestSubmit() : f.submit()")
            await page.wait_for_load_state("networkidle")
            if page.url != url:
                await page.goto(url, wait_until="networkidle")
            self.crawler.stats.inc_value("adwatch/age_gate_passed")
        nothing_clicked = False
        incomplete = False
        for action in spec.actions:
            if action.wait_for and nothing_clicked:
                continue
            nothing_clicked = False
            try:
                if action.click:
                    clicked = await page.evaluate(
                        "(sel) => { const els = [...document.querySelectorAll(sel)];"
                        " els.forEach(e => e.click()); return els.length; }", action.click)
                    nothing_clicked = not clicked
                    if clicked and action.wait_for:
                        await page.wait_for_selector(action.wait_for, timeout=action.timeout_ms)
                    elif clicked:
                        await page.wait_for_load_state("networkidle", timeout=action.timeout_ms)
                elif action.wait_for:
                    await page.wait_for_selector(action.wait_for, timeout=action.timeout_ms)
                elif action.scroll:
                    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                    await page.wait_for_load_state("networkidle", timeout=action.timeout_ms)
                elif action.wait_ms:
                    await page.wait_for_timeout(action.wait_ms)
            except Exception as exc:  # a missing button or a slow widget must not cost the page
                log.info("browser action %s on %s did not complete: %s", action.model_dump(exclude_none=True),
                         url, exc)
                self.crawler.stats.inc_value("adwatch/browser_action_incomplete")
                incomplete = True
        return await page.content(), incomplete

    # -- errors, idle, close ----------------------------------------------------------------------------
    async def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        page = request.meta.get("playwright_page")
        if page is not None:
            await page.close()
        self.crawler.stats.inc_value(f"adwatch/errors/{request.meta.get('kind', 'other')}")
        log.warning("failed %s: %s", request.url, failure.getErrorMessage())

    def on_idle(self, spider: Spider) -> None:
        """Once the listings are done, re-check known active ads not seen (404/410 marks them removed)."""
        if spider is not self or self.rechecked or not self.site.recheck_unlisted:
            return
        self.rechecked = True
        unseen = self.store.unseen_active()
        if not unseen:
            return
        log.info("re-checking %d known ads not found in listings", len(unseen))
        stats = self.crawler.stats
        stats.set_value("adwatch/recheck_requests", len(unseen))
        if self.started is not None:  # the re-check phase lasts from here to crawl_seconds
            stats.set_value("adwatch/recheck_started_s", round(time.monotonic() - self.started, 3))
        # All at once: the scheduler feeds them to the downloader as concurrently as the site's politeness
        # allows, and their removals are written in batches (CrawlStore.mark_removed), not one UPDATE each.
        for external_id, url in unseen:
            self.crawler.engine.crawl(self.ad_request(url, external_id, recheck=True))
        raise DontCloseSpider

    def on_closed(self, spider: Spider, reason: str) -> None:
        if spider is not self:
            return
        self.store.flush()
        if self.started is not None:
            self.crawler.stats.set_value("adwatch/crawl_seconds", round(time.monotonic() - self.started, 3))
        stats = dict(self.crawler.stats.get_stats())
        health = assess_run(site=self.site, ads_parsed=self.ads_parsed, filled=self.filled, finish_reason=reason,
                            stats=stats, previous=self.store.previous_runs())
        for message in health.messages:
            log.warning("crawl health of %s: %s", self.site.id, message)
        totals = self.store.totals
        self.store.finish(
            status="finished" if reason == "finished" else "failed", finish_reason=reason,
            pages=int(stats.get("response_received_count", 0)), ads_seen=self.ads_parsed,
            ads_new=totals.new, ads_changed=totals.changed, ads_removed=len(self.store.removed),
            photos_stored=totals.photos, errors=int(stats.get("log_count/ERROR", 0)),
            stats={k: v if isinstance(v, (int, float, str)) else str(v) for k, v in stats.items()},
            field_coverage=health.coverage, health=health.health, health_messages=health.messages,
        )
        self.store.close()


def _join(base: str, target: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, target)
