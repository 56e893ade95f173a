"""LOW_PRICE: a price far below the median of its market (same site and city) over stored readings.

Why computed after reading and not lexically: "cheap" words are rare; a price is only low relative to
what other ads in the same city on the same site ask. Small markets are not judged.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from config.lexicon_schema import LowPrice
from storage.reading_repo import priced_readings, replace_market_hits

log = logging.getLogger(__name__)
MARKET_VERSION = 1


def low_price_flags(rows: list[tuple[Any, ...]], cfg: LowPrice) -> list[dict[str, Any]]:
    """low_price_flags: one hit dict per reading priced below ``ratio`` x its market median.

    rows: (reading id, ad id, version id, site id, city, price).
    """
    markets: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        markets[(row[3], row[4] or "")].append(row)
    out = []
    for (site, city), members in markets.items():
        if not city or len(members) < cfg.min_market_size:
            continue
        median = statistics.median(r[5] for r in members)
        for rid, ad_id, vid, _s, _c, price in members:
            if price < cfg.ratio * median:
                out.append({"reading_id": rid, "ad_id": ad_id, "ad_version_id": vid, "code": "LOW_PRICE",
                            "indicator_id": "price_below_market", "lexicon_id": "market",
                            "lexicon_version": MARKET_VERSION, "source": "market", "start": 0, "end": 0,
                            "text": f"{price:.0f} DKK/h vs median {median:.0f} in {city} on {site}"})
    return out


def update_low_price(*, session: Session, stamp: str, cfg: LowPrice) -> int:
    """update_low_price (int): recompute LOW_PRICE hits for all current readings; returns how many fire."""
    rows = [tuple(r) for r in priced_readings(session=session, stamp=stamp)]
    n = replace_market_hits(session=session, stamp=stamp, hits=low_price_flags(rows, cfg))
    log.info("LOW_PRICE: %d of %d priced readings", n, len(rows))
    return n
