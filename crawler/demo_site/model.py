"""Plain data records shared by the generator, the renderers and the truth writer.

Kept separate so that corpus, nights, layouts and truth can import them
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SITES: tuple[str, ...] = ("rodelygte", "nightlist", "jsads")


@dataclass(frozen=True)
class PhoneMention:
    """One phone number as shown in one ad: where and in which disguise."""

    e164: str
    style: str  # see phones.STYLES
    placement: str  # "body" (inside the ad text) or "contact" (the site's contact field)
    shown: str  # the exact text as written ("" for click-to-reveal)


@dataclass
class Persona:
    """A person as presented in ads (may be invented by a third party)."""

    id: str
    name: str
    age: int  # the age the persona normally states (may be < 18 for UNDERAGE cases)
    nationality: str
    languages: list[str]
    network_id: str | None
    phones: list[str]  # E.164, first is the main one
    photo_sources: list[int]  # source image numbers (images.py)
    email: str | None
    handles: list[dict[str, str]]
    cities: list[str]  # circuit; independents usually have one city
    youth: str | None = None  # None, "youth" (barely 18 wording) or "underage"


@dataclass
class Network:
    """A controlled network: one third party, few phones, many personas."""

    id: str
    phones: list[str]
    template_lang: str
    template_seed: int
    persona_ids: list[str] = field(default_factory=list)


@dataclass
class Photo:
    """One photo shown in an ad; ``group`` names the source picture (duplicate group)."""

    id: str  # opaque id used in URLs: /media/<id>.jpg
    source: int  # source picture number, or -1 for decoys/broken
    variant: str  # orig, resize, q40, crop, mirror, border, wm, crop+wm, ...
    group: str  # duplicate group id
    kind: str = "photo"  # photo | placeholder | broken_truncated | broken_html | broken_svg


@dataclass
class AdContent:
    """What an ad says on one night (ads may be edited between nights)."""

    title: str
    body: str
    language: str
    age: int | None  # stated age (truth)
    age_field: str | None  # display value for the site's age field
    price: float | None  # DKK per hour (truth)
    price_field: str | None  # display value for the site's price field
    phones: list[PhoneMention]
    emails: list[str]  # normalised
    handles: list[dict[str, str]]  # normalised {kind, value}
    indicators: list[str]
    decoys: list[str]
    spoken: list[str]
    nationality: str | None
    hostile: bool = False


@dataclass
class Ad:
    """One advertisement on one site, with its life across nights."""

    site: str
    external_id: int
    persona_id: str
    network_id: str | None
    city: str
    first_night: int
    removed_at_night: int | None  # first night on which the ad is gone (None = never)
    contents: list[tuple[int, AdContent]]  # (from_night, content), ascending
    photos: list[Photo]
    posted: str  # ISO date-time of first posting
    special: str | None = None  # huge | malformed | cp1252 | None

    def present(self, night: int) -> bool:
        """True if the ad is online on ``night``."""
        gone = self.removed_at_night is not None and night >= self.removed_at_night
        return self.first_night <= night and not gone

    def content(self, night: int) -> AdContent:
        """The content shown on ``night`` (the latest edit not after it)."""
        chosen = self.contents[0][1]
        for start, content in self.contents:
            if start <= night:
                chosen = content
        return chosen

    @property
    def path(self) -> str:
        """Site-relative URL of the detail page."""
        from crawler.demo_site.layouts import ad_path

        return ad_path(self)
