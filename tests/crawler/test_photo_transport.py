"""Photo requests over aiohttp (``crawler.transport``) keep every rule Scrapy's middlewares apply.

A Scrapy crawl with adwatch's own settings (in a subprocess: the reactor cannot restart) sends photo-marked
requests to a small local server and records what came back: cookies set earlier are sent, 503 is retried,
redirects are followed, robots.txt is obeyed, ``download_maxsize`` and timeouts abort, Latin-1 headers and
chunked bodies are read; and all of them went through the aiohttp side of the dispatcher.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.crawler.conftest import QuietServer

ROOT = Path(__file__).resolve().parents[2]
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20 + b"\xff\xd9"

CHILD = r'''
import json, sys, tempfile
from pathlib import Path
import scrapy
from scrapy.crawler import CrawlerProcess
from config.settings import AppSettings
from config.site_schema import load_site
from crawler.settings import build_crawl_settings
from crawler.transport import PHOTO_META

base, out = sys.argv[1], sys.argv[2]
app = AppSettings(env="test", data_dir=Path(tempfile.mkdtemp()))
site = load_site(app.sites_dir, "demo_nightlist")
site = site.model_copy(update={"ad": site.ad.model_copy(update={"render_if": None, "actions": []}),
                               "politeness": site.politeness.model_copy(update={"autothrottle": False})})
settings = build_crawl_settings(app, site.with_start_urls([base + "/gate"]))
settings.update(ITEM_PIPELINES={}, LOG_LEVEL="WARNING", LOG_INSTALL_ROOT_HANDLER=True, RETRY_BACKOFF_BASE=0.05)
result = {}
PHOTOS = {"photo": {}, "needs-cookie": {}, "flaky": {}, "moved": {}, "chunked": {}, "latin1-header": {},
          "big": {"download_maxsize": 20_000}, "slow": {"download_timeout": 1, "max_retry_times": 0},
          "secret/photo": {}}

class T(scrapy.Spider):
    name = "t"
    async def start(self):
        yield scrapy.Request(base + "/gate", callback=self.gated)
    def gated(self, response):
        for name, meta in PHOTOS.items():
            yield scrapy.Request(f"{base}/{name}", callback=self.got, errback=self.failed, dont_filter=True,
                                 meta={PHOTO_META: True, "name": name, **meta})
    def got(self, response):
        result[response.meta["name"]] = {"status": response.status, "size": len(response.body),
                                         "url": response.url, "body_ok": response.body[:4] == b"\xff\xd8\xff\xe0"}
    def failed(self, failure):
        result[failure.request.meta["name"]] = {"error": type(failure.value).__name__}
    def closed(self, reason):
        result["_stats"] = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int)}

process = CrawlerProcess(settings)
process.crawl(T)
process.start()
Path(out).write_text(json.dumps(result))
'''


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: Counter[str] = Counter()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Type": "image/jpeg", "Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.lstrip("/")
        self.seen[path] += 1
        if path == "robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /secret/\n", {"Content-Type": "text/plain"})
        elif path == "gate":
            self._send(200, b"<html>ok</html>", {"Content-Type": "text/html", "Set-Cookie": "age_ok=1; Path=/"})
        elif path == "needs-cookie":
            ok = "age_ok=1" in (self.headers.get("Cookie") or "")
            self._send(200 if ok else 403, PHOTO if ok else b"no")
        elif path == "flaky" and self.seen[path] == 1:
            self._send(503, b"busy", {"Retry-After": "0"})
        elif path == "moved":
            self._send(302, b"", {"Location": "/photo"})
        elif path == "big":
            self._send(200, PHOTO * 20)
        elif path == "slow":
            time.sleep(3)
            self._send(200, PHOTO)
        elif path == "latin1-header":
            self._send(200, PHOTO, {"X-Caption": "Café".encode().decode("latin-1")})
        elif path == "chunked":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (PHOTO[:1000], PHOTO[1000:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(200, PHOTO)


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = Counter()
    httpd = QuietServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_photo_requests_keep_scrapy_rules_over_aiohttp(server: str, tmp_path: Path) -> None:
    out, child = tmp_path / "out.json", tmp_path / "child.py"
    child.write_text(CHILD)  # a file, not -c: Scrapy reads the callbacks' source
    proc = subprocess.run([sys.executable, str(child), server, str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(out.read_text())
    stats = result.pop("_stats")
    assert set(result) == {"photo", "needs-cookie", "flaky", "moved", "chunked", "latin1-header", "big", "slow",
                           "secret/photo"}, (result, proc.stderr[-3000:])
    for name in ("photo", "needs-cookie", "flaky", "moved", "chunked", "latin1-header"):
        assert result[name]["status"] == 200 and result[name]["body_ok"], (name, result[name])
    assert result["moved"]["url"].endswith("/photo")
    assert result["photo"]["size"] == len(PHOTO) == result["chunked"]["size"]
    assert _Handler.seen["flaky"] == 2 and stats.get("retry/count", 0) >= 1
    assert result["big"] == {"error": "DownloadCancelledError"}, result["big"]
    assert "error" in result["slow"] and "Timeout" in result["slow"]["error"], result["slow"]
    assert result["secret/photo"] == {"error": "IgnoreRequest"} and _Handler.seen["secret/photo"] == 0
    # Every photo request (retries and the redirect's second leg included) took the aiohttp side.
    assert stats["adwatch/photo_requests_aiohttp"] >= 10
    assert stats["adwatch/photo_requests_aiohttp"] == sum(
        n for path, n in _Handler.seen.items() if path not in ("robots.txt", "gate", "secret/photo"))
