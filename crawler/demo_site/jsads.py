"""The JavaScript-only board: empty HTML shells plus a JSON API.

Why: plain HTTP crawling sees no ads here; only a browser (Playwright) does.
Every ad still has its own URL (/jsads/ad.html?id=N) that renders in a browser.
The JS writes ad text with textContent, so hostile text stays inert.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.demo_site.layouts import Page, html_page, photo_url, wa_href
from crawler.demo_site.model import Ad
from crawler.demo_site.nights import REMOVED_STATUS, listing

if TYPE_CHECKING:
    from crawler.demo_site.corpus import Corpus

JS_PAGE = 30
CSS = "body{font-family:system-ui,sans-serif}.js-text{white-space:pre-line}.js-item{margin:4px 0}"
APP_JS = (Path(__file__).parent / "static" / "jsads_app.js").read_bytes()


def _json(data: Any, status: int = 200) -> Page:
    return Page(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def shell(title: str) -> Page:
    """The empty application page (no ads in the HTML)."""
    main = '<div id="app"><noscript>Denne side kræver JavaScript / JavaScript required.</noscript></div>'
    html = html_page(title, "da", CSS, main, header='<header class="js-header"><a href="/jsads/">JSAds</a></header>',
                     script='<script src="/jsads/app.js"></script>')
    return Page(200, html.encode("utf-8"))


def app_js() -> Page:
    return Page(200, APP_JS, "application/javascript; charset=utf-8")


def api_list(corpus: Corpus, night: int, page: int) -> Page:
    ads = listing(corpus, "jsads", night)
    pages = max(1, math.ceil(len(ads) / JS_PAGE))
    if page < 1 or page > pages:
        return _json({"error": "no such page"}, 404)
    items = [{"id": a.external_id, "title": a.content(night).title, "city": a.city, "url": a.path,
              "posted": a.posted} for a in ads[(page - 1) * JS_PAGE: page * JS_PAGE]]
    return _json({"page": page, "pages": pages, "total": len(ads), "ads": items})


def api_ad(corpus: Corpus, night: int, ad: Ad) -> Page:
    if not ad.present(night):
        return _json({"error": "not found"}, REMOVED_STATUS[ad.site])
    c = ad.content(night)
    contact: list[dict[str, str]] = []
    for m in c.phones:
        if m.placement != "contact":
            continue
        if m.style == "reveal":
            contact.append({"type": "reveal", "url": f"/jsads/api/reveal/{ad.external_id}"})
        elif m.style == "tel_link":
            contact.append({"type": "tel", "display": m.shown, "href": f"tel:{m.e164}"})
        elif m.style == "wa_link":
            contact.append({"type": "wa", "display": m.shown, "href": wa_href(m.e164)})
        else:
            contact.append({"type": "text", "display": m.shown})
    return _json({"id": ad.external_id, "title": c.title, "text": c.body, "age": c.age_field, "city": ad.city,
                  "price": c.price_field, "posted": ad.posted, "contact": contact,
                  "photos": [photo_url(p.id, p.kind) for p in ad.photos]})
