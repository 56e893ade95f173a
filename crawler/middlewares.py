"""Downloader middlewares: retries that back off (honouring Retry-After) instead of hammering a site."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

log = logging.getLogger(__name__)


def backoff_seconds(retry_after: str | bytes | None, retries: int, *, base: float, cap: float) -> float:
    """backoff_seconds (float): seconds to wait: the site's Retry-After (seconds) when given, else exponential."""
    if retry_after:
        value = retry_after.decode("latin-1") if isinstance(retry_after, bytes) else retry_after
        try:
            return min(cap, max(0.0, float(value.strip())))
        except ValueError:
            pass  # an HTTP date: fall back to our own backoff
    return min(cap, base * (2**retries))


def retry_delay(response: Response, retries: int, *, base: float, cap: float) -> float:
    """retry_delay (float): seconds to wait before retrying ``response``'s request (``backoff_seconds``)."""
    return backoff_seconds(response.headers.get(b"Retry-After"), retries, base=base, cap=cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """BackoffRetryMiddleware: Scrapy's retry, but 429/5xx wait before the retry is scheduled.

    Settings: ``RETRY_BACKOFF_BASE`` (s, default 0.5), ``RETRY_BACKOFF_MAX`` (s, default 30).
    The wait happens off the download slot, so other requests continue meanwhile.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        page = request.meta.pop("playwright_page", None)
        if page is not None:  # a browser page per failed attempt would exhaust the context's page limit
            await page.close()
        retries = request.meta.get("retry_times", 0)
        if retries < request.meta.get("max_retry_times", self.max_retry_times):
            delay = retry_delay(response, retries, base=self.backoff_base, cap=self.backoff_max)
            if delay > 0:
                self.crawler.stats.inc_value("adwatch/retry_backoff_s", delay)
                await asyncio.sleep(delay)
        return self._retry(request, f"HTTP {response.status}") or response
