"""Item pipelines: photos into the content-addressed store (validated), then ads into the database."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileException
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from config.site_schema import host_allowed
from crawler.items import AdItem
from crawler.jpeg_check import check_jpeg
from crawler.photo_fetch import PhotoFetcher
from crawler.photo_fetch import usable as fetcher_usable
from crawler.transport import PHOTO_META
from storage.blobs import BlobStore
from storage.crawl_repo import AdRecord, StoredPhoto

log = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
MIN_SIDE = 24  # smaller images are spacers and tracking pixels, never photos of a person
INLINE_MAX_BYTES = 2_000_000  # a JPEG up to this size is checked on the reactor thread (~1 ms per MB)


def inspect_image(data: bytes, *, max_pixels: int) -> tuple[str, int, int]:
    """inspect_image ((format, width, height)): validate bytes as a raster photo or raise FileException.

    A JPEG (nearly every photo) is checked segment by segment without a decode (``check_jpeg``: every
    truncation and damaged headers rejected, size from its frame header; ~0.05 ms instead of ~0.8 ms for
    ``Image.open`` + a 1/8-scale decode). Other formats: Pillow reads the header, then decodes.
    """
    if data[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:512].lower():
        raise FileException("svg-refused: SVG can carry scripts and is never stored")
    if data[:3] == b"\xff\xd8\xff":
        problem, width, height = check_jpeg(data)
        if problem:
            raise FileException(f"broken-image: {problem}")
        return _checked_size("JPEG", width, height, max_pixels)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = (img.format or "").upper(), img.size
            if fmt not in ALLOWED_FORMATS:
                raise FileException(f"not-a-photo: format {fmt or 'unknown'}")
            _checked_size(fmt, width, height, max_pixels)
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # verify() misses truncated pixel data
    except FileException:
        raise
    except UnidentifiedImageError as exc:
        raise FileException("broken-image: not a recognised image format") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise FileException(f"broken-image: {exc}") from exc
    return fmt, width, height


def _checked_size(fmt: str, width: int, height: int, max_pixels: int) -> tuple[str, int, int]:
    """Pixel limit (decompression bombs) and minimum side, both from the header."""
    if width * height > max_pixels:
        raise FileException(f"too-many-pixels: {width}x{height}")
    if min(width, height) < MIN_SIDE:
        raise FileException(f"too-small: {width}x{height}")
    return fmt, width, height


def store_photo(data: bytes, blobs: BlobStore, max_pixels: int) -> tuple[str, int, int, str, str]:
    """store_photo ((format, width, height, sha256, path)): validate, then write to the blob store.

    Thread-safe (runs in a worker thread): the blob store writes a temporary file and renames it.
    """
    fmt, width, height = inspect_image(data, max_pixels=max_pixels)
    sha256, rel = blobs.put(data, kind="photos", ext=EXTENSIONS[fmt])
    return fmt, width, height, sha256, rel


class _UrlKey:
    """Media-cache key of a photo request: its URL as given (all photo requests are plain GETs).

    Scrapy's request fingerprint canonicalises the URL (split, re-quote, sort the query) and hashes method
    and body: ~60 µs per photo for a key that only dedups one run's photo URLs; two spellings of one URL
    are now fetched twice, which the content-addressed store absorbs.
    """

    def fingerprint(self, request: Request) -> bytes:
        return request.url.encode()


class PhotoPipeline(FilesPipeline):
    """PhotoPipeline: downloads an ad's new photos (allowed domains only), validates and stores them.

    Only URLs not already stored for that ad are fetched, so a second night costs no photo traffic.
    """

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.max_bytes = crawler.settings.getint("ADWATCH_PHOTO_MAX_BYTES", 8_000_000)
        self.max_pixels = crawler.settings.getint("ADWATCH_PHOTO_MAX_PIXELS", 40_000_000)
        self.stored: dict[str, StoredPhoto] = {}
        self.rejected: dict[str, str] = {}
        self._fingerprinter = _UrlKey()  # MediaPipeline's cache key (Scrapy pinned: private attribute)
        self.fetcher: PhotoFetcher | None = None
        self._photo_tasks: dict[str, asyncio.Future[dict[str, Any]]] = {}  # this run's photo URLs (shared session)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PhotoPipeline:
        if not crawler.settings.get("FILES_STORE"):
            raise NotConfigured("FILES_STORE not set")
        return cls(crawler.settings["FILES_STORE"], crawler=crawler)

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        if not isinstance(item, AdItem):
            return []
        spider: Any = info.spider
        known = spider.store.known_photo_urls(item.external_id)
        requests = []
        for url in item.photo_urls:
            if url in known:  # stored (or rejected) for this ad on an earlier night: no photo traffic
                continue
            stored = spider.store.stored_photo(url)
            if stored is not None:  # the same URL is already stored for another ad: link it, no request
                item.photos_reused[url] = stored
                self.crawler.stats.inc_value("adwatch/photos_reused")
                continue
            host = urlsplit(url).hostname or ""
            if not host_allowed(host, spider.site.allowed_domains):
                item.photo_failures.append((url, "off-site: outside allowed_domains"))
                continue
            item.photo_requests.append(url)
            requests.append(Request(url, callback=NO_CALLBACK,
                                    meta={"download_maxsize": self.max_bytes, PHOTO_META: True}))
        return requests

    def media_to_download(self, request: Request, info: Any, *, item: Any = None) -> None:
        return None  # content-addressed: always fetch new URLs; dedup happens on the sha256

    def open_spider(self) -> None:
        super().open_spider()
        # Photo bytes outside Scrapy's request path (crawler/photo_fetch.py) unless the crawl is not on
        # asyncio + PoliteDownloader, or ADWATCH_PHOTO_FETCH = "scrapy" (a Scrapy Request per photo).
        # "curl" (default): libcurl's multi handle on the loop (crawler/photo_curl.py); "session": aiohttp.
        mode = self.crawler.settings.get("ADWATCH_PHOTO_FETCH", "curl")
        usable = mode in ("curl", "session") and fetcher_usable(self.crawler)
        self.fetcher = PhotoFetcher(self.crawler, transport=mode) if usable else None
        self.crawler.stats.set_value("adwatch/photo_fetch", mode if self.fetcher else "scrapy")

    async def close_spider(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.close()

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Fetch, validate and store the item's new photos, then fill the item (``item_completed``).

        With the shared session, MediaPipeline's per-request machinery (a Deferred per photo, four event-loop
        turns, a Failure per error) is replaced by one task per photo URL and run: a URL named by several ads
        is fetched once, later ads await (or reuse) the same result, as MediaPipeline's cache did.
        """
        if self.fetcher is None:
            return await super().process_item(item)
        info = self.spiderinfo
        requests = self.get_media_requests(item, info)
        if not requests:
            return self.item_completed([], item, info)
        tasks = []
        for request in requests:
            task = self._photo_tasks.get(request.url)
            if task is None:
                task = self._photo_tasks[request.url] = asyncio.ensure_future(self._fetch_and_store(request, info))
            tasks.append(task)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        results = [(False, outcome) if isinstance(outcome, BaseException) else (True, outcome)
                   for outcome in outcomes]
        return self.item_completed(results, item, info)

    async def _fetch_and_store(self, request: Request, info: Any) -> dict[str, Any]:
        """One photo over the shared session; a refusal (robots, size, off-site redirect...) is a recorded reason."""
        assert self.fetcher is not None
        try:
            photo = await self.fetcher.fetch(request)
        except FileException as exc:
            return self._reject(request.url, exc)
        except Exception:
            log.exception("photo %s: unexpected error", request.url)
            raise
        return await self._store(request.url, photo.status, photo.body, info)

    async def media_downloaded(self, response: Response, request: Request, info: Any, *,
                               item: Any = None) -> dict[str, Any]:
        """A photo fetched as a Scrapy request (``ADWATCH_PHOTO_FETCH = "scrapy"``): validate and store it."""
        return await self._store(request.url, response.status, response.body, info)

    async def _store(self, url: str, status: int, body: bytes, info: Any) -> dict[str, Any]:
        """Validate and store one photo; a rejected file is a recorded reason, not a crawl error.

        A JPEG (header read, structure walk, sha256, file write: ~0.2 ms) is handled right here: handing it to
        the thread pool cost the reactor more than the work (measured: ~2 s more CPU per 7,700 photos). Other
        formats are decoded, so their work runs in the reactor's thread pool (Pillow and hashlib release the
        GIL).
        """
        try:
            if status != 200:
                raise FileException(f"http-{status}")
            if not body:
                raise FileException("empty-content")
            blobs = info.spider.store.blobs
            if body[:3] == b"\xff\xd8\xff" and len(body) <= INLINE_MAX_BYTES:  # no decode: no hop
                fmt, width, height, sha256, rel = store_photo(body, blobs, self.max_pixels)
            else:  # other formats are decoded: off the reactor thread
                fmt, width, height, sha256, rel = await maybe_deferred_to_future(
                    deferToThread(store_photo, body, blobs, self.max_pixels))
        except FileException as exc:
            return self._reject(url, exc)
        self.stored[url] = StoredPhoto(url, sha256, rel, width, height, fmt, len(body))
        self.inc_stats("downloaded")
        return {"url": url, "path": rel, "checksum": sha256, "status": "downloaded"}

    def _reject(self, url: str, exc: Exception) -> dict[str, Any]:
        self.rejected[url] = str(exc)
        log.info("photo %s rejected: %s", url, exc)
        return {"url": url, "path": "", "checksum": "", "status": "rejected"}

    def item_completed(self, results: list[Any], item: Any, info: Any) -> Any:
        """Fill ``item.photos`` in page order: photos linked without a request and photos fetched now."""
        if not isinstance(item, AdItem):
            return item
        fetched = dict(zip(item.photo_requests, results, strict=True))
        for url in item.photo_urls:
            if url in item.photos_reused:
                item.photos.append(item.photos_reused[url])
                continue
            if url not in fetched:
                continue  # known for this ad, or refused before any request (off-site)
            ok, result = fetched[url]
            if ok and url in self.stored:
                item.photos.append(self.stored[url])
            else:
                reason = self.rejected.get(url) or str(getattr(result, "value", result)) or "download-error"
                item.photo_failures.append((url, reason))
                self.crawler.stats.inc_value("adwatch/photo_rejected")
        return item


class StoragePipeline:
    """StoragePipeline: hands each ad to the run's CrawlStore (batched, transactional writes)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, AdItem):
            return item
        spider = spider or self.crawler.spider
        html_sha = hashlib.sha256(item.html).hexdigest() if item.html is not None else None
        spider.store.add(AdRecord(  # type: ignore[union-attr]
            external_id=item.external_id, url=item.url, content_sha256=item.content_sha256, title=item.title,
            text=item.text, raw_fields=item.raw_fields, html=item.html, encoding=item.encoding,
            html_sha256=html_sha, photos=item.photos, photo_failures=item.photo_failures,
        ))
        self.crawler.stats.inc_value("adwatch/ads_stored")
        self.crawler.stats.inc_value("adwatch/photos_stored", len(item.photos))
        return item
