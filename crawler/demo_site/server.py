"""DemoSite: serves the three boards of a Corpus over HTTP on 127.0.0.1.

Why stdlib only: the test bed must start in milliseconds inside pytest and CI,
with no framework. Pages are rendered from the in-memory corpus and cached per
night. Friction (503/429 on first requests, slow pages) is deterministic, keyed
by seed, night and URL, and can be switched off for benchmarks.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from crawler.demo_site import images, jsads
from crawler.demo_site import layouts as ly
from crawler.demo_site.corpus import Corpus
from crawler.demo_site.model import Ad
from crawler.demo_site.phones import grouped

ROBOTS = ("User-agent: *\nAllow: /rodelygte/\nAllow: /nightlist/\nAllow: /jsads/\nAllow: /media/\n"
          "Disallow: /admin/\nDisallow: /rodelygte/reveal/\n")
INDEX = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>adwatch demo market</title></head><body>'
         '<h1>adwatch demo market (synthetic)</h1><ul><li><a href="/rodelygte/">rodelygte</a></li>'
         '<li><a href="/nightlist/">nightlist</a></li><li><a href="/jsads/">jsads</a></li></ul></body></html>')
AGE_COOKIE = "rl_age"
_NL_AD = re.compile(r"^/nightlist/ad/[a-z0-9-]*?-?(\d+)\.html$")
_MEDIA = re.compile(r"^/media/([0-9a-f]{16})\.(jpg|svg)$")
_FRICTION_PREFIXES = ("/rodelygte/", "/nightlist/", "/jsads/")
_REVEAL = re.compile(r"^/(rodelygte/reveal/|nightlist/reveal/|jsads/api/reveal/)")
_DETAIL = re.compile(r"^/(rodelygte/annonce/|nightlist/ad/|jsads/api/ad/)")


class _Server(ThreadingHTTPServer):
    """A deeper listen backlog: a browser plus Scrapy open many connections at once (default is 5)."""

    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops its connection (a cancelled fetch, a closed browser) is normal, not a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def _unit(*key: object) -> float:
    """Deterministic number in [0, 1) for ``key``."""
    return int.from_bytes(hashlib.blake2b(repr(key).encode(), digest_size=8).digest(), "big") / 2**64


def _int(value: str | None, default: int = 1) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return -1


class DemoSite:
    """The demo ad market as a background HTTP server (use as a context manager)."""

    def __init__(self, corpus: Corpus, night: int = 1, host: str = "127.0.0.1", port: int = 0,
                 friction: bool = True, slow: bool = True, p503: float = 0.03, p429: float = 0.02,
                 reveal_fail_first: bool = False, gate_post: bool = False) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("DemoSite only binds to 127.0.0.1")
        self.corpus, self.host, self.port = corpus, "127.0.0.1", port
        self.friction, self.slow, self.p503, self.p429 = friction, slow, p503, p429
        # Every "show number" request answers 429 the first time (per night and URL): the page's own script does
        # not retry, as on real sites, so the crawler must render the page again to get the number.
        self.reveal_fail_first = reveal_fail_first
        # The age gate accepts only a POST of its form with the token the gate page gave (no accepting link), as
        # sites with a CSRF-protected gate do: a crawler must submit the form, not guess a URL or a cookie.
        self.gate_post = gate_post
        self.night = 1
        self.set_night(night)
        self._cache: dict[tuple[int, str], ly.Page] = {}
        self._seen: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self._paths: Counter[str] = Counter()
        self._status: Counter[int] = Counter()
        self._in_flight = 0  # requests being answered now; the peak shows a crawler's real concurrency
        self._max_in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------
    def start(self) -> DemoSite:
        """Bind and serve in a daemon thread; returns self."""
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = _Server((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def set_night(self, night: int) -> None:
        """Switch the market to another snapshot (1..corpus.n_nights) while running."""
        if not 1 <= night <= self.corpus.n_nights:
            raise ValueError(f"night must be in 1..{self.corpus.n_nights}")
        self.night = night

    # --- statistics ----------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Request counts: {"total", "by_path": {path: n}, "by_status": {status: n}, "max_in_flight": n}.

        ``max_in_flight`` is the most requests the server was answering at one moment (a politeness check): a
        request counts from its arrival until its answer is ready to send.
        """
        with self._lock:
            return {"total": sum(self._status.values()), "by_path": dict(self._paths),
                    "by_status": dict(self._status), "max_in_flight": self._max_in_flight}

    def reset_stats(self) -> None:
        with self._lock:
            self._paths.clear()
            self._status.clear()
            self._max_in_flight = self._in_flight

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _count(self, path: str, status: int) -> None:
        with self._lock:
            self._paths[path] += 1
            self._status[status] += 1

    # --- friction ------------------------------------------------------------------
    def _friction(self, night: int, url: str) -> ly.Page | None:
        if not self.friction or not url.startswith(_FRICTION_PREFIXES):
            return None
        with self._lock:
            first = (night, url) not in self._seen
            self._seen.add((night, url))
        if first:
            u = _unit("fail", self.corpus.seed, night, url)
            if u < self.p503:
                return ly.Page(503, b"<h1>503 Service Unavailable</h1>", headers={"Retry-After": "1"})
            if u < self.p503 + self.p429:
                return ly.Page(429, b"<h1>429 Too Many Requests</h1>", headers={"Retry-After": "1"})
        if self.slow and _DETAIL.match(url) and _unit("slow", self.corpus.seed, url) < 0.05:
            time.sleep(0.5 + 1.5 * _unit("delay", self.corpus.seed, url))
        return None

    # --- routing -------------------------------------------------------------------
    def handle(self, raw_path: str, cookie_header: str | None) -> ly.Page:
        """Answer one GET (used by the HTTP handler; callable directly in tests)."""
        night = self.night
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        if path.startswith("/rodelygte"):
            gate = self._gate(path, parts.query, query, cookie_header)
            if gate is not None:
                return gate
        blocked = self._friction(night, raw_path)
        if blocked is not None:
            return blocked
        if self.reveal_fail_first and _REVEAL.match(path):
            with self._lock:
                first = ("reveal", night, path) not in self._seen
                self._seen.add(("reveal", night, path))
            if first:
                return ly.Page(429, b'{"error": "too many requests"}', "application/json", headers={"Retry-After": "1"})
        key = (night, raw_path)
        page = self._cache.get(key)
        if page is None:
            page = self._route(night, path, query)
            if len(self._cache) > 50000:
                self._cache.clear()
            self._cache[key] = page
        return page

    def _gate(self, path: str, raw_query: str, query: dict[str, list[str]],
              cookie_header: str | None) -> ly.Page | None:
        if path == "/rodelygte/alder":
            nxt = query.get("next", ["/rodelygte/"])[0]
            if not nxt.startswith("/rodelygte/"):
                nxt = "/rodelygte/"
            if query.get("ok") == ["1"] and not self.gate_post:
                return _gate_passed(nxt)
            return ly.rl_gate(nxt, token=_gate_token(self.corpus.seed, nxt) if self.gate_post else None)
        cookies = SimpleCookie()
        with contextlib.suppress(Exception):  # malformed cookies are treated as absent
            cookies.load(cookie_header or "")
        if AGE_COOKIE in cookies and cookies[AGE_COOKIE].value == "1":
            return None
        target = path + (f"?{raw_query}" if raw_query else "")
        return ly.Page(302, b"", headers={"Location": f"/rodelygte/alder?next={quote(target, safe='')}"})

    def handle_post(self, raw_path: str, body: bytes) -> ly.Page:
        """Answer one POST: only the age gate's form (``gate_post``) accepts one; anything else is 405."""
        parts = urlsplit(raw_path)
        if not (self.gate_post and parts.path == "/rodelygte/alder"):
            return ly.Page(405, b"<h1>405 Method Not Allowed</h1>", headers={"Allow": "GET, HEAD"})
        form = parse_qs(body.decode("utf-8", "replace"))
        nxt = form.get("next", ["/rodelygte/"])[0]
        if not nxt.startswith("/rodelygte/"):
            nxt = "/rodelygte/"
        if form.get("ok") != ["1"] or form.get("token") != [_gate_token(self.corpus.seed, nxt)]:
            return ly.Page(403, b"<h1>403 Forbidden</h1><p>Ugyldig formular.</p>")
        return _gate_passed(nxt)

    def _ad(self, site: str, ext: str | int | None) -> Ad | None:
        try:
            return self.corpus.ad(site, int(ext or ""))
        except ValueError:
            return None

    def _route(self, night: int, path: str, q: dict[str, list[str]]) -> ly.Page:
        c = self.corpus
        not_found = ly.Page(404, b"<h1>404 Not Found</h1>")
        if path == "/":
            return ly.Page(200, INDEX.encode())
        if path == "/robots.txt":
            return ly.Page(200, ROBOTS.encode(), "text/plain; charset=utf-8")
        if path == "/static/blank.gif":
            return ly.Page(200, images.BLANK_GIF, "image/gif")
        if path in ("/static/logo-rodelygte.png", "/static/logo-nightlist.png"):
            return ly.Page(200, images.logo_png(path.split("-")[1][:-4]), "image/png")
        m = _MEDIA.match(path)
        if m:
            return self._media(m.group(1), _int(q.get("w", [None])[0], 0))
        if path == "/rodelygte/":
            return ly.rl_home(c, night)
        if path.startswith("/rodelygte/by/") and path.endswith("/") and path.count("/") == 4:
            return ly.rl_city(c, night, path.split("/")[3], _int(q.get("side", [None])[0]))
        if path.startswith("/rodelygte/annonce/"):
            ad = self._ad("rodelygte", path.rsplit("/", 1)[1])
            return ly.rl_ad(c, night, ad) if ad and night >= ad.first_night else not_found
        if path == "/nightlist/":
            return ly.nl_list(c, night, _int(q.get("page", [None])[0]))
        m = _NL_AD.match(path)
        if m:
            ad = self._ad("nightlist", m.group(1))
            return ly.nl_ad(c, night, ad) if ad and night >= ad.first_night else not_found
        if path in ("/jsads/", "/jsads/index.html"):
            return jsads.shell("JSAds – annoncer")
        if path == "/jsads/ad.html":
            return jsads.shell("JSAds – annonce")
        if path == "/jsads/app.js":
            return jsads.app_js()
        if path == "/jsads/api/list":
            return jsads.api_list(c, night, _int(q.get("page", [None])[0]))
        if path.startswith("/jsads/api/ad/"):
            ad = self._ad("jsads", path.rsplit("/", 1)[1])
            if ad is None or night < ad.first_night:
                return jsads._json({"error": "not found"}, 404)
            return jsads.api_ad(c, night, ad)
        for prefix, site in (("/rodelygte/reveal/", "rodelygte"), ("/nightlist/reveal/", "nightlist"),
                             ("/jsads/api/reveal/", "jsads")):
            if path.startswith(prefix):
                return self._reveal(night, self._ad(site, path[len(prefix):]))
        return not_found

    def _reveal(self, night: int, ad: Ad | None) -> ly.Page:
        if ad is None or not ad.present(night):
            return jsads._json({"error": "not found"}, 404)
        for m in ad.content(night).phones:
            if m.style == "reveal":
                return jsads._json({"id": ad.external_id, "phone": grouped(m.e164), "e164": m.e164})
        return jsads._json({"error": "no hidden number"}, 404)

    def _media(self, photo_id: str, width: int) -> ly.Page:
        photo = self.corpus.photos.get(photo_id)
        if photo is None:
            return ly.Page(404, b"not found", "text/plain")
        seed = self.corpus.seed
        if photo.kind == "placeholder":
            return ly.Page(200, images.placeholder_bytes(photo.group.split(":")[1]), "image/jpeg")
        if photo.kind.startswith("broken"):
            body, ctype = images.broken_bytes(photo.kind, seed)
            return ly.Page(200, body, ctype)
        palette = self.corpus.palette_of.get(photo.source, photo.source)
        w = width if width in (160, 240) else None
        return ly.Page(200, images.photo_bytes(seed, photo.source, palette, photo.variant, w), "image/jpeg",
                       headers={"Cache-Control": "max-age=86400"})


