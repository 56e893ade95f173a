"""Fixtures: one small corpus and servers on 127.0.0.1 (real HTTP, no mocks)."""

from __future__ import annotations

import http.client
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.demo_site import Corpus, DemoSite, build_corpus  # noqa: E402

AGE_OK = "rl_age=1"


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return build_corpus(seed=7, n_ads=600)


@pytest.fixture(scope="session")
def site(corpus: Corpus) -> Iterator[DemoSite]:
    with DemoSite(corpus, friction=False) as s:
        yield s


def fetch(site: DemoSite, path: str, cookie: str | None = AGE_OK) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` without following redirects; returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def get() -> object:
    return fetch
