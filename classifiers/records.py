"""Plain ad records: what linking and scoring need from an ad, independent of the database tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class AdRecord:
    """AdRecord: one ad as read. phones are normalised (E.164), emails/handles lower-cased.

    photos (tuple of int): photo ids; their duplicate groups come from the photo index.
    indicators (tuple of str): text indicator codes found on the ad (MOVEMENT, THIRD_PARTY, ...).
    languages (tuple of str): the ad's text language and languages it says the person speaks (outreach
    context, never a score factor); nationality is deliberately absent.
    """

    ad_id: int
    site: str
    seen_at: datetime
    text: str = ""
    city: str | None = None
    name: str | None = None
    age: int | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    photos: tuple[int, ...] = ()
    indicators: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    url: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def contacts(self) -> list[tuple[str, str]]:
        """contacts (list of (kind, value)): phone, email and handle values of this ad."""
        return ([("phone", p) for p in self.phones] + [("email", e) for e in self.emails]
                + [("handle", h) for h in self.handles])
