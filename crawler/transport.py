"""PhotoDispatchHandler: photo requests over aiohttp, every other request over Scrapy's Twisted HTTP/1.1.

Why: a first crawl makes ~3 photo requests per ad page, and the crawl is CPU-bound on the reactor thread.
Scrapy 2.19's (experimental) ``AiohttpDownloadHandler`` costs ~0.3 ms less CPU per photo than the Twisted
handler (aiohttp parses HTTP in C; measured on bench/crawl.py's bare+photos spider: ~15 % less CPU), but
was no faster for HTML pages (more wall time on this bench), so only photos use it. Photos stay Scrapy
requests: every downloader middleware (robots.txt, cookies, retries/backoff, redirects, timeouts, stats)
and the site's concurrency slot apply to them exactly as before; only the socket work differs. The two
handlers keep separate keep-alive pools, so a site may see up to twice ``concurrency`` open connections
(never more than ``concurrency`` requests in flight: the slot is Scrapy's, not the handler's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from scrapy.core.downloader.handlers._aiohttp import AiohttpDownloadHandler, _ClientResponse
from scrapy.core.downloader.handlers._base_streaming import BaseStreamingDownloadHandler
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.ssl import _make_ssl_context

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

PHOTO_META = "adwatch_photo"  # set by PhotoPipeline on its requests


class LazyAiohttpHandler(AiohttpDownloadHandler):
    """Scrapy's aiohttp handler, its session opened on first use.

    Scrapy builds download handlers before the event loop runs; ``aiohttp.ClientSession`` needs a running
    loop (the stock handler fails with "no running event loop" when built at crawler start).
    """

    experimental = False  # chosen knowingly for photos only; Scrapy would warn on every crawl

    def __init__(self, crawler: Crawler) -> None:
        BaseStreamingDownloadHandler.__init__(self, crawler)
        self._ssl_context = _make_ssl_context(crawler.settings)
        self._lazy_session: aiohttp.ClientSession | None = None

    @property  # type: ignore[override]
    def _session(self) -> aiohttp.ClientSession:
        if self._lazy_session is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size_total, limit_per_host=self._pool_size_per_host)
            self._lazy_session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(),  # cookies: Scrapy's middleware
                auto_decompress=False, response_class=_ClientResponse,  # decompression: Scrapy's middleware
                skip_auto_headers=("Accept", "Accept-Encoding", "Content-Type", "User-Agent"))
        return self._lazy_session

    async def close(self) -> None:
        if self._lazy_session is not None:
            await self._lazy_session.close()


class PhotoDispatchHandler(BaseDownloadHandler):
    """The ``http``/``https`` handler of plain (non-browser) crawls: photos via aiohttp, the rest via HTTP11."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pages = HTTP11DownloadHandler(crawler)
        self.photos = LazyAiohttpHandler(crawler)

    async def download_request(self, request: Request) -> Response:
        if request.meta.get(PHOTO_META):
            self.crawler.stats.inc_value("adwatch/photo_requests_aiohttp")
            return await self.photos.download_request(request)
        return await self.pages.download_request(request)

    async def close(self) -> None:
        await self.pages.close()
        await self.photos.close()
