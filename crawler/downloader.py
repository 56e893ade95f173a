"""PoliteDownloader: Scrapy's downloader with the per-site concurrency limit actually enforced.

Why: under the asyncio reactor, Scrapy 2.19's ``Downloader._process_queue`` starts each queued request as
an asyncio *task* and only marks it "transferring" when the task first runs. Its loop
``while slot.queue and slot.free_transfer_slots() > 0`` therefore sees no slot taken and starts *every*
queued request at once. A page's photos (queued together by the photo pipeline) burst past
``politeness.concurrency``: 53 simultaneous requests to a site configured for 8 were measured on the demo
market, each extra one a new TCP connection that the pool then drops. Reserving the transfer slot before
the task is scheduled restores the limit (and connection reuse).
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    """PoliteDownloader: at most ``slot.concurrency`` requests in flight per site, bursts included."""

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
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            # Taken now, not when the task starts: the loop condition must see it. ``_download`` adds it
            # again (a set) and removes it when the response (or error) is in.
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay: no burst after a pause
                self._process_queue(slot)
                break
