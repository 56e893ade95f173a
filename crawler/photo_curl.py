"""CurlPhotoClient: photo GETs by libcurl (pycurl's CurlMulti), driven by the crawl's own asyncio loop.

Why: a first crawl is CPU-bound on the one thread that runs Scrapy's event loop, and each photo's GET over
aiohttp cost ~0.09-0.13 ms of it (its protocol, streams, futures and timeout handles are Python). libcurl does
the HTTP exchange in C (request, response parsing, keep-alive, timeouts, the size cap); the loop only sees one
readiness callback per socket event and one completion per photo: ~0.05 ms per photo in a same-process
microbenchmark (bench/RESULTS.md, eighth pass). The loop thread keeps every decision: robots.txt, allowed
domains, the site's slot, cookies, retries, redirects, stats (``crawler.photo_fetch``).

Why on the loop and not in worker threads: measured (eighth pass), worker threads took the exchange and the
photo's check off the loop thread but not off the process (same total CPU), and every pycurl callback (each
header line, each body chunk) had to win the GIL back from the busy loop thread, so an exchange held the
site's slot longer and the crawl took longer. On one thread the callbacks cost a call each.

The socket integration is libcurl's documented ``socket_action`` interface (CURLMOPT_SOCKETFUNCTION /
TIMERFUNCTION) mapped onto ``loop.add_reader``/``add_writer``/``call_later``; no HTTP is parsed here beyond
picking four headers out of the lines libcurl hands over.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pycurl

BUFFER_BYTES = 256 * 1024  # fewer write callbacks than libcurl's 16 KB default
_READ, _WRITE = 1, 2
_EVENTS = {pycurl.POLL_IN: _READ, pycurl.POLL_OUT: _WRITE, pycurl.POLL_INOUT: _READ | _WRITE}


class CurlTransferError(OSError):
    """A network-level failure (refused, reset, DNS...): retried like aiohttp's and Twisted's errors."""


class CurlTimeout(CurlTransferError):
    """The exchange took longer than its timeout (libcurl's CURLE_OPERATION_TIMEDOUT)."""


class CurlRefused(Exception):
    """An answer refused by rule during the exchange (size cap, Content-Encoding): never retried."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.too_large = too_large


@dataclass(slots=True)
class CurlAnswer:
    """One HTTP answer (no redirect followed): status, body and the headers the fetch decides on."""

    status: int
    body: bytes
    location: str | None = None
    retry_after: str | None = None
    set_cookies: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Transfer:
    future: asyncio.Future[CurlAnswer]
    maxsize: int
    body: list[bytes] = field(default_factory=list)
    head: list[bytes] = field(default_factory=list)


class CurlPhotoClient:
    """CurlPhotoClient: ``exchange`` one GET; libcurl's multi handle does the I/O on the running loop."""

    def __init__(self, max_connections: int, *, verify_tls: bool = False) -> None:
        self.max_connections = max(1, max_connections)
        self.verify_tls = verify_tls
        self._multi: pycurl.CurlMulti | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transfers: dict[pycurl.Curl, _Transfer] = {}
        self._free: list[pycurl.Curl] = []
        self._watched: dict[int, int] = {}  # fd -> _READ | _WRITE registered on the loop
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None

    def exchange(self, url: str, headers: list[str], *, timeout: float, maxsize: int) -> asyncio.Future[CurlAnswer]:
        """exchange (Future[CurlAnswer]): one GET of ``url``; CurlTransferError, CurlTimeout or CurlRefused.

        ``headers`` are ``"Name: value"`` lines; ``timeout`` (s, 0 = none) covers the whole exchange;
        ``maxsize`` (bytes, 0 = none) is refused from Content-Length before any body byte, or once the
        streamed body passes it (the connection is closed).
        """
        multi = self._multi or self._open()
        curl = self._free.pop() if self._free else self._handle()
        transfer = _Transfer(self._loop.create_future(), maxsize)  # type: ignore[union-attr]
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.HTTPHEADER, headers)
        curl.setopt(pycurl.TIMEOUT_MS, int(timeout * 1000))
        curl.setopt(pycurl.MAXFILESIZE_LARGE, maxsize)
        curl.setopt(pycurl.WRITEFUNCTION, transfer.body.append)
        curl.setopt(pycurl.HEADERFUNCTION, transfer.head.append)
        self._transfers[curl] = transfer
        multi.add_handle(curl)
        transfer.future.add_done_callback(lambda fut, curl=curl: self._cancelled(curl) if fut.cancelled() else None)
        return transfer.future

    def close(self) -> None:
        """Abort what is in flight, stop watching sockets, free libcurl's handles and connections."""
        if self._multi is None:
            return
        for curl, transfer in list(self._transfers.items()):
            self._multi.remove_handle(curl)
            if not transfer.future.done():
                transfer.future.set_exception(CurlTransferError("curl: client closed"))
        self._transfers.clear()
        if self._timer is not None:
            self._timer.cancel()
        for fd in list(self._watched):
            self._unwatch(fd)
        for curl in self._free:
            curl.close()
        self._free.clear()
        self._multi.close()
        self._multi = None

    # -- libcurl <-> asyncio ---------------------------------------------------------------------------
    def _open(self) -> pycurl.CurlMulti:
        self._loop = asyncio.get_running_loop()
        multi = self._multi = pycurl.CurlMulti()
        multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        multi.setopt(pycurl.M_MAXCONNECTS, self.max_connections)  # keep-alive cache
        multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, self.max_connections)
        return multi

    def _handle(self) -> pycurl.Curl:
        """A Curl handle with the options every photo GET shares."""
        curl = pycurl.Curl()
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)  # redirects are decided by the fetch (allowed domains, robots)
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.PROXY, "")  # no proxy from the environment (adwatch configures none)
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        curl.setopt(pycurl.BUFFERSIZE, BUFFER_BYTES)
        # TLS as Scrapy's own handlers do it by default (no certificate verification), unless asked.
        curl.setopt(pycurl.SSL_VERIFYPEER, 1 if self.verify_tls else 0)
        curl.setopt(pycurl.SSL_VERIFYHOST, 2 if self.verify_tls else 0)
        return curl

    def _on_socket(self, event: int, fd: int, _multi: object, _data: object) -> None:
        """libcurl says which events it wants on ``fd``; mirror that on the loop's selector."""
        want = 0 if event == pycurl.POLL_REMOVE else _EVENTS.get(event, 0)
        have = self._watched.get(fd, 0)
        loop = self._loop
        assert loop is not None
        if have & _READ and not want & _READ:
            loop.remove_reader(fd)
        if have & _WRITE and not want & _WRITE:
            loop.remove_writer(fd)
        if want & _READ and not have & _READ:
            loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        if want & _WRITE and not have & _WRITE:
            loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        if want:
            self._watched[fd] = want
        else:
            self._watched.pop(fd, None)

    def _unwatch(self, fd: int) -> None:
        have = self._watched.pop(fd, 0)
        if self._loop is not None and not self._loop.is_closed():
            if have & _READ:
                self._loop.remove_reader(fd)
            if have & _WRITE:
                self._loop.remove_writer(fd)

    def _on_timer(self, timeout_ms: int) -> None:
        """libcurl asks to be called back after ``timeout_ms`` (-1: no timer)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = self._loop
        assert loop is not None
        if timeout_ms == 0:
            self._timer = loop.call_soon(self._act, pycurl.SOCKET_TIMEOUT, 0)
        elif timeout_ms > 0:
            self._timer = loop.call_later(timeout_ms / 1000, self._act, pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, fd: int, event: int) -> None:
        """A socket is ready (or the timer fired): let libcurl work, then settle what completed."""
        if fd == pycurl.SOCKET_TIMEOUT:
            self._timer = None
        multi = self._multi
        if multi is None:
            return
        multi.socket_action(fd, event)
        while True:
            queued, done, failed = multi.info_read()
            for curl in done:
                self._finish(curl, None, "")
            for curl, code, message in failed:
                self._finish(curl, code, message)
            if not queued:
                return

    def _finish(self, curl: pycurl.Curl, code: int | None, message: str) -> None:
        assert self._multi is not None
        self._multi.remove_handle(curl)
        transfer = self._transfers.pop(curl)
        try:
            result: CurlAnswer | BaseException = _answer(curl, transfer) if code is None else \
                _failure(code, message, transfer)
        except CurlRefused as exc:
            result = exc
        curl.setopt(pycurl.WRITEFUNCTION, _discard)  # drop the transfer's buffers from the reused handle
        curl.setopt(pycurl.HEADERFUNCTION, _discard)
        self._free.append(curl)
        if not transfer.future.done():
            if isinstance(result, BaseException):
                transfer.future.set_exception(result)
            else:
                transfer.future.set_result(result)

    def _cancelled(self, curl: pycurl.Curl) -> None:
        """The awaiting fetch was cancelled (the crawl is closing): stop the transfer."""
        if self._multi is not None and self._transfers.pop(curl, None) is not None:
            self._multi.remove_handle(curl)
            curl.close()  # its connection may be mid-answer: never reuse it


def _discard(_data: bytes) -> None:
    return None


def _answer(curl: pycurl.Curl, transfer: _Transfer) -> CurlAnswer:
    """The completed exchange's answer; a compressed one is refused (photos are never requested compressed)."""
    answer = CurlAnswer(curl.getinfo(pycurl.RESPONSE_CODE), b"".join(transfer.body))
    encoding = _read_head(transfer.head, answer)
    if encoding not in ("", "identity"):
        raise CurlRefused(f"content-encoding-refused: {encoding}")
    return answer


