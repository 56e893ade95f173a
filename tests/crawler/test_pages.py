"""Pure extraction (crawler/pages.py) on real demo pages: no crawl, no database."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from config.settings import CONFIG_DIR
from config.site_schema import SiteDefinition, load_site
from crawler.demo_site import Corpus, DemoSite
from crawler.pages import AdPage, ListingPage, _best_srcset, ad_id_from_url, element_text, external_id


@pytest.fixture(scope="module")
def quiet_site(corpus: Corpus) -> Iterator[DemoSite]:
    with DemoSite(corpus, friction=False, slow=False) as site:
        yield site


def fetch(site: DemoSite, path: str) -> HtmlResponse:
    """The page as Scrapy would see it (body bytes + Content-Type header, so the charset is honoured)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": "rl_age=1"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, (path, resp.status)
        return HtmlResponse(site.base_url + path, body=body, headers={"Content-Type": resp.getheader("Content-Type")})
    finally:
        conn.close()


def site_def(site_id: str) -> SiteDefinition:
    return load_site(CONFIG_DIR / "sites", site_id)


def truth(corpus: Corpus, board: str, special: str | None = None) -> list[dict]:
    return [r for r in corpus.truth(1) if r["site"] == board and (special is None or r["special"] == special)]


def test_element_text_keeps_lines_and_drops_scripts() -> None:
    sel = Selector(text="<div id=t>Hej <b>med</b> dig<br>linje 2<script>alert(1)</script><p>afsnit</p>"
                        "&nbsp;slut<style>p{}</style></div>")
    assert element_text(sel.css("#t")[0].root) == "Hej med dig\nlinje 2\nafsnit\nslut"


def test_best_srcset_candidate() -> None:
    assert _best_srcset("/m/a.jpg?w=240 240w, /m/a.jpg 480w") == "/m/a.jpg"
    assert _best_srcset("/m/b.jpg 1x, /m/b@2x.jpg 2x") == "/m/b@2x.jpg"
    assert _best_srcset("/m/plain.jpg") == "/m/plain.jpg"


def test_nightlist_ad_fields(corpus: Corpus, quiet_site: DemoSite) -> None:
    site = site_def("demo_nightlist")
    rec = next(r for r in truth(corpus, "nightlist") if r["photos"] and r["special"] is None)
    resp = fetch(quiet_site, rec["url"])
    ad = AdPage.parse(resp.selector, resp.url, site)
    assert ad.external_id == rec["external_id"] == ad_id_from_url(resp.url, site.ad)
    assert ad.title == rec["title"] and ad.text
    # srcset resolved to the full-size (480w) URL, not the ?w=240 rendition
    assert [u.split("127.0.0.1:")[1].split("/", 1)[1] for u in ad.photo_urls] == \
        [p["url"].lstrip("/") for p in rec["photos"]]
    assert ad.content_sha256() == AdPage.parse(resp.selector, resp.url, site).content_sha256()
    assert {"body", "title", "photos"} <= ad.filled_fields()


def test_rodelygte_lazy_photos_and_id_attribute(corpus: Corpus, quiet_site: DemoSite) -> None:
    site = site_def("demo_rodelygte")
    rec = next(r for r in truth(corpus, "rodelygte") if r["photos"] and r["special"] is None)
    resp = fetch(quiet_site, rec["url"])
    ad = AdPage.parse(resp.selector, resp.url, site)
    assert ad.external_id == rec["external_id"]  # from article.annonce[data-id]
    assert ad_id_from_url(resp.url, site.ad) is None  # an id selector is configured: read it from the page
    assert len(ad.photo_urls) == len(rec["photos"])
    assert not any("blank.gif" in u for u in ad.photo_urls), "the lazy-load placeholder is not a photo"
    contact = [p for p in rec["phones"] if p["placement"] == "contact" and p["style"] == "tel_link"]
    for phone in contact:
        assert any(phone["e164"] in value for value in ad.raw_fields["phones"])


def test_external_id_falls_back_to_a_url_hash() -> None:
    spec = site_def("demo_nightlist").ad.model_copy(update={"external_id_from_url": r"id=(\d+)"})
    sel = Selector(text="<html></html>")
    first = external_id(sel, "http://h/x/no-number-here.html", spec)
    assert first.startswith("u") and first == external_id(sel, "http://H/x/no-number-here.html#top", spec)


def test_windows_1252_page_decoded(corpus: Corpus, quiet_site: DemoSite) -> None:
    rec = next(iter(truth(corpus, "rodelygte", "cp1252")))
    resp = fetch(quiet_site, rec["url"])
    assert "1252" in resp.headers.get("Content-Type", b"").decode()
    ad = AdPage.parse(resp.selector, resp.url, site_def("demo_rodelygte"))
    assert ad.title == rec["title"]
    assert "\ufffd" not in ad.text and not any("\x80" <= ch <= "\x9f" for ch in ad.text)


def test_malformed_page_still_parses(corpus: Corpus, quiet_site: DemoSite) -> None:
    rec = next(iter(truth(corpus, "rodelygte", "malformed")))
    resp = fetch(quiet_site, rec["url"])
    ad = AdPage.parse(resp.selector, resp.url, site_def("demo_rodelygte"))
    assert ad.title == rec["title"] and ad.text


def test_listing_links_are_absolute_with_next_page(quiet_site: DemoSite) -> None:
    resp = fetch(quiet_site, "/nightlist/")
    page = ListingPage.parse(resp.selector, resp.url, site_def("demo_nightlist").listing)
    assert len(page.ad_links) == 25 and all(u.startswith(quiet_site.base_url + "/nightlist/ad/") for u in page.ad_links)
    assert page.next_pages == [quiet_site.base_url + "/nightlist/?page=2"]


@pytest.mark.parametrize("spec", [
    {"css": "h1.ad-title"}, {"css": "dd.fact-phone a[href^='tel:']::attr(href)", "all": True},
    {"css": "section.ad-description ::text", "all": True}, {"css": "div.gallery img::attr(srcset)", "all": True},
    {"css": "p.ad-posted time::attr(datetime)"}, {"css": "dd.nothing-here"},
    {"xpath": "//h1/text()"}, {"xpath": "//dd[contains(@class, 'fact')]", "all": True},
    {"xpath": "//a[re:test(@href, '^tel:')]/@href", "all": True},
    {"xpath": "//dd/@class", "re": r"fact-(\w+)", "all": True},
])
def test_compiled_selectors_find_what_parsel_finds(quiet_site: DemoSite, spec: dict[str, object]) -> None:
    """Selectors are compiled once and run on the lxml tree (crawler.pages._found): same values as parsel's own
    ``Selector.css``/``.xpath`` on a real ad page, for CSS (text, ::attr, ::text), XPath and EXSLT regex."""
    from config.site_schema import Field_
    from crawler.pages import _found

    listing = fetch(quiet_site, "/nightlist/")
    ad_url = ListingPage.parse(listing.selector, listing.url, site_def("demo_nightlist").listing).ad_links[0]
    page = fetch(quiet_site, ad_url.removeprefix(quiet_site.base_url))
    field = Field_(**spec)  # type: ignore[arg-type]
    sel = page.selector
    parsel_found = sel.xpath(field.xpath) if field.xpath else sel.css(field.css or "")
    assert _found(sel, field) == [item.root for item in parsel_found]
