"""Age gates that only a submitted form passes: a POST form with a token and no accepting link.

The demo site's ``gate_post`` mode answers the gate only to a POST of its form carrying the token the gate page
gave (as CSRF-protected gates do); ``age_gate.submit`` sends that form the way a browser would.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.demo_site import Corpus, DemoSite, build_corpus
from tests.crawler.conftest import read_ads, read_runs, run_crawl, site_config_dir, truth_ads

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # rodelygte opens Chromium for 'show number'


def _gate(how: dict) -> object:
    def edit(data: dict) -> dict:
        data["age_gate"] = {"detect": "main.aldersgraense", **how}
        return data
    return edit


def _crawl_post_gate(sqlite_url: str, tmp_path: Path, corpus: Corpus, form_css: str) -> int:
    """Crawl the demo board behind its POST-only gate with ``age_gate.submit``; returns the gate's request count."""
    config = site_config_dir(tmp_path, "demo_rodelygte", _gate({"submit": form_css}))
    with DemoSite(corpus, night=1, friction=False, slow=False, gate_post=True) as site:
        run_crawl("demo_rodelygte", site.base_url + "/rodelygte/", db_url=sqlite_url, data_dir=tmp_path / "data",
                  config_dir=config)
        return site.stats()["by_path"].get("/rodelygte/alder", 0)


def test_a_post_form_gate_is_passed_by_submitting_its_form(sqlite_url: str, tmp_path: Path) -> None:
    corpus = build_corpus(seed=7, n_ads=60, n_nights=1)
    posts = _crawl_post_gate(sqlite_url, tmp_path, corpus, "form.alder-form")
    truth, ads = truth_ads(corpus, "demo_rodelygte", 1), read_ads(sqlite_url, "demo_rodelygte")
    assert truth and sum(ext in ads for ext in truth) >= 0.99 * len(truth)
    (run,) = read_runs(sqlite_url, "demo_rodelygte")
    assert run.stats.get("adwatch/age_gate_passed", 0) >= 1 and posts >= 2
    assert run.stats.get("adwatch/age_gate_failed", 0) == 0
    assert not any("[E017]" in m for m in run.health_messages), run.health_messages


def test_a_gate_whose_form_is_gone_makes_the_run_unhealthy(sqlite_url: str, tmp_path: Path) -> None:
    """A wrong form selector (the gate page changed) is reported, not a silent empty crawl."""
    _crawl_post_gate(sqlite_url, tmp_path, build_corpus(seed=7, n_ads=20, n_nights=1), "form.no-such-form")
    assert read_ads(sqlite_url, "demo_rodelygte") == {}
    (run,) = read_runs(sqlite_url, "demo_rodelygte")
    assert run.health == "unhealthy" and any("[E017]" in m for m in run.health_messages), run.health_messages


def test_the_post_gate_refuses_a_guessed_link_and_a_wrong_token() -> None:
    corpus = build_corpus(seed=7, n_ads=5, n_nights=1)
    with DemoSite(corpus, night=1, friction=False, slow=False, gate_post=True) as site:
        guessed = urllib.request.urlopen(site.base_url + "/rodelygte/alder?ok=1&next=/rodelygte/", timeout=10)
        assert b"aldersgraense" in guessed.read()  # the gate again, no cookie
        req = urllib.request.Request(site.base_url + "/rodelygte/alder", data=b"ok=1&next=/rodelygte/&token=bad")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 403
