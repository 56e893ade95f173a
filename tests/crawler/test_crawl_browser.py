"""The JavaScript-only board through Chromium (scrapy-playwright): listings, ads, revealed phones, and on
night 2 the removed ads found by re-checking known ads (``recheck_unlisted``) in the browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo_site import DemoSite, build_corpus
from tests.crawler.conftest import digits, read_ads, read_runs, run_crawl, truth_ads

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_js_only_board_two_nights(sqlite_url: str, tmp_path: Path) -> None:
    corpus = build_corpus(seed=7, n_ads=60, n_nights=2)  # ~15 JS ads: browser pages are ~40x dearer
    data = tmp_path / "data"
    with DemoSite(corpus, night=1, friction=True, slow=False) as site:
        url = site.base_url + "/jsads/"
        run_crawl("demo_jsads", url, db_url=sqlite_url, data_dir=data)
        t1, ads = truth_ads(corpus, "demo_jsads", 1), read_ads(sqlite_url, "demo_jsads")
        assert len(t1) >= 10
        assert sum(ext in ads for ext in t1) >= 0.99 * len(t1)
        for ext, rec in t1.items():
            assert ads[ext].title == rec["title"] and ads[ext].text  # rendered DOM, not the empty shell
            for phone in rec["phones"]:
                if phone["placement"] == "contact" and phone["style"] in ("reveal", "tel_link"):
                    assert phone["e164"].lstrip("+")[-8:] in digits(ads[ext].raw_fields["phones"]), (ext, phone)
        (run1,) = read_runs(sqlite_url, "demo_jsads")
        assert run1.status == "finished" and run1.stats.get("adwatch/pages_rendered", 0) >= len(t1)
        assert run1.photos_stored > 0

        site.set_night(2)
        run_crawl("demo_jsads", url, db_url=sqlite_url, data_dir=data)
    t2, after = truth_ads(corpus, "demo_jsads", 2), read_ads(sqlite_url, "demo_jsads")
    _, run2 = read_runs(sqlite_url, "demo_jsads")
    removed = [ext for ext in t1 if ext not in t2]
    assert removed, "the corpus should remove some JS ads on night 2"
    for ext in removed:  # gone from the listing; its page says so (p.js-error), found by the re-check
        assert after[ext].status == "removed" and after[ext].removed_run_id == run2.id, ext
    assert sum(ext in after for ext in t2) >= 0.99 * len(t2)


def test_a_failed_show_number_request_is_rendered_again(sqlite_url: str, tmp_path: Path) -> None:
    """The page's own 'show number' request answers 429 the first time, and its script does not retry (as on real
    sites): the crawler renders the page again, so no revealed phone is lost and nothing is flagged."""
    corpus = build_corpus(seed=7, n_ads=60, n_nights=1)
    with DemoSite(corpus, night=1, friction=False, slow=False, reveal_fail_first=True) as site:
        run_crawl("demo_jsads", site.base_url + "/jsads/", db_url=sqlite_url, data_dir=tmp_path / "data")
    t1, ads = truth_ads(corpus, "demo_jsads", 1), read_ads(sqlite_url, "demo_jsads")
    revealed = [(ext, p) for ext, rec in t1.items() for p in rec["phones"]
                if p["placement"] == "contact" and p["style"] == "reveal"]
    assert revealed, "the corpus should hide some numbers behind a button"
    for ext, phone in revealed:
        assert phone["e164"].lstrip("+")[-8:] in digits(ads[ext].raw_fields["phones"]), (ext, phone)
        assert "browser_actions_incomplete" not in ads[ext].raw_fields
    (run,) = read_runs(sqlite_url, "demo_jsads")
    assert run.stats.get("adwatch/browser_render_retried", 0) >= len(revealed)
    assert run.stats.get("adwatch/browser_actions_incomplete", 0) == 0 and run.health == "ok", run.health_messages
