"""PhotoFetcher: photo bytes outside Scrapy's request path (libcurl, or one aiohttp session), under its politeness.

Why: on a first crawl ~3 of every 4 responses are photos, and each photo as a Scrapy ``Request`` went
through the engine, the downloader's middleware chain (both ways), the slot and the handler, on the one
reactor thread the crawl is bound by. Measured on the demo market (bench/RESULTS.md, sixth pass): ~0.9 ms of
crawl CPU per photo in all that way, ~0.55 ms with this fetcher (the GET itself ~0.21 ms, a bare aiohttp
loop ~0.13 ms). The photo pipeline still decides what to fetch, stores
content-addressed files and records rows; only the GET itself happens here, on the asyncio loop Scrapy
runs (``TWISTED_REACTOR`` is the asyncio reactor). The exchange is libcurl's by default
(``crawler.photo_curl``, eighth pass: ~60 instead of ~90 us of CPU per GET, ~6 % less crawl CPU on a first
crawl), or the aiohttp session's (``ADWATCH_PHOTO_FETCH=session``); the rules below are decided here for both.

Every rule a photo request had as a Scrapy request is kept, most of them by reusing Scrapy's own objects:

* allowed domains: the spider's ``allowed_domains``, for the photo URL and every redirect hop;
* robots.txt: Scrapy's ``RobotsTxtMiddleware`` (its parsed files, its stats), for every hop;
* concurrency and delay: a transfer slot of the site's Scrapy download slot (``PoliteDownloader.reserve``),
  so pages and photos together never exceed ``concurrency``; AutoThrottle sees photo latencies;
* cookies: Scrapy's ``CookiesMiddleware`` jar (e.g. an age gate's cookie) is sent and updated;
* headers: ``USER_AGENT`` and ``DEFAULT_REQUEST_HEADERS``;
* timeouts: ``DOWNLOAD_TIMEOUT`` (or the request's ``download_timeout``) for the whole exchange;
* size: ``download_maxsize``, from ``Content-Length`` before any body byte, then counted while streaming;
* retries: ``RETRY_HTTP_CODES`` and connection errors/timeouts, up to ``RETRY_TIMES``, waiting
  ``Retry-After`` or the exponential backoff of ``BackoffRetryMiddleware`` with the slot released;
* redirects: followed up to ``REDIRECT_MAX_TIMES``, each hop checked as above;
* stats: ``downloader/*``, ``response_received_count``, ``retry/*`` and ``robotstxt/*`` as before.

Content-Encoding is not requested (photos are already compressed), so a compressed answer is refused
rather than inflated. Validation of the bytes (only real raster images) stays in the pipeline.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import aiohttp
from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Headers, Response
from scrapy.pipelines.media import FileException
from scrapy.utils.ssl import _make_ssl_context
from twisted.internet.defer import Deferred
from yarl import URL

from config.site_schema import host_allowed
from crawler.downloader import PoliteDownloader
from crawler.middlewares import backoff_seconds
from crawler.photo_curl import CurlPhotoClient, CurlRefused, CurlTransferError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

_MISSING = object()
REDIRECTS = frozenset((301, 302, 303, 307, 308))
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, CurlTransferError, OSError)


class PhotoRefused(FileException):
    """A photo not fetched or not kept for a rule (robots, off-site redirect, size); the reason is recorded."""


@dataclass(slots=True)
class FetchedPhoto:
    """The final answer for a photo URL (after redirects and retries)."""

    url: str
    status: int
    body: bytes


class _Status:
    """The part of a response AutoThrottle's delay policy reads."""

    __slots__ = ("body", "status")

    def __init__(self, status: int) -> None:
        self.status, self.body = status, b""


def usable(crawler: Crawler) -> bool:
    """usable (bool): the crawl runs on asyncio with adwatch's downloader (else photos stay Scrapy requests)."""
    from scrapy.utils.reactor import is_asyncio_reactor_installed

    engine = crawler.engine
    return (engine is not None and isinstance(engine.downloader, PoliteDownloader)
            and is_asyncio_reactor_installed())


