"""PoliteDownloader: Scrapy's downloader with the per-site concurrency limit actually enforced, and shared.

Why: under the asyncio reactor, Scrapy 2.19's ``Downloader._process_queue`` starts each queued request as
an asyncio *task* and only marks it "transferring" when the task first runs. Its loop
``while slot.queue and slot.free_transfer_slots() > 0`` therefore sees no slot taken and starts *every*
queued request at once. A page's photos (queued together by the photo pipeline) burst past
``politeness.concurrency``: 53 simultaneous requests to a site configured for 8 were measured on the demo
market, each extra one a new TCP connection that the pool then drops. Reserving the transfer slot before
the task is scheduled restores the limit (and connection reuse).

Photos are fetched outside Scrapy's request path (``crawler.photo_fetch``) but must obey the same limit and
delay as the pages: ``reserve``/``release`` let them take a transfer slot of the site's Scrapy slot, so
pages and photos together never exceed ``concurrency`` in flight, and a ``download_delay`` spaces them all.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class SlotToken:
    """A transfer slot held by a request made outside Scrapy's downloader (a photo fetch)."""

    __slots__ = ()


class PoliteDownloader(Downloader):
    """PoliteDownloader: at most ``slot.concurrency`` requests in flight per site, bursts and photos included."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Outside fetches waiting for a transfer slot, per Scrapy slot (Slot compares by identity).
        self._waiters: dict[Slot, deque[asyncio.Future[SlotToken]]] = {}
        self.peak_in_flight = 0  # most requests in flight to one site (``adwatch/peak_in_flight``)

    async def reserve(self, request: Request) -> tuple[Slot, SlotToken]:
        """Wait for a transfer slot of ``request``'s site (its concurrency and delay); ``release`` it after.

        Waiting fetches are started before queued Scrapy requests: each one completes an ad already in the
        item pipeline, while a queued page would only bring more photos.
        """
        _key, slot = self._get_slot(request)
        future: asyncio.Future[SlotToken] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(slot, deque()).append(future)
        self._process_queue(slot)
        try:
            return slot, await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(slot, future.result())
            raise

    def release(self, slot: Slot, token: SlotToken) -> None:
        """Give back a slot taken by ``reserve`` and start whatever waits for it."""
        slot.transferring.discard(token)  # type: ignore[arg-type]
        slot.active.discard(token)  # type: ignore[arg-type]
        self._process_queue(slot)

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a delayed call is pending; it processes the queue
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        waiters = self._waiters.get(slot)
        while (slot.queue or waiters) and slot.free_transfer_slots() > 0:
            if waiters:
                future = waiters.popleft()
                if not waiters:
                    del self._waiters[slot]
                    waiters = None
                if future.done():  # its fetch was cancelled while waiting
                    continue
                slot.lastseen = now
                token = SlotToken()
                # In ``active`` too, so Scrapy's slot GC never drops a slot with a photo in flight.
                slot.transferring.add(token)  # type: ignore[arg-type]
                slot.active.add(token)  # type: ignore[arg-type]
                future.set_result(token)
            else:
                slot.lastseen = now
                request, queue_dfd = slot.queue.popleft()
                # Taken now, not when the task starts: the loop condition must see it. ``_download`` adds it
                # again (a set) and removes it when the response (or error) is in.
                slot.transferring.add(request)
                _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if len(slot.transferring) > self.peak_in_flight:
                self.peak_in_flight = len(slot.transferring)
                self.crawler.stats.set_value("adwatch/peak_in_flight", self.peak_in_flight)
            if delay:  # one request per delay: no burst after a pause
                self._process_queue(slot)
                break
