"""Items the spider yields: raw ads as found on the page, before photos and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(repr=False)
class AdItem:
    """AdItem: one fetched ad page; ``photos``/``photo_failures`` are filled by the photo pipeline."""

    site_id: str
    external_id: str
    url: str
    title: str | None
    text: str
    raw_fields: dict[str, Any]
    content_sha256: str
    photo_urls: list[str]
    html: bytes | None
    encoding: str | None
    rendered: bool = False
    photos: list[Any] = field(default_factory=list)
    photo_requests: list[str] = field(default_factory=list)  # URLs fetched this run, in order
    photos_reused: dict[str, Any] = field(default_factory=dict)  # URL -> photo stored earlier for another ad
    photo_failures: list[tuple[str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        # Never the HTML: items end up in logs and tracebacks.
        return (f"AdItem(site_id={self.site_id!r}, external_id={self.external_id!r}, url={self.url!r}, "
                f"photos={len(self.photos)}, html_bytes={len(self.html or b'')})")