class PhotoFetcher:
    """PhotoFetcher: GET photo URLs over libcurl or one keep-alive aiohttp session, under the crawl's politeness."""

    def __init__(self, crawler: Crawler, *, transport: str = "curl") -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        assert crawler.engine is not None and isinstance(crawler.engine.downloader, PoliteDownloader)
        self.downloader: PoliteDownloader = crawler.engine.downloader
        middlewares = self.downloader.middleware.middlewares
        self.robots = next((m for m in middlewares if isinstance(m, RobotsTxtMiddleware)), None)
        self.cookies = next((m for m in middlewares if isinstance(m, CookiesMiddleware)), None)
        extensions = crawler.extensions.middlewares if crawler.extensions else ()
        self.throttle = next((e for e in extensions if isinstance(e, AutoThrottle)), None)
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.max_retries = settings.getint("RETRY_TIMES")
        self.retry_codes = frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES"))
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        self.default_maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.total = settings.getint("CONCURRENT_REQUESTS")
        headers = {str(k): str(v) for k, v in (settings.getdict("DEFAULT_REQUEST_HEADERS") or {}).items()}
        if settings.get("USER_AGENT"):
            headers["User-Agent"] = settings["USER_AGENT"]
        headers.pop("Accept-Encoding", None)  # photos are compressed already; see the module docstring
        self.headers = headers
        self._ssl_context = _make_ssl_context(settings)
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._session: aiohttp.ClientSession | None = None
        # "curl": libcurl's multi handle on the loop (crawler/photo_curl.py); "session": one aiohttp session.
        self.transport = transport
        self._curl = CurlPhotoClient(self.per_host or self.total or 8) if transport == "curl" else None
        self._curl_headers = [f"{name}: {value}" for name, value in headers.items()]
        if "Accept" not in headers:
            self._curl_headers.append("Accept:")  # libcurl's default "Accept: */*" is not sent (as with aiohttp)

    def _session_now(self) -> aiohttp.ClientSession:
        """The shared session, opened on first use (aiohttp needs the running loop)."""
        if self._session is None:
            # TLS as Scrapy's own handlers do it (its settings; by default no certificate verification).
            connector = aiohttp.TCPConnector(limit=self.total, limit_per_host=self.per_host, ssl=self._ssl_context)
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(),  # cookies: Scrapy's jar
                auto_decompress=False, skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"))
        return self._session

    async def close(self) -> None:
        if self._curl is not None:
            self._curl.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client_timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = aiohttp.ClientTimeout(total=seconds or None)
        return timeout

    async def fetch(self, request: Request) -> FetchedPhoto:
        """fetch (FetchedPhoto): the photo's final answer; PhotoRefused for a rule, or after the last retry.

        ``request`` is the photo pipeline's Request: its URL and meta (``download_maxsize``,
        ``download_timeout``, ``max_retry_times``, ``dont_retry``, ``cookiejar``) are read; it is not sent
        through Scrapy. An HTTP error still there after the last retry is returned as the answer (the
        pipeline records ``http-503``).
        """
        redirects = 0
        while True:
            await self._check_rules(request)
            try:
                answer = await self._exchange(request)
            except NETWORK_ERRORS as exc:
                retry = self._retry_request(request, exc)
                if retry is None:
                    raise PhotoRefused(f"download-error: {type(exc).__name__}: {exc}") from exc
                await self._backoff(request, None)
                request = retry
                continue
            if answer.status in self.retry_codes:
                retry = self._retry_request(request, f"HTTP {answer.status}")
                if retry is not None:
                    await self._backoff(request, answer.retry_after)
                    request = retry
                    continue
            if answer.status in REDIRECTS and answer.location:
                redirects += 1
                if redirects > self.max_redirects:
                    raise PhotoRefused(f"too-many-redirects: more than {self.max_redirects}")
                self.stats.inc_value("adwatch/photo_redirects")
                request = request.replace(url=urljoin(request.url, answer.location))
                continue
            return FetchedPhoto(request.url, answer.status, answer.body)

    async def _check_rules(self, request: Request) -> None:
        """Scheme, allowed domains and robots.txt for one hop (the photo URL or a redirect target)."""
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise PhotoRefused(f"not-http: {parts.scheme}")
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if domains and not host_allowed(parts.hostname or "", domains):
            self.stats.inc_value("offsite/filtered")
            raise PhotoRefused(f"off-site: {parts.hostname} outside allowed_domains")
        if self.robots is not None and not request.meta.get("dont_obey_robotstxt"):
            parsers = self.robots._parsers  # netloc -> parsed robots.txt, its pending fetch, or None (failed)
            try:
                parser = parsers.get(parts.netloc, _MISSING)
                if parser is _MISSING or isinstance(parser, Deferred):  # not fetched yet: Scrapy fetches it
                    await self.robots.process_request(request)
                else:  # the common case: the host's file is parsed; same check, same stats, no coroutine
                    self.robots.process_request_2(parser, request)  # type: ignore[arg-type]
            except IgnoreRequest as exc:
                raise PhotoRefused(f"robots-disallowed: {exc}") from exc

    async def _exchange(self, request: Request) -> _Answer:
        """One GET in a transfer slot of the site (held for the exchange only, never during a backoff)."""
        meta = request.meta
        maxsize = int(meta.get("download_maxsize", self.default_maxsize) or 0)
        timeout = float(meta.get("download_timeout", self.timeout))
        cookie = None
        use_cookies = self.cookies is not None and not meta.get("dont_merge_cookies")
        # The jar's matching (http.cookiejar, ~20 us) only when the site has set a cookie at all.
        if use_cookies and (request.cookies or len(self.cookies.jars[meta.get("cookiejar")])):  # type: ignore[union-attr]
            self.cookies.process_request(request)  # type: ignore[union-attr]
            value = request.headers.get(b"Cookie")
            cookie = value.decode("latin-1") if value else None
        stats = self.stats
        slot, token = await self.downloader.reserve(request)
        stats.inc_value("downloader/request_count")
        stats.inc_value("downloader/request_method_count/GET")
        started = monotonic()
        try:
            if self._curl is not None:
                headers = self._curl_headers if cookie is None else [*self._curl_headers, f"Cookie: {cookie}"]
                try:
                    answer = await self._curl.exchange(request.url, headers, timeout=timeout, maxsize=maxsize)
                except CurlRefused as exc:
                    if exc.too_large:
                        stats.inc_value("adwatch/photo_too_large")
                    raise PhotoRefused(str(exc)) from exc
                status, body, set_cookies = answer.status, answer.body, answer.set_cookies
                result = _Answer(status, body, answer.location, answer.retry_after)
            else:
                status, body, set_cookies, result = await self._aiohttp_get(request, cookie, timeout, maxsize)
        except NETWORK_ERRORS as exc:
            stats.inc_value("downloader/exception_count")
            stats.inc_value(f"downloader/exception_type_count/{type(exc).__name__}")
            raise
        finally:
            self.downloader.release(slot, token)
        stats.inc_value("downloader/response_count")
        stats.inc_value(f"downloader/response_status_count/{status}")
        stats.inc_value("downloader/response_bytes", len(body))
        stats.inc_value("response_received_count")
        if self.throttle is not None and not meta.get("autothrottle_dont_adjust_delay"):
            self.throttle._adjust_delay(slot, monotonic() - started, _Status(status))  # type: ignore[arg-type]
        if use_cookies and set_cookies:
            self.cookies.process_response(  # type: ignore[union-attr]
                request, Response(request.url, status=status, headers=Headers({"Set-Cookie": set_cookies})))
        return result

    async def _aiohttp_get(self, request: Request, cookie: str | None, timeout: float,
                           maxsize: int) -> tuple[int, bytes, list[str], _Answer]:
        """The exchange over the shared aiohttp session (``ADWATCH_PHOTO_FETCH=session``)."""
        headers = self.headers if cookie is None else {**self.headers, "Cookie": cookie}
        # Scrapy's Request already made the URL safe (percent-encoded, IDNA host): yarl need not again.
        async with self._session_now().get(URL(request.url, encoded=True), headers=headers, allow_redirects=False,
                                           timeout=self._client_timeout(timeout)) as resp:
            status, response_headers = resp.status, resp.headers
            body = await self._read(resp, maxsize)
        return (status, body, response_headers.getall("Set-Cookie", []),
                _Answer(status, body, response_headers.get("Location"), response_headers.get("Retry-After")))

    async def _read(self, resp: aiohttp.ClientResponse, maxsize: int) -> bytes:
        """The body, refused (connection closed) once it is known or seen to exceed ``maxsize``."""
        encoding = resp.headers.get("Content-Encoding", "identity").lower()
        if encoding not in ("identity", ""):
            resp.close()
            raise PhotoRefused(f"content-encoding-refused: {encoding}")
        length = resp.content_length
        if maxsize and length is not None and length > maxsize:
            resp.close()
            self.stats.inc_value("adwatch/photo_too_large")
            raise PhotoRefused(f"too-large: Content-Length {length} > {maxsize} bytes")
        if length is not None:
            return await resp.read()  # aiohttp reads exactly Content-Length bytes
        chunks, seen = [], 0
        async for chunk in resp.content.iter_any():
            seen += len(chunk)
            if maxsize and seen > maxsize:
                resp.close()
                self.stats.inc_value("adwatch/photo_too_large")
                raise PhotoRefused(f"too-large: more than {maxsize} bytes received")
            chunks.append(chunk)
        return b"".join(chunks)

    def _retry_request(self, request: Request, reason: str | Exception) -> Request | None:
        """Scrapy's own retry bookkeeping (``retry/*`` stats, the give-up log line), or None when spent."""
        if request.meta.get("dont_retry"):
            return None
        return get_retry_request(request, spider=self.crawler.spider, reason=reason,  # type: ignore[arg-type]
                                 max_retry_times=request.meta.get("max_retry_times", self.max_retries))

    async def _backoff(self, request: Request, retry_after: str | None) -> None:
        """Wait before a retry as ``BackoffRetryMiddleware`` does: Retry-After, else 0.5 s x 2^n (capped)."""
        delay = backoff_seconds(retry_after, request.meta.get("retry_times", 0),
                                base=self.backoff_base, cap=self.backoff_max)
        if delay > 0:
            self.stats.inc_value("adwatch/retry_backoff_s", delay)
            await asyncio.sleep(delay)


@dataclass(slots=True)
class _Answer:
    """One HTTP answer, before retries and redirects are decided."""

    status: int
    body: bytes
    location: str | None
    retry_after: str | None
