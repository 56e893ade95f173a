"""Pure page extraction: (response, SiteDefinition) -> links or ad fields. No requests, no database.

Keeping this pure lets fixtures test extraction without a crawl, and lets ``adwatch sites check`` show
exactly what each selector finds.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from config.site_schema import AdSpec, Field_, ListingSpec, SiteDefinition

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "title", "iframe", "object"}
_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section",
    "article", "header", "footer", "dd", "dt", "dl", "blockquote", "pre", "table", "hr", "main", "aside",
}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def element_text(node: Any) -> str:
    """element_text (str): readable text of an element: blocks become lines, scripts are dropped."""
    if isinstance(node, str):
        return node
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if tag in _SKIP_TAGS or isinstance(el, (etree._Comment, etree._ProcessingInstruction)):
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "br":  # one line break (a block tag would make it two)
            parts.append("\n")
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    tail, node.tail = node.tail, None
    walk(node)
    node.tail = tail
    text = _SPACES.sub(" ", "".join(parts))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def select_values(sel: Selector, spec: Field_, *, keep_all: bool | None = None) -> list[str]:
    """select_values (list[str]): what one field selector finds: texts, attributes or element texts.

    ``keep_all`` overrides the selector's ``all`` (list fields keep every match) without copying the spec
    per page (a pydantic copy per field and page showed up in crawl profiles).
    """
    keep = spec.all if keep_all is None else keep_all
    values: list[str] = []
    for root in _found(sel, spec):
        value = root if isinstance(root, str) else element_text(root)
        value = value.strip()
        if spec.re:
            match = re.search(spec.re, value, flags=re.S)
            if not match:
                continue
            value = (match.group(1) if match.groups() else match.group(0)).strip()
        if value:
            values.append(value)
        if not keep and values:
            break
    return values


_EVALUATORS: dict[tuple[str, str], etree.XPath | None] = {}


def _evaluator(kind: str, query: str) -> etree.XPath | None:
    """The compiled XPath of one selector (CSS translated as parsel does), or None if lxml refuses it."""
    key = (kind, query)
    if key not in _EVALUATORS:
        xpath = css2xpath(query) if kind == "css" else query
        namespaces = {prefix: uri for prefix, uri in Selector._default_namespaces.items() if f"{prefix}:" in xpath}
        try:
            _EVALUATORS[key] = etree.XPath(xpath, namespaces=namespaces or None, smart_strings=False)
        except etree.XPathError:
            _EVALUATORS[key] = None  # parsel raises its own error for it below
    return _EVALUATORS[key]


def _found(sel: Selector, spec: Field_) -> list[Any]:
    """What a selector matches on ``sel``: lxml elements or strings, as parsel's ``.root`` of each match.

    A site's selectors are compiled once and evaluated on the lxml tree directly: ``Selector.css``/``.xpath``
    re-derive the namespaces and wrap every match in a new Selector on each call (~20 µs of ~30 µs per
    selector and page; an ad page runs ~12 selectors). Same XPath (parsel's CSS translator), same results.
    """
    kind, query = ("xpath", spec.xpath) if spec.xpath else ("css", spec.css or "")
    evaluator = _evaluator(kind, query) if sel.type == "html" and hasattr(sel.root, "xpath") else None
    if evaluator is not None:
        try:
            result = evaluator(sel.root)
        except etree.XPathError:
            evaluator = None
        else:
            return result if isinstance(result, list) else [result]
    found = sel.xpath(query) if kind == "xpath" else sel.css(query)
    return [item.root for item in found]


def first_value(sel: Selector, spec: Field_ | None) -> str | None:
    if spec is None:
        return None
    values = select_values(sel, spec)
    return values[0] if values else None


def all_values(sel: Selector, specs: list[Field_]) -> list[str]:
    """all_values (list[str]): every value of every selector, in order, without repeats."""
    seen: dict[str, None] = {}
    for spec in specs:
        for value in select_values(sel, spec, keep_all=True):
            seen.setdefault(value, None)
    return list(seen)


def canonical_url(url: str) -> str:
    """canonical_url (str): the URL without fragment, with a lower-case host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _best_srcset(value: str) -> str:
    """The largest candidate of a ``srcset`` value (or the value itself when it is a plain URL)."""
    if "," not in value and " " not in value.strip():
        return value.strip()
    best, best_size = "", -1.0
    for candidate in value.split(","):
        bits = candidate.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1].rstrip("wx"))
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


