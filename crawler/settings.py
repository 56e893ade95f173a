"""Scrapy settings: module-level defaults (for ``scrapy`` commands via scrapy.cfg) and
``build_crawl_settings(app_settings, site)``, which derives a crawl's settings from AppSettings + site YAML.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config.settings import AppSettings
from config.site_schema import SiteDefinition
from crawler.browser_guard import BrowserRequestGuard

BOT_NAME = "adwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"
LOG_INSTALL_ROOT_HANDLER = False  # the CLI configures logging (rich) once
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would start an HTTP control server and write job files
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "crawler.logformatter.AdLogFormatter"  # never dump a page's HTML into the log
DOWNLOADER = "crawler.downloader.PoliteDownloader"  # Scrapy 2.19's lets queued bursts exceed the concurrency
# Scrapy starts this many asyncio worker tasks for *every* callback's output (default 100). An adwatch page
# yields at most one item, so 100 tasks per response were pure overhead (~1/3 of a plain page's CPU).
CONCURRENT_ITEMS = 4
STATS_CLASS = "crawler.stats.LeanStatsCollector"  # no per-access hook (~21 per response)

PHOTO_HANDLER = "crawler.transport.PhotoDispatchHandler"

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "crawler.pipelines.PhotoPipeline": 300,
    "crawler.pipelines.StoragePipeline": 800,
}


def bundled_chromium() -> str | None:
    """bundled_chromium (str | None): Playwright's own Chromium, when one was ever downloaded."""
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    found = sorted(glob.glob(f"{root}/chromium-*/chrome-linux*/chrome"))
    return found[-1] if found else None


def browser_launch_options(app_settings: AppSettings) -> dict[str, Any]:
    """Launch options: Playwright's bundled browser if present, else Debian's chromium (no download here)."""
    options: dict[str, Any] = {"headless": True, "args": CHROMIUM_FLAGS, "timeout": 60_000}
    if bundled_chromium() is None:
        if not app_settings.chromium_path:
            raise RuntimeError("[E003] no Chromium found: install Debian's 'chromium' or set ADWATCH_CHROMIUM_PATH")
        options["executable_path"] = app_settings.chromium_path
    return options


def uses_browser(site: SiteDefinition) -> bool:
    return site.listing.may_render or site.ad.may_render


def build_crawl_settings(app_settings: AppSettings, site: SiteDefinition) -> dict[str, Any]:
    """build_crawl_settings (dict): Scrapy settings for one crawl of ``site``."""
    pol = site.politeness
    settings: dict[str, Any] = {
        key: value for key, value in globals().items()
        if key.isupper() and key not in ("CHROMIUM_FLAGS", "PHOTO_HANDLER")
    }
    settings.update({
        "LOG_LEVEL": app_settings.log_level,
        "ROBOTSTXT_OBEY": pol.obey_robots,
        "CONCURRENT_REQUESTS": max(16, pol.concurrency * 2),
        "CONCURRENT_REQUESTS_PER_DOMAIN": pol.concurrency,
        "DOWNLOAD_DELAY": pol.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if pol.download_delay > 0 else 0.0,  # ±50 %, as browsers vary
        "AUTOTHROTTLE_ENABLED": pol.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(pol.download_delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(pol.concurrency),
        "DOWNLOAD_TIMEOUT": pol.timeout_s,
        "RETRY_TIMES": pol.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_BACKOFF_BASE": 0.5,
        "RETRY_BACKOFF_MAX": 30.0,
        # Pages above this are refused by the downloader; pages below it but above max_page_bytes are
        # parsed truncated (and say so), so a huge page costs bounded memory and loses no other ad.
        "DOWNLOAD_MAXSIZE": max(app_settings.max_page_bytes * 8, app_settings.photo_max_bytes),
        "DOWNLOAD_WARNSIZE": app_settings.max_page_bytes,
        "COOKIES_ENABLED": True,
        "USER_AGENT": pol.user_agent or "adwatch/0.1 (+anti-trafficking research crawler)",
        "FILES_STORE": str(app_settings.blobs_dir.resolve()),
        "MEDIA_ALLOW_REDIRECTS": True,
        "ADWATCH_PHOTO_MAX_BYTES": app_settings.photo_max_bytes,
        "ADWATCH_PHOTO_MAX_PIXELS": app_settings.photo_max_pixels,
        "ADWATCH_PHOTO_FETCH": app_settings.photo_fetch,  # crawler/photo_fetch.py
        "DEPTH_PRIORITY": 0,
    })
    if not uses_browser(site):  # photos over aiohttp, pages over Twisted (crawler/transport.py)
        settings["DOWNLOAD_HANDLERS"] = {"http": PHOTO_HANDLER, "https": PHOTO_HANDLER}
    else:
        settings["DOWNLOAD_HANDLERS"] = {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        }
        settings["PLAYWRIGHT_BROWSER_TYPE"] = "chromium"
        settings["PLAYWRIGHT_LAUNCH_OPTIONS"] = browser_launch_options(app_settings)
        # Requests a rendered page makes itself: no images/fonts/media, nothing off-site, robots.txt obeyed.
        settings["PLAYWRIGHT_ABORT_REQUEST"] = BrowserRequestGuard.for_site(site, settings["USER_AGENT"])
        settings["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] = max(2, pol.concurrency)
        settings["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] = pol.timeout_s * 1000
        if site.age_gate and site.age_gate.cookies:
            settings["PLAYWRIGHT_CONTEXTS"] = {"default": {"storage_state": {"cookies": [
                {"name": k, "value": v, "domain": urlsplit(url).hostname, "path": "/"}
                for k, v in site.age_gate.cookies.items() for url in site.start_urls[:1]
            ]}}}
    return settings
