"""HTML renderers for the two server-side boards (rodelygte, nightlist) and shared helpers.

Why three layouts: a generic YAML-driven spider must be configured per site, so
the boards differ in markup, class names, URL schemes, language and pagination.
Ad text is hostile input and is always HTML-escaped. The JS-only board lives in
jsads.py. Renderers return ``Page`` objects; the server adds friction and caching.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from crawler.demo_site import lexicon as lx
from crawler.demo_site.model import Ad, AdContent, PhoneMention
from crawler.demo_site.nights import REMOVED_STATUS, listing

if TYPE_CHECKING:
    from crawler.demo_site.corpus import Corpus

RL_PAGE, NL_PAGE = 20, 25
_TRANS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


@dataclass
class Page:
    """A rendered response."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def slugify(text: str) -> str:
    """ASCII slug: "Søde Anna i Århus!" -> "soede-anna-i-aarhus"."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANS)).encode("ascii", "ignore").decode()
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)[:48] or "ad"


def ad_path(ad: Ad) -> str:
    """Detail-page path (with query for jsads) of ``ad``."""
    if ad.site == "rodelygte":
        return f"/rodelygte/annonce/{ad.external_id}"
    if ad.site == "nightlist":
        return f"/nightlist/ad/{slugify(ad.contents[0][1].title)}-{ad.external_id}.html"
    return f"/jsads/ad.html?id={ad.external_id}"


def photo_url(photo_id: str, kind: str, width: int | None = None) -> str:
    """Public URL of a photo (optionally a resized rendition)."""
    ext = "svg" if kind == "broken_svg" else "jpg"
    return f"/media/{photo_id}.{ext}" + (f"?w={width}" if width else "")


def body_html(text: str) -> str:
    """Escape ad text and keep its line breaks."""
    return escape(text).replace("\n", "<br>\n")


def wa_href(e164: str) -> str:
    return "https://wa.me/" + e164.lstrip("+")


def human_date(iso: str, lang: str) -> str:
    months_da = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")
    y, m, rest = iso.split("-", 2)
    d, hm = rest.split("T")
    if lang == "da":
        return f"{int(d)}. {months_da[int(m) - 1]} {y} kl. {hm}"
    return f"{y}-{m}-{d} {hm}"


def html_page(title: str, lang: str, css: str, main: str, head: str = "", charset: bool = True,
              header: str = "", footer: str = "", script: str = "") -> str:
    meta = '<meta charset="utf-8">' if charset else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width">{head}<style>{css}</style></head>\n'
            f"<body>{header}\n{main}\n{footer}{script}</body></html>\n")


def encode(html: str, status: int = 200, cp1252: bool = False) -> Page:
    if cp1252:
        return Page(status, html.encode("cp1252", "xmlcharrefreplace"), "text/html; charset=windows-1252")
    return Page(status, html.encode("utf-8"))


def _pages(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


# --------------------------------------------------------------------- rodelygte (Danish)
RL_CSS = "body{font-family:Georgia,serif;background:#fff4f4}.annonce-kort{border:1px solid #caa;margin:6px}"
RL_JS = """<script>
document.querySelectorAll('img.lazy').forEach(function(i){i.src=i.getAttribute('data-src');});
document.querySelectorAll('button.vis-nummer').forEach(function(b){b.addEventListener('click',function(){
 fetch(b.getAttribute('data-reveal'),{credentials:'same-origin'}).then(function(r){return r.json();})
 .then(function(j){var s=b.parentNode.querySelector('span.nummer');var a=document.createElement('a');
  a.className='tlf';a.href='tel:'+j.e164;a.textContent=j.phone;s.appendChild(a);b.remove();});});});