def photo_urls(sel: Selector, base_url: str, specs: list[Field_], limit: int) -> list[str]:
    """photo_urls (list[str]): absolute photo URLs (srcset resolved), without data: URIs or repeats."""
    urls: dict[str, None] = {}
    for raw in all_values(sel, specs):
        url = _best_srcset(raw)
        if not url or url.startswith(("data:", "javascript:", "blob:")):
            continue
        urls.setdefault(canonical_url(urljoin(base_url, url)), None)
    return list(urls)[:limit]


def links(sel: Selector, base_url: str, specs: list[Field_]) -> list[str]:
    """links (list[str]): absolute http(s) links found by the selectors, in order, without repeats."""
    out: dict[str, None] = {}
    for raw in all_values(sel, specs):
        if raw.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = canonical_url(urljoin(base_url, raw))
        if url.startswith(("http://", "https://")):
            out.setdefault(url, None)
    return list(out)


@dataclass(frozen=True)
class ListingPage:
    """ListingPage: the ad links, next-page links and other listing links of one listing page."""

    ad_links: list[str]
    next_pages: list[str]
    follow: list[str]

    @classmethod
    def parse(cls, sel: Selector, url: str, spec: ListingSpec) -> ListingPage:
        return cls(links(sel, url, spec.item_links), links(sel, url, spec.next_page), links(sel, url, spec.follow))


@dataclass
class AdPage:
    """AdPage: the raw fields of one ad page, before any reading (the classifiers do that)."""

    external_id: str
    url: str
    title: str | None
    text: str
    raw_fields: dict[str, Any] = field(default_factory=dict)
    photo_urls: list[str] = field(default_factory=list)
    removed: bool = False

    @classmethod
    def parse(cls, sel: Selector, url: str, site: SiteDefinition, *, photo_limit: int = 12) -> AdPage:
        spec: AdSpec = site.ad
        url = canonical_url(url)
        raw: dict[str, Any] = {
            "phones": all_values(sel, spec.phones),
            "emails": all_values(sel, spec.emails),
            "handles": all_values(sel, spec.handles),
        }
        for name in ("name", "age", "city", "price", "posted_at"):
            raw[name] = first_value(sel, getattr(spec, name))
        for name, extra_spec in spec.extra.items():
            raw[f"extra.{name}"] = first_value(sel, extra_spec)
        body = select_values(sel, spec.body, keep_all=True)
        return cls(
            external_id=external_id(sel, url, spec),
            url=url,
            title=first_value(sel, spec.title),
            text="\n\n".join(body),
            raw_fields=raw,
            photo_urls=photo_urls(sel, url, spec.photos, photo_limit),
            removed=bool(spec.removed and select_values(sel, spec.removed)),
        )

    def content_sha256(self) -> str:
        """content_sha256 (str): hash of what the ad says; a new version is stored only when it changes."""
        payload = {"title": self.title, "text": self.text, "raw": self.raw_fields, "photos": self.photo_urls}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def filled_fields(self) -> set[str]:
        """filled_fields (set): names of fields that found something, for field-coverage monitoring."""
        filled = {name for name, value in self.raw_fields.items() if value}
        if self.title:
            filled.add("title")
        if self.text.strip():
            filled.add("body")
        if self.photo_urls:
            filled.add("photos")
        return filled


def external_id(sel: Selector, url: str, spec: AdSpec) -> str:
    """external_id (str): the site's id of the ad: selector, else regex on the URL, else a URL hash."""
    value = first_value(sel, spec.external_id)
    if value:
        return value[:200]
    match = re.search(spec.external_id_from_url, url)
    if match:
        return (match.group(1) if match.groups() else match.group(0))[:200]
    return "u" + hashlib.sha1(canonical_url(url).encode()).hexdigest()[:20]


def ad_id_from_url(url: str, spec: AdSpec) -> str | None:
    """ad_id_from_url (str | None): the external id readable from the URL alone (before fetching)."""
    if spec.external_id is not None:
        return None
    match = re.search(spec.external_id_from_url, canonical_url(url))
    if match:
        return (match.group(1) if match.groups() else match.group(0))[:200]
    return "u" + hashlib.sha1(canonical_url(url).encode()).hexdigest()[:20]


def matches(sel: Selector, spec: Field_ | None) -> bool:
    """matches (bool): the selector finds anything at all (used for age-gate detection)."""
    if spec is None:
        return False
    return len(_found(sel, spec)) > 0
