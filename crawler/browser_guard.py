"""BrowserRequestGuard: what a rendered page may fetch on its own (scripts, XHR, stylesheets).

Scrapy's robots.txt and allowed-domain checks see only the requests Scrapy makes. A page rendered in
Chromium makes more: its scripts call APIs ("show number" endpoints), load trackers and CDNs. Without a
guard those requests would ignore the site's robots.txt and reach third parties (announcing the crawler to
ad networks). The guard runs as scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST`` predicate for every
browser request: images, fonts and media are never fetched (the photo pipeline fetches photos itself),
hosts outside the site's ``allowed_domains`` are always refused, and same-site requests follow the site's
robots.txt when the site file asks for it (``politeness.robots_in_browser``; the page itself was already
checked by Scrapy, and its scripts' calls are part of viewing it, as in a visitor's browser).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from config.site_schema import SiteDefinition, host_allowed

log = logging.getLogger(__name__)

HEAVY_RESOURCES = frozenset({"image", "font", "media"})
ROBOTS_TIMEOUT_S = 10.0
ROBOTS_MAX_BYTES = 512_000


def _fetch_robots(url: str, user_agent: str) -> str | None:
    """The robots.txt text, "" when there is none (4xx: everything allowed), None when unreachable."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=ROBOTS_TIMEOUT_S) as resp:
            return resp.read(ROBOTS_MAX_BYTES).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return "" if 400 <= exc.code < 500 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


class BrowserRequestGuard:
    """BrowserRequestGuard: an async predicate, True = abort the browser's request (see module docstring)."""

    def __init__(self, *, allowed_domains: list[str], obey_robots: bool, user_agent: str) -> None:
        self.allowed_domains = list(allowed_domains)
        self.obey_robots = obey_robots
        self.user_agent = user_agent
        self._robots: dict[str, Protego | None] = {}
        self._pending: dict[str, asyncio.Future[Protego | None]] = {}
        self.refused: dict[str, int] = {"resource": 0, "offsite": 0, "robots": 0}

    @classmethod
    def for_site(cls, site: SiteDefinition, user_agent: str) -> BrowserRequestGuard:
        pol = site.politeness
        return cls(allowed_domains=site.allowed_domains, obey_robots=pol.obey_robots and pol.robots_in_browser,
                   user_agent=user_agent)

    async def __call__(self, request: Any) -> bool:
        if request.resource_type in HEAVY_RESOURCES:
            self.refused["resource"] += 1
            return True
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            return False  # data:, blob:, about: stay inside the browser
        if not host_allowed(parts.hostname or "", self.allowed_domains):
            self.refused["offsite"] += 1
            log.debug("browser request refused (off-site): %s", request.url)
            return True
        if self.obey_robots:
            robots = await self._robots_for(f"{parts.scheme}://{parts.netloc}")
            if robots is not None and not robots.can_fetch(request.url, self.user_agent):
                self.refused["robots"] += 1
                log.info("browser request refused by robots.txt: %s", request.url)
                return True
        return False

    async def _robots_for(self, origin: str) -> Protego | None:
        """The parsed robots.txt of ``origin``, fetched once (concurrent callers share the fetch)."""
        if origin in self._robots:
            return self._robots[origin]
        pending = self._pending.get(origin)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._pending[origin] = pending
            text = await asyncio.to_thread(_fetch_robots, f"{origin}/robots.txt", self.user_agent)
            # Unreachable robots.txt: allow, as Scrapy's RobotsTxtMiddleware does.
            parsed = Protego.parse(text) if text is not None else None
            self._robots[origin] = parsed
            pending.set_result(parsed)
            del self._pending[origin]
            return parsed
        return await pending