def _gate_passed(nxt: str) -> ly.Page:
    return ly.Page(302, b"", headers={"Location": nxt, "Set-Cookie": f"{AGE_COOKIE}=1; Path=/rodelygte; SameSite=Lax"})


def _gate_token(seed: int, nxt: str) -> str:
    """The gate form's hidden token (stands in for a CSRF token): fixed per corpus and target page."""
    return hashlib.sha256(f"gate:{seed}:{nxt}".encode()).hexdigest()[:16]


class _Handler(BaseHTTPRequestHandler):
    site: DemoSite
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls
    server_version = "DemoAdSite/1.0"

    def _respond(self, head_only: bool) -> None:
        # In flight from the request's arrival until its answer is ready, *before* the first byte is sent:
        # counting until the write returned made the peak racy (the client could read the answer and send its
        # next request before this thread got the GIL back to leave), so a polite client looked impolite.
        self.site._enter()
        try:
            try:
                page = self.site.handle(self.path, self.headers.get("Cookie"))
            except Exception:  # a test bed must answer, not die
                page = ly.Page(500, b"<h1>500</h1>")
            self.send_response(page.status)  # send_response/send_header only buffer the head
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            for k, v in page.headers.items():
                self.send_header(k, v)
        finally:
            self.site._leave()
        self.end_headers()
        if not head_only:
            self.wfile.write(page.body)
        self.site._count(urlsplit(self.path).path, page.status)

    def do_GET(self) -> None:
        self._respond(False)

    def do_HEAD(self) -> None:
        self._respond(True)

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
        body = self.rfile.read(length) if length > 0 else b""
        self.site._enter()
        try:
            page = self.site.handle_post(self.path, body)
        finally:
            self.site._leave()
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for k, v in page.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(page.body)
        self.site._count(urlsplit(self.path).path, page.status)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""
