"""Photos outside Scrapy's request path (``crawler.photo_fetch``, over libcurl or the aiohttp session) keep every
rule of a Scrapy photo request.

One real ``adwatch crawl`` of the bundled NightList board over HTTP, with a few of its photo URLs answering
the way hostile or unusual sites do: a photo robots.txt forbids, one redirecting off-site, one redirecting
within the site, one too large (by Content-Length, and streamed without one), one answering 503 first, one
that needs the cookie the listing set, one slower than the timeout. The demo server records what it was
asked (paths, Cookie headers, the peak of requests in flight), which is what a site would see.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from select import select as wait_readable
from typing import Any
from urllib.parse import urlsplit

import pytest
from parsel import Selector
from sqlalchemy import select

from crawler.demo_site import Corpus, DemoSite
from crawler.demo_site import layouts as ly
from crawler.demo_site.server import ROBOTS, _Handler, _Server
from crawler.pages import _best_srcset
from storage.db import make_engine, make_session_factory
from storage.models import Ad, AdPhoto, PhotoFailure
from tests.crawler.conftest import read_runs, run_crawl, site_config_dir

pytestmark = pytest.mark.slow

KINDS = ("robots", "offsite-redirect", "onsite-redirect", "too-big", "too-big-chunked", "flaky", "needs-cookie",
         "slow", "rate-limited")
MAX_BYTES = 200_000
CONCURRENCY = 3
OFFSITE_TARGET = "/media/offsite-target.jpg"


class TrickySite(DemoSite):
    """The demo market with one photo URL per entry of ``KINDS`` answering in that way."""

    def __init__(self, corpus: Corpus) -> None:
        super().__init__(corpus, night=1, friction=False, slow=False)
        self.special: dict[str, str] = {}  # photo path -> kind
        self.cookies: dict[str, list[str | None]] = {}  # photo path -> Cookie headers received
        self.hosts: list[str] = []  # Host headers of every request
        self._calls: dict[str, int] = {}
        self.arrivals: dict[str, list[float]] = {}  # photo path -> monotonic arrival times
        self._tricks = threading.Lock()

    def pick_photos(self) -> None:
        """One photo of a different ad for each kind (the first photo of the board's first ads)."""
        picked: list[str] = []
        page: str | None = "/nightlist/"
        while page and len(picked) < len(KINDS) + 1:
            listing = Selector(text=self.handle(page, None).body.decode())
            for href in listing.css("article.card a.card-link::attr(href)").getall():
                ad = Selector(text=self.handle(urlsplit(href).path, None).body.decode("utf-8", "replace"))
                srcsets = ad.css("div.gallery img::attr(srcset)").getall()
                if srcsets:
                    path = urlsplit(_best_srcset(srcsets[0])).path
                    photo = self.corpus.photos.get(path.rsplit("/", 1)[1].split(".")[0])
                    if photo is not None and photo.kind == "photo":
                        picked.append(path)
            nxt = listing.css("a[rel=next]::attr(href)").get()
            page = urlsplit(nxt).path + (f"?{urlsplit(nxt).query}" if urlsplit(nxt).query else "") if nxt else None
        assert len(picked) > len(KINDS), picked
        self.special = dict(zip(picked, KINDS, strict=False))
        self.redirect_target = picked[len(KINDS)]  # a real photo of another ad: stored for both

    def path_of(self, kind: str) -> str:
        return next(path for path, k in self.special.items() if k == kind)

    def calls(self, path: str) -> int:
        """Requests received for ``path`` (counted on arrival: a timed-out answer is never completed)."""
        return self._calls.get(path, 0) if path in self.special else self.stats()["by_path"].get(path, 0)

    def handle(self, raw_path: str, cookie_header: str | None) -> ly.Page:
        path = urlsplit(raw_path).path
        kind = self.special.get(path)
        if kind is not None:
            with self._tricks:
                self.cookies.setdefault(path, []).append(cookie_header)
                self._calls[path] = self._calls.get(path, 0) + 1
                self.arrivals.setdefault(path, []).append(time.monotonic())
                first = self._calls[path] == 1
        if path == "/robots.txt" and self.special:
            return ly.Page(200, f"{ROBOTS}Disallow: {self.path_of('robots')}\n".encode(), "text/plain")
        if path == "/nightlist/":  # the listing sets a session cookie, as an age gate would
            page = super().handle(raw_path, cookie_header)
            return ly.Page(page.status, page.body, page.content_type,
                           {**page.headers, "Set-Cookie": "nl_session=ok; Path=/"})
        if kind == "offsite-redirect":  # localhost is not in allowed_domains (127.0.0.1 is)
            return ly.Page(302, b"", headers={"Location": f"http://localhost:{self.port}{OFFSITE_TARGET}"})
        if kind == "onsite-redirect":
            return ly.Page(302, b"", headers={"Location": self.redirect_target})
        if kind == "too-big":
            return ly.Page(200, b"\xff\xd8\xff\xe0" + bytes(MAX_BYTES + 1000), "image/jpeg")
        if kind == "flaky" and first:
            return ly.Page(503, b"busy", headers={"Retry-After": "0"})
        if kind == "rate-limited" and first:
            return ly.Page(429, b"slow down", headers={"Retry-After": "1"})
        if kind == "needs-cookie" and "nl_session=ok" not in (cookie_header or ""):
            return ly.Page(403, b"no session", "text/plain")
        return super().handle(raw_path, cookie_header)

    def start(self) -> TrickySite:
        """As DemoSite.start, with a handler that streams the chunked photo (no Content-Length)."""
        site = self

        class Handler(_Handler):
            def do_GET(self) -> None:
                site.hosts.append(self.headers.get("Host", ""))
                kind = site.special.get(urlsplit(self.path).path)
                if kind == "slow":
                    site.handle(self.path, self.headers.get("Cookie"))  # counted
                    return self._never_answer()
                if kind != "too-big-chunked":
                    return super().do_GET()
                site.handle(self.path, self.headers.get("Cookie"))  # counted
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    body = b"\xff\xd8\xff\xe0" + bytes(MAX_BYTES + 50_000)
                    for i in range(0, len(body), 16_384):
                        part = body[i:i + 16_384]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the crawler hung up once it had read enough: expected
                site._count(urlsplit(self.path).path, 200)

            def _never_answer(self) -> None:
                """Never answer; wait until the client gives up (its timeout) and closes the connection.

                Not counted in flight: the server cannot tell when the client gave up without a lag, and a
                polite client starts its next request at once (DemoSite counts until an answer is ready).
                """
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    readable, _, _ = wait_readable([self.connection], [], [], 0.05)
                    if readable and not self.connection.recv(1, socket.MSG_PEEK):
                        break  # closed by the client
                self.close_connection = True

        Handler.site = self
        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="tricky-site", daemon=True)
        self._thread.start()
        return self


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("render_if", "actions"):
        data["ad"].pop(key, None)
    data["politeness"] = {"concurrency": CONCURRENCY, "download_delay": 0, "autothrottle": False,
                          "timeout_s": 2, "retries": 1}
    return data


