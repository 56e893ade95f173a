"""Nights (snapshots) of the same market: who is online when, and in which order.

Why a separate module: the life-cycle rules (removal, edits, new ads, city
rotation) are what the re-crawl and change-detection code is tested against,
so they live in one place with the HTTP status a removed ad answers with.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from crawler.demo_site.model import Ad

if TYPE_CHECKING:
    from crawler.demo_site.corpus import Corpus

REMOVED_STATUS: dict[str, int] = {"rodelygte": 404, "nightlist": 410, "jsads": 404}
DEFAULT_NIGHTS = 3


def independent_life(rng: random.Random, n_nights: int) -> tuple[int, int | None, int | None]:
    """(first_night, removed_at_night, edit_night) for an independent advertiser's ad."""
    first = 1 if n_nights == 1 or rng.random() < 0.75 else rng.randint(2, n_nights)
    removed = None
    if n_nights > first and rng.random() < 0.18:
        removed = rng.randint(first + 1, n_nights)
    edit = None
    last = (removed - 1) if removed else n_nights
    if last > first and rng.random() < 0.15:
        edit = rng.randint(first + 1, last)
    return first, removed, edit


def rotation_life(rng: random.Random, step: int, n_nights: int) -> tuple[int, int | None]:
    """(first_night, removed_at_night) for the ``step``-th city of a rotating network persona.

    Each stop is online for one or two nights and then replaced by an ad in the
    next city of the circuit (CITY_ROTATION).
    """
    first = min(1 + step, n_nights)
    if first >= n_nights:
        return first, None
    removed = first + (1 if rng.random() < 0.7 else 2)
    return first, (removed if removed <= n_nights else None)


def listing(corpus: Corpus, site: str, night: int, city_slug: str | None = None) -> list[Ad]:
    """Ads online on ``night`` for ``site`` (optionally one city), newest first."""
    key = (site, night, city_slug)
    cached = corpus._listing_cache.get(key)
    if cached is not None:
        return cached
    ads = [a for a in corpus.by_site[site] if a.present(night)
           and (city_slug is None or corpus.city_slug(a.city) == city_slug)]
    ads.sort(key=lambda a: (a.posted, a.external_id), reverse=True)
    corpus._listing_cache[key] = ads
    return ads