</script>"""


def _rl_header() -> str:
    return ('<header class="top"><a class="logo" href="/rodelygte/"><img src="/static/logo-rodelygte.png" '
            'alt="Rødelygte"></a><nav class="menu"><a href="/rodelygte/">Forside</a> '
            '<a href="/rodelygte/regler">Regler</a></nav></header>')


def rl_gate(next_path: str, token: str | None = None) -> Page:
    """Age gate: a link and a GET form both lead to /rodelygte/alder?ok=1&next=...; with ``token`` only a POST
    form carrying it does (no accepting link), as on sites whose gate is protected by a CSRF token."""
    nxt = escape(next_path, quote=True)
    from urllib.parse import quote

    q = quote(next_path, safe="")
    link = "" if token else f'<a class="over18" href="/rodelygte/alder?ok=1&amp;next={q}">Jeg er over 18</a> '
    method = "post" if token else "get"
    hidden = f'<input type="hidden" name="token" value="{escape(token, quote=True)}">' if token else ""
    main = (f'<main class="aldersgraense"><h1>Kun for voksne</h1><p>Denne side indeholder annoncer for voksne.</p>'
            f'{link}<a class="under18" href="https://www.google.dk/">Forlad siden</a>'
            f'<form class="alder-form" method="{method}" action="/rodelygte/alder">'
            f'<input type="hidden" name="ok" value="1">{hidden}'
            f'<input type="hidden" name="next" value="{nxt}"><button type="submit">Jeg er over 18 – fortsæt</button>'
            f"</form></main>")
    return encode(html_page("Aldersbekræftelse – Rødelygte", "da", RL_CSS, main, header=_rl_header()))


def rl_home(corpus: Corpus, night: int) -> Page:
    items = []
    for name, slug, _pc in lx.CITIES:
        n = len(listing(corpus, "rodelygte", night, slug))
        items.append(f'<li><a class="by" href="/rodelygte/by/{slug}/">{escape(name)}</a> '
                     f'<span class="antal">({n})</span></li>')
    main = f'<main id="indhold"><h1>Vælg by</h1><ul class="byliste">{"".join(items)}</ul></main>'
    return encode(html_page("Rødelygte – annoncer i hele Danmark", "da", RL_CSS, main, header=_rl_header()))


def rl_city(corpus: Corpus, night: int, slug: str, page: int) -> Page:
    names = {s: n for n, s, _pc in lx.CITIES}
    if slug not in names:
        return encode(html_page("Ikke fundet", "da", RL_CSS, "<main><h1>Siden findes ikke</h1></main>"), 404)
    ads = listing(corpus, "rodelygte", night, slug)
    pages = _pages(len(ads), RL_PAGE)
    if page < 1 or page > pages:
        return encode(html_page("Ikke fundet", "da", RL_CSS, "<main><h1>Siden findes ikke</h1></main>"), 404)
    cards = []
    for ad in ads[(page - 1) * RL_PAGE: page * RL_PAGE]:
        c = ad.content(night)
        thumb = ""
        if ad.photos:
            p = ad.photos[0]
            thumb = f'<img class="thumb lazy" src="/static/blank.gif" data-src="{photo_url(p.id, p.kind, 160)}" alt="">'
        age = f'<span class="kort-alder">{escape(c.age_field)}</span>' if c.age_field else ""
        cards.append(f'<div class="annonce-kort" id="a-{ad.external_id}"><a class="annonce-link" href="{ad.path}">'
                     f'{thumb}<span class="kort-titel">{escape(c.title)}</span></a> {age} '
                     f'<time class="kort-dato" datetime="{ad.posted}">{human_date(ad.posted, "da")}</time></div>')
    nav = f'<span class="side-nr">Side {page} af {pages}</span>'
    if page > 1:
        nav = f'<a class="forrige" href="/rodelygte/by/{slug}/?side={page - 1}">&laquo; Forrige</a> ' + nav
    if page < pages:
        nav += f' <a class="naeste" href="/rodelygte/by/{slug}/?side={page + 1}">Næste &raquo;</a>'
    empty = '<p class="ingen">Ingen annoncer i øjeblikket.</p>' if not ads else ""
    main = (f'<main id="indhold"><h1 class="by-overskrift">Annoncer i {escape(names[slug])}</h1>'
            f'<div class="annoncer">{"".join(cards)}{empty}</div><div class="sider">{nav}</div></main>')
    return encode(html_page(f"{names[slug]} – Rødelygte", "da", RL_CSS, main, header=_rl_header(), script=RL_JS))


def _rl_contact(ad: Ad, mentions: list[PhoneMention]) -> str:
    out = []
    for m in mentions:
        if m.style == "reveal":
            out.append(f'<button type="button" class="vis-nummer" data-reveal="/rodelygte/reveal/{ad.external_id}">'
                       f'Vis nummer</button><span class="nummer"></span>')
        elif m.style == "tel_link":
            out.append(f'<a class="tlf" href="tel:{m.e164}">{escape(m.shown)}</a>')
        elif m.style == "wa_link":
            out.append(f'<a class="wa" href="{wa_href(m.e164)}">{escape(m.shown)}</a>')
        else:
            out.append(f'<span class="tlf-tekst">{escape(m.shown)}</span>')
    return " | ".join(out)


def rl_ad(corpus: Corpus, night: int, ad: Ad) -> Page:
    if not ad.present(night) or night < ad.first_night:
        return encode(html_page("Annoncen findes ikke", "da", RL_CSS,
                                "<main><h1>Annoncen er fjernet eller findes ikke</h1></main>"), REMOVED_STATUS[ad.site])
    c: AdContent = ad.content(night)
    bad = ad.special == "malformed"
    alt = escape(c.title, quote=True)
    imgs = "".join(f'<img class="lazy" src="/static/blank.gif" data-src="{photo_url(p.id, p.kind)}" alt="{alt}">'
                   for p in ad.photos)
    rows = []
    if c.age_field:
        rows.append(f'<tr><th>Alder</th><td class="fakta-alder">{escape(c.age_field)}</td></tr>')
    rows.append(f'<tr><th>By</th><td class="fakta-by">{escape(ad.city)}</td></tr>')
    if c.price_field:
        cls = "class=fakta-pris" if bad else 'class="fakta-pris"'
        rows.append(f'<tr><th>Pris</th><td {cls}>{escape(c.price_field)}</td>' + ("" if bad else "</tr>"))
    contact = [m for m in c.phones if m.placement == "contact"]
    if contact:
        rows.append(f'<tr><th>Telefon</th><td class="fakta-telefon">{_rl_contact(ad, contact)}</td></tr>')
    text = body_html(c.body)
    text_div = f'<div class="annonce-tekst"><p>{text}</div>' if bad else f'<div class="annonce-tekst">{text}</div>'
    main = (f'<main id="indhold"><article class="annonce" data-id="{ad.external_id}">'
            f'<h1 class="annonce-titel">{escape(c.title)}</h1>'
            f'<div class="annonce-meta">Oprettet <time class="oprettet" datetime="{ad.posted}">'
            f'{human_date(ad.posted, "da")}</time> · '
            f'<a class="by-link" href="/rodelygte/by/{corpus.city_slug(ad.city)}/">{escape(ad.city)}</a></div>'
            f'<div class="annonce-billeder">{imgs}</div>{text_div}'
            f'<table class="fakta">{"".join(rows)}</table>'
            f'<p class="annonce-id">Annonce-ID: {ad.external_id}</p></article>'
            + ("</span></div><b><i>Relaterede</b></i><ul><li>..." if bad else "</main>"))
    page = html_page(f"{c.title} – Rødelygte", "da", RL_CSS, main, header=_rl_header(), script=RL_JS,
                     charset=ad.special != "cp1252")
    return encode(page, cp1252=ad.special == "cp1252")


# --------------------------------------------------------------------- nightlist (English)
NL_CSS = "body{font-family:Helvetica,Arial,sans-serif;background:#111;color:#eee}.card{padding:8px}"
NL_HEADER = ('<header class="site-header"><a class="brand" href="/nightlist/"><img src="/static/logo-nightlist.png" '
             'alt="NightList"></a><span class="tagline">Companions across Denmark</span></header>')
NL_JS = """<script>
document.querySelectorAll('button.reveal-phone').forEach(function(b){b.addEventListener('click',function(){
 fetch(b.dataset.url).then(function(r){return r.json();}).then(function(j){
  var s=b.nextElementSibling;var a=document.createElement('a');a.className='phone-link';a.href='tel:'+j.e164;
  a.textContent=j.phone;s.appendChild(a);b.remove();});});});