def _failure(code: int, message: str, transfer: _Transfer) -> BaseException:
    """libcurl's error code as the fetch's exception: a refusal, a timeout or a network error."""
    if code == pycurl.E_FILESIZE_EXCEEDED:  # refused on its Content-Length, or while streaming
        length = _header(transfer.head, b"content-length")
        if length is not None:
            return CurlRefused(f"too-large: Content-Length {length} > {transfer.maxsize} bytes", too_large=True)
        return CurlRefused(f"too-large: more than {transfer.maxsize} bytes received", too_large=True)
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return CurlTimeout(f"curl {code}: {message}")
    return CurlTransferError(f"curl {code}: {message}")


def _read_head(lines: list[bytes], answer: CurlAnswer) -> str:
    """Fill the headers the fetch needs from libcurl's header lines; return the Content-Encoding.

    These are the complete header lines libcurl parsed, of the last response block (an interim
    ``100 Continue`` block comes first).
    """
    start = 0
    for i, line in enumerate(lines):
        if line.startswith(b"HTTP/"):
            start = i + 1
    encoding = ""
    for line in lines[start:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().lower()
        if key == b"set-cookie":
            answer.set_cookies.append(value.strip().decode("latin-1"))
        elif key == b"location":
            answer.location = value.strip().decode("latin-1")
        elif key == b"retry-after":
            answer.retry_after = value.strip().decode("latin-1")
        elif key == b"content-encoding":
            encoding = value.strip().decode("latin-1").lower()
    return encoding


def _header(lines: list[bytes], name: bytes) -> str | None:
    """The value of header ``name`` (lower case) among libcurl's header lines, or None."""
    for line in lines:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None