def _photo_rows(db_url: str) -> tuple[set[str], dict[str, str]]:
    """(paths of stored ad photos, failed path -> reason) of demo_nightlist."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            stored = {urlsplit(url).path for url in session.scalars(
                select(AdPhoto.source_url).join(Ad, AdPhoto.ad_id == Ad.id).where(Ad.site_id == "demo_nightlist"))}
            failed = {urlsplit(url).path: reason for url, reason in session.execute(
                select(PhotoFailure.source_url, PhotoFailure.reason).join(Ad, PhotoFailure.ad_id == Ad.id)
                .where(Ad.site_id == "demo_nightlist"))}
            return stored, failed
    finally:
        engine.dispose()


@pytest.mark.parametrize("transport", ["curl", "session"])
def test_photo_fetch_keeps_every_rule(sqlite_url: str, corpus: Corpus, tmp_path: Path, transport: str) -> None:
    """Both transports: libcurl in worker threads (the default) and the shared aiohttp session."""
    config = site_config_dir(tmp_path, "demo_nightlist", _plain)
    with TrickySite(corpus) as site:
        site.pick_photos()
        site.reset_stats()
        run_crawl("demo_nightlist", site.base_url + "/nightlist/", db_url=sqlite_url, data_dir=tmp_path / "d",
                  config_dir=config, extra_env={"ADWATCH_PHOTO_MAX_BYTES": str(MAX_BYTES),
                                                "ADWATCH_PHOTO_FETCH": transport})
        stats = site.stats()
    (run,) = read_runs(sqlite_url, "demo_nightlist")
    assert run.status == "finished"
    assert run.stats["adwatch/photo_fetch"] == transport
    stored, failed = _photo_rows(sqlite_url)
    media = sum(n for path, n in stats["by_path"].items() if path.startswith("/media/"))
    assert media > 50 and len(stored) > 50, "the crawl should have fetched and stored the ads' photos"

    # Politeness: pages and photos together never exceed the site's concurrency (as the site and the crawler see it).
    assert stats["max_in_flight"] <= CONCURRENCY, stats["max_in_flight"]
    assert run.stats["adwatch/peak_in_flight"] <= CONCURRENCY
    # robots.txt: the forbidden photo is never requested.
    robots = site.path_of("robots")
    assert site.calls(robots) == 0 and failed[robots].startswith("robots-disallowed"), failed.get(robots)
    # Redirects: off-site target never requested (nor any request to another host); on-site one followed.
    offsite = site.path_of("offsite-redirect")
    assert site.calls(offsite) == 1 and site.calls(OFFSITE_TARGET) == 0
    assert failed[offsite].startswith("off-site: localhost"), failed[offsite]
    assert {h.split(":")[0] for h in site.hosts} == {"127.0.0.1"}
    assert site.path_of("onsite-redirect") in stored and site.redirect_target in stored
    # Size cap: by Content-Length before the body, and while streaming a body without one.
    assert failed[site.path_of("too-big")].startswith("too-large: Content-Length"), failed[site.path_of("too-big")]
    assert failed[site.path_of("too-big-chunked")].startswith("too-large: more than"), \
        failed[site.path_of("too-big-chunked")]
    # Retries: 503 then success.
    flaky = site.path_of("flaky")
    assert site.calls(flaky) == 2 and flaky in stored
    assert run.stats.get("retry/count", 0) >= 2
    # 429 with Retry-After: 1 s: asked again no sooner, then stored.
    limited = site.path_of("rate-limited")
    first_try, second_try = site.arrivals[limited]
    assert limited in stored and second_try - first_try >= 0.95, site.arrivals[limited]
    # Cookies: the listing's Set-Cookie is sent with photo requests.
    cookie = site.path_of("needs-cookie")
    assert cookie in stored and all("nl_session=ok" in (c or "") for c in site.cookies[cookie])
    # Timeout: 2 s per attempt, retried once, then recorded; the crawl goes on.
    slow = site.path_of("slow")
    assert site.calls(slow) == 2 and failed[slow].startswith("download-error"), failed[slow]
    assert "Timeout" in failed[slow], failed[slow]
    # Stats: photo responses are counted like any other.
    assert int(run.stats["downloader/response_count"]) >= media
