"""CurlPhotoClient (libcurl on the asyncio loop) against a real local HTTP server that misbehaves on purpose.

The crawl-level rules (robots, allowed domains, slot, cookies, retries, redirects) are tested through a real
``adwatch crawl`` in test_photo_fetch.py over both transports; here the exchange itself meets what hostile or
broken servers do: oversized bodies (declared and streamed), compressed answers, a connection dropped mid-body,
a server that never answers, a refused port, 429 with Retry-After, and keep-alive across many photos.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from crawler.photo_curl import CurlAnswer, CurlPhotoClient, CurlRefused, CurlTimeout, CurlTransferError
from tests.crawler.conftest import QuietServer

BODY = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()
    seen_headers: list[dict[str, str]] = []

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        type(self).connections.add(id(self.connection))
        type(self).seen_headers.append(dict(self.headers.items()))
        path = self.path
        if path == "/photo.jpg":
            return self._send(200, BODY, {"Set-Cookie": "a=1; Path=/", "Content-Type": "image/jpeg"})
        if path == "/redirect":
            return self._send(302, b"", {"Location": "/photo.jpg"})
        if path == "/busy":
            return self._send(429, b"slow down", {"Retry-After": "7"})
        if path == "/big":
            return self._send(200, bytes(50_000))
        if path == "/big-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for _ in range(10):
                    self.wfile.write(b"%x\r\n%s\r\n" % (10_000, bytes(10_000)))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client hung up once past its cap: expected
            return None
        if path == "/gzip":
            return self._send(200, b"\x1f\x8b" + bytes(100), {"Content-Encoding": "gzip"})
        if path == "/drop":  # promises 10,000 bytes, sends 100, hangs up
            self.send_response(200)
            self.send_header("Content-Length", "10000")
            self.end_headers()
            self.wfile.write(bytes(100))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return None
        if path == "/silent":  # never answers
            time.sleep(1.5)
            self.close_connection = True
            return None
        return self._send(404, b"no")

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.connections = set()
    _Handler.seen_headers = []
    httpd = QuietServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _run(coro_fn: Any) -> Any:
    async def main() -> Any:
        client = CurlPhotoClient(4)
        try:
            return await coro_fn(client)
        finally:
            client.close()
    return asyncio.run(main())


HEADERS = ["User-Agent: adwatch-test", "Accept:"]


def _get(client: CurlPhotoClient, url: str, *, timeout: float = 5, maxsize: int = 0) -> asyncio.Future[CurlAnswer]:
    return client.exchange(url, HEADERS, timeout=timeout, maxsize=maxsize)


def test_body_headers_and_keep_alive(server: str) -> None:
    """Many photos, 4 at a time, over at most 4 kept-alive connections; cookies and our headers as sent."""
    async def go(client: CurlPhotoClient) -> list[CurlAnswer]:
        return await asyncio.gather(*(_get(client, f"{server}/photo.jpg") for _ in range(40)))

    answers = _run(go)
    assert all(a.status == 200 and a.body == BODY for a in answers)
    assert answers[0].set_cookies == ["a=1; Path=/"]
    assert len(_Handler.connections) <= 4, len(_Handler.connections)
    sent = _Handler.seen_headers[0]
    assert sent["User-Agent"] == "adwatch-test" and "Accept" not in sent and "Accept-Encoding" not in sent


def test_redirect_and_retry_after_are_reported_not_followed(server: str) -> None:
    async def go(client: CurlPhotoClient) -> tuple[CurlAnswer, CurlAnswer]:
        return await _get(client, f"{server}/redirect"), await _get(client, f"{server}/busy")

    redirect, busy = _run(go)
    assert redirect.status == 302 and redirect.location == "/photo.jpg"
    assert busy.status == 429 and busy.retry_after == "7" and busy.body == b"slow down"


@pytest.mark.parametrize(("path", "reason"), [("/big", "too-large: Content-Length 50000 > 20000 bytes"),
                                              ("/big-chunked", "too-large: more than 20000 bytes received")])
def test_size_cap(server: str, path: str, reason: str) -> None:
    async def go(client: CurlPhotoClient) -> tuple[BaseException | None, CurlAnswer]:
        try:
            await _get(client, server + path, maxsize=20_000)
        except CurlRefused as exc:
            refused: BaseException | None = exc
        else:
            refused = None
        return refused, await _get(client, f"{server}/photo.jpg")  # the client goes on

    refused, after = _run(go)
    assert isinstance(refused, CurlRefused) and refused.too_large and str(refused) == reason
    assert after.status == 200 and after.body == BODY


def test_compressed_answer_refused(server: str) -> None:
    with pytest.raises(CurlRefused, match="content-encoding-refused: gzip"):
        _run(lambda client: _get(client, f"{server}/gzip"))


def test_dropped_connection_is_a_network_error(server: str) -> None:
    with pytest.raises(CurlTransferError) as caught:
        _run(lambda client: _get(client, f"{server}/drop"))
    assert not isinstance(caught.value, CurlTimeout)


def test_silent_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(CurlTimeout):
        _run(lambda client: _get(client, f"{server}/silent", timeout=0.3))
    assert time.monotonic() - started < 1.4


def test_refused_port_is_a_network_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(CurlTransferError):
        _run(lambda client: _get(client, f"http://127.0.0.1:{port}/photo.jpg"))


def test_cancelled_exchange_leaves_the_client_usable(server: str) -> None:
    async def go(client: CurlPhotoClient) -> CurlAnswer:
        slow = _get(client, f"{server}/silent", timeout=5)
        await asyncio.sleep(0.1)
        slow.cancel()
        return await _get(client, f"{server}/photo.jpg")

    assert _run(go).body == BODY
