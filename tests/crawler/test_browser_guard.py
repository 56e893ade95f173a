"""Requests a rendered page makes on its own, in a real headless Chromium: images never load, other hosts
are refused, and same-site script requests follow the site's robots.txt."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from playwright.async_api import async_playwright

from config.settings import AppSettings
from crawler.browser_guard import BrowserRequestGuard
from crawler.settings import browser_launch_options
from tests.crawler.conftest import QuietServer

PAGE = b"""<!doctype html><html><body><p id="out">-</p><img src="/photo.jpg">
<script>
const hit = (u) => fetch(u).then(r => r.text()).catch(() => "blocked");
Promise.all([hit("/api/public.json"), hit("/private/phone.json"),
             hit("http://localhost:%d/tracker.js")])
  .then(r => { document.getElementById("out").textContent = r.join("|"); });
</script></body></html>"""


class _Site(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.headers.get("Host", "") + self.path)
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nDisallow: /private/\n", "text/plain"
        elif self.path == "/":
            body, ctype = PAGE % self.server.server_address[1], "text/html"
        else:
            body, ctype = b"ok", "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    _Site.seen = []
    server = QuietServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Site.seen
    server.shutdown()


async def _render(url: str, guard: BrowserRequestGuard) -> str:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**browser_launch_options(AppSettings()))
        page = await browser.new_page()

        async def route(r) -> None:  # the way scrapy-playwright applies PLAYWRIGHT_ABORT_REQUEST
            await (r.abort() if await guard(r.request) else r.continue_())

        await page.route("**/*", route)
        await page.goto(url)
        await page.wait_for_function("document.getElementById('out').textContent !== '-'")
        text = await page.text_content("#out")
        await browser.close()
        return text or ""


@pytest.mark.browser
def test_rendered_page_requests_are_guarded(site: tuple[str, list[str]]) -> None:
    base, seen = site
    guard = BrowserRequestGuard(allowed_domains=["127.0.0.1"], obey_robots=True, user_agent="adwatch-test")
    out = asyncio.run(_render(base + "/", guard))
    public, private, tracker = out.split("|")
    assert public == "ok" and private == "blocked" and tracker == "blocked"
    paths = [s.split("/", 1)[1] for s in seen]
    assert "api/public.json" in paths and "robots.txt" in paths
    assert "private/phone.json" not in paths and "photo.jpg" not in paths
    assert not any(s.startswith("localhost") for s in seen)  # the other host never saw a request
    assert guard.refused == {"resource": 1, "offsite": 1, "robots": 1}


@pytest.mark.browser
def test_site_without_robots_obligation_still_refuses_other_hosts(site: tuple[str, list[str]]) -> None:
    base, seen = site
    guard = BrowserRequestGuard(allowed_domains=["127.0.0.1"], obey_robots=False, user_agent="adwatch-test")
    public, private, tracker = asyncio.run(_render(base + "/", guard)).split("|")
    assert (public, private, tracker) == ("ok", "ok", "blocked")
    assert not any(s.endswith("/robots.txt") for s in seen)
