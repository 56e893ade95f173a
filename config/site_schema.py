"""Site definitions: one YAML file per site under ``config/sites/``, validated before any crawl.

Analysts add a site by writing YAML (see docs/sites.md); the generic spider reads only these objects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from parsel import Selector
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.errors import ConfigError, format_problem, pydantic_problems

SLUG = r"^[a-z0-9][a-z0-9_-]{1,62}$"
_EMPTY = Selector(text="<html><body></body></html>")


class StrictModel(BaseModel):
    """StrictModel: unknown keys are errors (a misspelt key must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_selector(query: str) -> str:
    """Compile a selector against an empty page: ``css``, or ``xpath:`` prefix for XPath."""
    query = query.strip()
    if not query:
        raise ValueError("empty selector")
    try:
        if query.startswith("xpath:"):
            _EMPTY.xpath(query[6:])
        else:
            _EMPTY.css(query)
    except Exception as exc:
        raise ValueError(f"invalid selector {query!r}: {exc}") from exc
    return query


class Field_(StrictModel):
    """One extracted field: a selector, an optional regex (group 1 or whole match), and a join mode."""

    css: str | None = None
    xpath: str | None = None
    re: str | None = None
    all: bool = False  # keep every match (lists) instead of the first

    @model_validator(mode="after")
    def _one_selector(self) -> Field_:
        if bool(self.css) == bool(self.xpath):
            raise ValueError("give exactly one of css or xpath")
        check_selector(self.css or f"xpath:{self.xpath}")
        if self.re:
            try:
                re.compile(self.re)
            except re.error as exc:
                raise ValueError(f"invalid regex {self.re!r}: {exc}") from exc
        return self

    @property
    def query(self) -> str:
        return self.css or f"xpath:{self.xpath}"


def _coerce_field(value: Any) -> Any:
    if isinstance(value, str):
        return {"xpath": value[6:]} if value.startswith("xpath:") else {"css": value}
    return value


def _coerce_fields(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    return [_coerce_field(v) for v in value]


FieldSpec = Annotated[Field_, Field(description="selector string or {css|xpath, re, all}")]


class BrowserAction(StrictModel):
    """One step run in the browser before the page is read; a missing element never fails the page."""

    click: str | None = Field(None, description="CSS: click every matching element (e.g. 'show number').")
    wait_for: str | None = Field(None, description="CSS: wait until it appears (up to timeout_ms).")
    scroll: bool = Field(False, description="Scroll to the bottom (lazy-loaded content).")
    wait_ms: int | None = Field(None, ge=0, le=30_000)
    timeout_ms: int = Field(5_000, ge=100, le=60_000)

    @model_validator(mode="after")
    def _one_step(self) -> BrowserAction:
        # click + wait_for together: wait only when something was clicked (e.g. a 'show number' button
        # that most ads lack), so pages without the button cost no timeout.
        steps = [self.click, None if self.click else self.wait_for, self.scroll or None, self.wait_ms]
        if sum(s is not None for s in steps) != 1:
            raise ValueError("each action has exactly one of click (optionally with wait_for), wait_for, scroll, "
                             "wait_ms")
        for css in (self.click, self.wait_for):
            if css:
                check_selector(css)
        return self


class PageRender(StrictModel):
    """How a page type is fetched: plain HTTP, or a real browser with optional actions."""

    render: Literal["http", "browser"] = "http"
    render_if: str | None = Field(
        None, description="CSS: fetch over HTTP, and re-fetch in the browser only when this matches the page.")
    actions: list[BrowserAction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _actions_need_browser(self) -> PageRender:
        if self.actions and self.render != "browser" and not self.render_if:
            raise ValueError("actions need render: browser (or render_if)")
        if self.render_if:
            check_selector(self.render_if)
        return self

    @property
    def may_render(self) -> bool:
        """may_render (bool): some pages of this type go through the browser."""
        return self.render == "browser" or self.render_if is not None


class ListingSpec(PageRender):
    """Listing pages: where the ad links and the next page are."""

    item_links: list[FieldSpec]
    next_page: list[FieldSpec] = Field(default_factory=list)
    follow: list[FieldSpec] = Field(default_factory=list, description="Other listing pages (city menus).")
    max_pages: int = Field(200, ge=1, le=100_000, description="Listing pages per start URL, at most.")

    _c = field_validator("item_links", "next_page", "follow", mode="before")(_coerce_fields)


class AdSpec(PageRender):
    """Detail pages: one selector (or list) per field. Only ``body`` is required."""

    external_id: FieldSpec | None = None
    external_id_from_url: str = Field(
        r"(\d+)(?:\.html?)?/?(?:[?#].*)?$", description="Regex on the URL when no external_id selector."
    )
    title: FieldSpec | None = None
    body: FieldSpec
    phones: list[FieldSpec] = Field(default_factory=list)
    emails: list[FieldSpec] = Field(default_factory=list)
    handles: list[FieldSpec] = Field(default_factory=list)
    name: FieldSpec | None = None
    age: FieldSpec | None = None
    city: FieldSpec | None = None
    price: FieldSpec | None = None
    posted_at: FieldSpec | None = None
    photos: list[FieldSpec] = Field(default_factory=list)
    extra: dict[str, FieldSpec] = Field(default_factory=dict, description="More raw fields kept as evidence.")
    removed: FieldSpec | None = Field(None, description="Present on the page when the ad was taken down.")

    _one = field_validator("external_id", "title", "body", "name", "age", "city", "price", "posted_at",
                           "removed", mode="before")(_coerce_field)
    _many = field_validator("phones", "emails", "handles", "photos", mode="before")(_coerce_fields)

    @field_validator("extra", mode="before")
    @classmethod
    def _extra(cls, value: Any) -> Any:
        return {k: _coerce_field(v) for k, v in (value or {}).items()}

    @field_validator("external_id_from_url")
    @classmethod
    def _regex(cls, value: str) -> str:
        re.compile(value)
        return value


class AgeGate(StrictModel):
    """An 18+ interstitial: how to recognise it and how to pass it (a link, a cookie, or a click)."""

    detect: FieldSpec = Field(description="Selector that matches only on the gate page.")
    follow: FieldSpec | None = Field(None, description="Link (href) that accepts the gate.")
    cookies: dict[str, str] = Field(default_factory=dict, description="Cookies that pass the gate.")
    click: str | None = Field(None, description="Browser pages: CSS of the accept button.")
    submit: str | None = Field(None, description=(
        "CSS of the form that accepts (often method=post, with hidden fields or a token): it is submitted as the "
        "browser would submit it, hidden fields and the first submit button included."))

    _c = field_validator("detect", "follow", mode="before")(_coerce_field)

    @model_validator(mode="after")
    def _one_way(self) -> AgeGate:
        if not (self.follow or self.cookies or self.click or self.submit):
            raise ValueError("age_gate needs a way past the gate: follow, submit, cookies or click")
        if self.submit:
            check_selector(self.submit)
        return self


class Politeness(StrictModel):
    download_delay: float = Field(0.5, ge=0, le=120)
    concurrency: int = Field(4, ge=1, le=64)
    autothrottle: bool = True
    obey_robots: bool = True
    legal_basis: str | None = Field(None, description="Required when obey_robots is false.")
    robots_in_browser: bool = Field(False, description=(
        "Also apply robots.txt to the requests a rendered page's own scripts make (e.g. a 'show number' "
        "XHR). Off by default: those are part of viewing a page robots.txt allows, as a visitor's browser "
        "would; other hosts are refused either way."))
    timeout_s: float = Field(30, gt=0, le=300)
    retries: int = Field(4, ge=0, le=20)
    user_agent: str | None = None

    @model_validator(mode="after")
    def _robots(self) -> Politeness:
        if not self.obey_robots and not (self.legal_basis or "").strip():
            raise ValueError("obey_robots: false requires a legal_basis note")
        return self


class Expectations(StrictModel):
    """What a healthy run looks like; monitors compare each run with this and with earlier runs."""

    min_items: int = Field(1, ge=0)
    field_coverage: dict[str, float] = Field(default_factory=dict)
    max_error_ratio: float = Field(0.1, ge=0, le=1)
    max_drop_ratio: float = Field(0.5, ge=0, le=1, description="Allowed fall versus the previous run.")

    @field_validator("field_coverage")
    @classmethod
    def _ratios(cls, value: dict[str, float]) -> dict[str, float]:
        for key, ratio in value.items():
            if not 0 <= ratio <= 1:
                raise ValueError(f"field_coverage.{key} must be between 0 and 1")
        return value


class SiteDefinition(StrictModel):
    """SiteDefinition: everything the generic spider needs to crawl one site."""

    id: str = Field(pattern=SLUG)
    name: str
    enabled: bool = True
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(min_length=1)
    schedule: str = Field("0 2 * * *", description="Cron (UTC), 5 fields.")
    default_region: str | None = Field(None, description="Phone region for this site; default from settings.")
    language: str | None = Field(None, description="Main language hint, e.g. da or en.")
    age_gate: AgeGate | None = None
    listing: ListingSpec
    ad: AdSpec
    removed_statuses: list[int] = Field(default_factory=lambda: [404, 410])
    recheck_unlisted: bool = Field(True, description="Re-fetch known ads missing from listings.")
    politeness: Politeness = Field(default_factory=Politeness)
    expect: Expectations = Field(default_factory=Expectations)
    spider: str | None = Field(None, description="Escape hatch: dotted path of a custom spider class.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"invalid cron {value!r}: {exc}") from exc
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if "/" in domain or ":" in domain:
                raise ValueError(f"{domain!r}: give a bare host name, without scheme, port or path")
        return [d.lower() for d in value]

    @model_validator(mode="after")
    def _start_urls_inside(self) -> SiteDefinition:
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                raise ValueError(f"start URL {url!r} must be http(s)")
            if not host_allowed(parts.hostname or "", self.allowed_domains):
                raise ValueError(f"start URL {url!r} is outside allowed_domains {self.allowed_domains}")
        return self

    def with_start_urls(self, urls: list[str]) -> SiteDefinition:
        """with_start_urls (SiteDefinition): a copy crawling other start URLs (same allowed domains)."""
        data = self.model_dump()
        data["start_urls"] = urls
        return SiteDefinition.model_validate(data)


def host_allowed(host: str, domains: list[str]) -> bool:
    """host_allowed (bool): ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def load_site_file(path: Path) -> SiteDefinition:
    """load_site_file (SiteDefinition): parse and validate one YAML file; ConfigError with coded lines."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([format_problem("C001", path, "", f"cannot read YAML: {exc}")]) from exc
    if not isinstance(data, dict):
        raise ConfigError([format_problem("C002", path, "", "expected a mapping at the top level")])
    try:
        site = SiteDefinition.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(pydantic_problems("C010", path, exc)) from exc
    if site.id != path.stem:
        raise ConfigError([format_problem("C011", path, "id", f"id {site.id!r} must equal the file name")])
    return site


def load_sites(sites_dir: Path) -> dict[str, SiteDefinition]:
    """load_sites (dict): every ``*.yaml`` in ``sites_dir`` by id; all problems reported together."""
    sites: dict[str, SiteDefinition] = {}
    problems: list[str] = []
    for path in sorted(sites_dir.glob("*.yaml")):
        try:
            sites[path.stem] = load_site_file(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return sites


def load_site(sites_dir: Path, site_id: str) -> SiteDefinition:
    """load_site (SiteDefinition): one site by id (file name without .yaml)."""
    path = sites_dir / f"{site_id}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in sites_dir.glob("*.yaml"))) or "none"
        raise ConfigError([format_problem("C003", path, "", f"no such site; known sites: {known}")])
    return load_site_file(path)