</script>"""


def nl_list(corpus: Corpus, night: int, page: int) -> Page:
    ads = listing(corpus, "nightlist", night)
    pages = _pages(len(ads), NL_PAGE)
    if page < 1 or page > pages:
        return encode(html_page("Not found", "en", NL_CSS, "<main><h1>No such page</h1></main>"), 404)
    cards = []
    for ad in ads[(page - 1) * NL_PAGE: page * NL_PAGE]:
        c = ad.content(night)
        age = f' · <span class="card-age">{escape(c.age_field)}</span>' if c.age_field else ""
        cards.append(f'<article class="card" data-ad-id="{ad.external_id}"><a class="card-link" href="{ad.path}">'
                     f'<h2 class="card-title">{escape(c.title)}</h2></a><p class="card-meta">'
                     f'<span class="card-city">{escape(ad.city)}</span>{age} · '
                     f'<time datetime="{ad.posted}">{human_date(ad.posted, "en")}</time></p></article>')
    head, nav = "", []
    if page > 1:
        head += f'<link rel="prev" href="/nightlist/?page={page - 1}">'
        nav.append(f'<a rel="prev" class="pager-prev" href="/nightlist/?page={page - 1}">← Newer</a>')
    if page < pages:
        head += f'<link rel="next" href="/nightlist/?page={page + 1}">'
        nav.append(f'<a rel="next" class="pager-next" href="/nightlist/?page={page + 1}">Older ads →</a>')
    main = (f'<main class="listing"><h1>Latest ads</h1>{"".join(cards)}'
            f'<nav class="pager">{" ".join(nav)}<span class="pager-info">page {page}/{pages}</span></nav></main>')
    return encode(html_page("NightList – latest ads", "en", NL_CSS, main, head=head, header=NL_HEADER))


def _nl_contact(ad: Ad, mentions: list[PhoneMention]) -> str:
    out = []
    for m in mentions:
        if m.style == "reveal":
            out.append(f'<button type="button" class="reveal-phone" data-url="/nightlist/reveal/{ad.external_id}">'
                       f'Show number</button><span class="phone-revealed"></span>')
        elif m.style == "wa_link":
            out.append(f'<a class="whatsapp" href="{wa_href(m.e164)}">{escape(m.shown)}</a>')
        else:
            out.append(f'<a class="phone-link" href="tel:{m.e164}">{escape(m.shown)}</a>')
    return "<br>".join(out)


def nl_ad(corpus: Corpus, night: int, ad: Ad) -> Page:
    if not ad.present(night):
        return encode(html_page("Gone", "en", NL_CSS, "<main><h1>This ad has been removed</h1></main>"),
                      REMOVED_STATUS[ad.site])
    c = ad.content(night)
    figs = "".join(f'<figure><img src="{photo_url(p.id, p.kind, 240)}" srcset="{photo_url(p.id, p.kind, 240)} 240w, '
                   f'{photo_url(p.id, p.kind)} 480w" sizes="(max-width: 600px) 240px, 480px" alt=""></figure>'
                   for p in ad.photos)
    facts = []
    if c.age_field:
        facts.append(f'<dt>Age</dt><dd class="fact-age">{escape(c.age_field)}</dd>')
    facts.append(f'<dt>Location</dt><dd class="fact-location">{escape(ad.city)}</dd>')
    if c.price_field:
        facts.append(f'<dt>Rate</dt><dd class="fact-rate">{escape(c.price_field)}</dd>')
    contact = [m for m in c.phones if m.placement == "contact"]
    if contact:
        facts.append(f'<dt>Phone</dt><dd class="fact-phone">{_nl_contact(ad, contact)}</dd>')
    paras = "".join(f"<p>{body_html(p)}</p>" for p in c.body.split("\n\n"))
    extra = ""
    if ad.special == "huge":
        review = ('<div class="review"><span class="stars">★★★★☆</span> Lorem ipsum dolor sit amet, '
                  'nice and friendly. </div>\n')
        extra = f'<section class="reviews">{review * 40000}</section>'
    main = (f'<main class="ad-page"><article class="ad-full" id="ad-{ad.external_id}"><header>'
            f'<h1 class="ad-title">{escape(c.title)}</h1><p class="ad-posted">Posted '
            f'<time datetime="{ad.posted}">{human_date(ad.posted, "en")}</time></p></header>'
            f'<div class="gallery">{figs}</div><section class="ad-description">{paras}</section>'
            f'<dl class="ad-facts">{"".join(facts)}</dl><p class="ad-ref">Ref. NL-{ad.external_id}</p>'
            f'</article>{extra}</main>')
    return encode(html_page(f"{c.title} | NightList", "en", NL_CSS, main, header=NL_HEADER, script=NL_JS))
