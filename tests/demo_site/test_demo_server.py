"""The HTTP side: age gate, pagination, friction, nights, images, truth-vs-page consistency."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from html import escape

import pytest
from PIL import Image

from crawler.demo_site import Corpus, DemoSite, build_corpus

Get = Callable[..., tuple[int, dict[str, str], bytes]]


def test_robots_and_index(site: DemoSite, get: Get) -> None:
    status, _, body = get(site, "/robots.txt", None)
    assert status == 200 and b"Allow: /rodelygte/" in body and b"Allow: /nightlist/" in body
    assert get(site, "/", None)[0] == 200


def test_age_gate(site: DemoSite, get: Get) -> None:
    status, headers, _ = get(site, "/rodelygte/by/aarhus/?side=1", None)
    assert status == 302 and headers["location"].startswith("/rodelygte/alder?next=")
    status, _, body = get(site, headers["location"], None)
    assert status == 200
    link = re.search(rb'<a class="over18" href="([^"]+)"', body)
    assert link is not None
    status, headers, _ = get(site, link.group(1).decode().replace("&amp;", "&"), None)
    assert status == 302 and headers["location"] == "/rodelygte/by/aarhus/?side=1"
    assert headers["set-cookie"].startswith("rl_age=1")
    assert get(site, headers["location"], "rl_age=1")[0] == 200
    assert get(site, "/rodelygte/alder?ok=1&next=https://evil.example/", None)[1]["location"] == "/rodelygte/"


def _crawl_rodelygte(site: DemoSite, get: Get) -> set[int]:
    found: set[int] = set()
    home = get(site, "/rodelygte/")[2].decode()
    for city in re.findall(r'<a class="by" href="([^"]+)"', home):
        url: str | None = city
        while url:
            page = get(site, url)[2].decode()
            found |= {int(i) for i in re.findall(r'class="annonce-link" href="/rodelygte/annonce/(\d+)"', page)}
            nxt = re.search(r'<a class="naeste" href="([^"]+)"', page)
            url = nxt.group(1) if nxt else None
    return found


def _crawl_nightlist(site: DemoSite, get: Get) -> set[int]:
    found: set[int] = set()
    url: str | None = "/nightlist/"
    while url:
        page = get(site, url)[2].decode()
        found |= {int(i) for i in re.findall(r'<a class="card-link" href="/nightlist/ad/[a-z0-9-]+-(\d+)\.html"', page)}
        nxt = re.search(r'<link rel="next" href="([^"]+)"', page)
        url = nxt.group(1) if nxt else None
    return found


def _crawl_jsads(site: DemoSite, get: Get) -> set[int]:
    shell = get(site, "/jsads/")[2]
    assert b"js-link" not in shell and b"/jsads/ad.html?id=" not in shell  # nothing without JS
    found: set[int] = set()
    page, pages = 1, 1
    while page <= pages:
        data = json.loads(get(site, f"/jsads/api/list?page={page}")[2])
        pages = data["pages"]
        found |= {a["id"] for a in data["ads"]}
        page += 1
    return found


def test_pagination_reaches_every_ad(corpus: Corpus, site: DemoSite, get: Get) -> None:
    expected = {s: {int(r["external_id"]) for r in corpus.truth(1) if r["site"] == s}
                for s in ("rodelygte", "nightlist", "jsads")}
    assert _crawl_rodelygte(site, get) == expected["rodelygte"]
    assert _crawl_nightlist(site, get) == expected["nightlist"]
    assert _crawl_jsads(site, get) == expected["jsads"]


def _contains_mention(page: str, m: dict) -> bool:
    if m["style"] == "tel_link":
        return f'href="tel:{m["e164"]}"' in page
    if m["style"] == "wa_link":
        return f'href="https://wa.me/{m["e164"][1:]}"' in page
    return escape(m["shown"]).replace("\n", "<br>\n") in page


def test_truth_matches_pages(corpus: Corpus, site: DemoSite, get: Get) -> None:
    for rec in corpus.truth(1):
        ad_id = rec["external_id"]
        if rec["site"] == "jsads":
            status, _, raw = get(site, f"/jsads/api/ad/{ad_id}")
            assert status == 200
            data = json.loads(raw)
            assert data["title"] == rec["title"]
            blob = json.dumps(data, ensure_ascii=False)
            for m in rec["phones"]:
                if m["style"] == "reveal":
                    reveal = json.loads(get(site, f"/jsads/api/reveal/{ad_id}")[2])
                    assert reveal["e164"] == m["e164"]
                elif m["style"] in ("tel_link", "wa_link"):
                    assert m["e164"][1:] in blob
                else:
                    assert m["shown"] in (data["text"] if m["placement"] == "body" else blob)
            continue
        status, headers, raw = get(site, rec["url"])
        assert status == 200, rec["url"]
        charset = "cp1252" if "windows-1252" in headers["content-type"] else "utf-8"
        page = raw.decode(charset)
        assert escape(rec["title"]) in page or rec["special"] == "cp1252"
        for m in rec["phones"]:
            if m["style"] == "reveal":
                prefix = "/rodelygte/reveal/" if rec["site"] == "rodelygte" else "/nightlist/reveal/"
                assert f"{prefix}{ad_id}" in page
                assert json.loads(get(site, f"{prefix}{ad_id}")[2])["e164"] == m["e164"]
            elif charset == "utf-8":
                assert _contains_mention(page, m), (rec["url"], m)
        for ph in rec["photos"]:
            assert ph["url"] in page
        if rec["special"] == "hostile":
            assert "&lt;" in page and "alert(" in page
            assert "<script>alert" not in page and "onerror=" not in page.replace("onerror=&quot;", "")


def test_friction_then_success(corpus: Corpus, get: Get) -> None:
    with DemoSite(corpus, friction=True, slow=False) as s:
        urls = [r["url"] for r in corpus.truth(1) if r["site"] == "nightlist"]
        first = {u: get(s, u) for u in urls}
        codes = [v[0] for v in first.values()]
        assert 503 in codes and 429 in codes and codes.count(200) > 0.85 * len(codes)
        for u, (status, headers, _) in first.items():
            if status in (429, 503):
                assert headers["retry-after"] == "1"
                assert get(s, u)[0] == 200
        assert s.stats()["by_status"][429] == codes.count(429)


def test_removed_and_new_ads_on_later_nights(corpus: Corpus, get: Get) -> None:
    with DemoSite(corpus, friction=False) as s:
        s.set_night(2)
        gone = [a for a in corpus.ads if a.removed_at_night == 2]
        assert {a.site for a in gone} == {"rodelygte", "nightlist", "jsads"}
        expected = {"rodelygte": 404, "nightlist": 410}
        for ad in gone:
            path = f"/jsads/api/ad/{ad.external_id}" if ad.site == "jsads" else ad.path
            assert get(s, path)[0] == expected.get(ad.site, 404)
        listing = {int(i) for i in re.findall(r'data-ad-id="(\d+)"', "".join(
            get(s, f"/nightlist/?page={p}")[2].decode() for p in range(1, 30)))}
        assert not listing & {a.external_id for a in gone}
        new = [a for a in corpus.ads if a.first_night == 2 and a.site == "nightlist"]
        assert new and {a.external_id for a in new} <= listing
        s.set_night(1)
        assert get(s, new[0].path)[0] == 404
        with pytest.raises(ValueError):
            s.set_night(99)


def test_near_duplicate_images(corpus: Corpus, site: DemoSite, get: Get) -> None:
    by_group: dict[str, list] = {}
    for p in corpus.photos.values():
        by_group.setdefault(p.group, []).append(p)
    group = next(g for g, ps in by_group.items() if len({p.variant for p in ps}) >= 3 and g.startswith("src"))
    sizes = set()
    for p in by_group[group]:
        status, headers, body = get(site, f"/media/{p.id}.jpg", None)
        assert status == 200 and headers["content-type"] == "image/jpeg"
        sizes.add(Image.open(io.BytesIO(body)).size)
    assert len(sizes) >= 2
    small = get(site, f"/media/{by_group[group][0].id}.jpg?w=240", None)[2]
    assert Image.open(io.BytesIO(small)).size[0] == 240
    placeholders = [p for p in corpus.photos.values() if p.kind == "placeholder"]
    assert len(placeholders) > 5
    assert len({get(site, f"/media/{p.id}.jpg", None)[2] for p in placeholders if "rodelygte" in p.group}) == 1
    kinds = {p.kind: p for p in corpus.photos.values()}
    assert {"broken_truncated", "broken_html", "broken_svg"} <= set(kinds)
    assert get(site, f"/media/{kinds['broken_svg'].id}.svg", None)[1]["content-type"] == "image/svg+xml"
    assert get(site, f"/media/{kinds['broken_html'].id}.jpg", None)[2].startswith(b"<!DOCTYPE html>")


def test_special_pages(corpus: Corpus, site: DemoSite, get: Get) -> None:
    by_special = {a.special: a for a in corpus.ads if a.special}
    status, _, body = get(site, by_special["huge"].path)
    assert status == 200 and len(body) > 3_000_000
    status, _, body = get(site, by_special["malformed"].path)
    assert status == 200 and b"<b><i>Relaterede</b></i>" in body and b'<div class="annonce-tekst"><p>' in body
    status, headers, body = get(site, by_special["cp1252"].path)
    assert headers["content-type"] == "text/html; charset=windows-1252"
    assert b"R\xf8delygte" in body and "Rødelygte" in body.decode("cp1252")


def test_same_seed_same_page_bytes(corpus: Corpus, site: DemoSite, get: Get) -> None:
    twin = build_corpus(seed=7, n_ads=600)
    with DemoSite(twin, friction=False) as other:
        for rec in corpus.truth(1)[:40]:
            path = rec["url"] if rec["site"] != "jsads" else f"/jsads/api/ad/{rec['external_id']}"
            assert get(site, path)[2] == get(other, path)[2]
        photo = next(iter(corpus.photos))
        assert get(site, f"/media/{photo}.jpg", None)[2] == get(other, f"/media/{photo}.jpg", None)[2]
