"""Log formatter: one short line per ad instead of Scrapy's full item dump.

Scrapy logs every scraped item with its ``repr``; an ad item carries the page's HTML (up to megabytes),
and rendering that into the log cost more than the crawl itself (27 s for one 4 MB page).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter
from twisted.python.failure import Failure


class AdLogFormatter(LogFormatter):
    """AdLogFormatter: ``scraped ad <site>/<external id> (<url>)`` at DEBUG, never the HTML."""

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> dict[str, Any]:
        return {
            "level": logging.DEBUG,
            "msg": "scraped ad %(site)s/%(external_id)s (%(url)s, %(photos)d photos)",
            "args": {"site": getattr(item, "site_id", "?"), "external_id": getattr(item, "external_id", "?"),
                     "url": getattr(item, "url", "?"), "photos": len(getattr(item, "photos", []) or [])},
        }
