"""Prices, normalised to DKK per hour so that LOW_PRICE can compare ads within a city and site.

Why per hour: ads quote 30 minutes, an hour, two hours or a night, in DKK, EUR, SEK or NOK; only a
common unit makes "far below the market" meaningful. Amounts are parsed by ``price-parser``; the
duration is the nearest duration phrase around the amount (never across another amount).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from price_parser import Price

from classifiers.normalize import Lowered, finditer_at

_CUR = r"(?:kr\.?|dkk|kroner|kroner\.|,-|€|eur(?:o|os)?|sek|nok|usd|\$|£|gbp)"
_AMT = r"\d{1,3}(?:[.\s']\d{3})+(?:,-)?|\d{2,5}(?:[.,]\d{1,2})?(?:,-)?"
_MONEY = re.compile(
    rf"(?<![\w.,+])(?:(?P<a1>{_AMT})\s*(?P<c1>{_CUR})|(?P<c2>{_CUR})\s*(?P<a2>{_AMT}))(?![\w])", re.I)
# Literal substrings (lower case) one of which every _MONEY match contains (its currency).
_CUR_TRIGGERS = ("kr", "dkk", ",-", "€", "eur", "sek", "nok", "usd", "$", "£", "gbp")
_BARE = re.compile(rf"(?<![\w.,+:])(?P<a1>{_AMT})(?![\w.,])")
_CURRENCY = {"kr": "DKK", "kr.": "DKK", "dkk": "DKK", "kroner": "DKK", "kroner.": "DKK", ",-": "DKK",
             "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "sek": "SEK", "nok": "NOK",
             "usd": "USD", "$": "USD", "£": "GBP", "gbp": "GBP"}
# (pattern, minutes); None minutes = a night. Patterns are lower case and read case-insensitively.
_DURATION_SPECS: tuple[tuple[str, float | None], ...] = (
    (r"(?:\b30|tredive|thirty|halv|half)\s*-?\s*(?:an\s+)?(?:min\w*|m\b|time\b|hour\b|t\b)|½\s*(?:time|t|h|"
     r"hour|std)?|0[.,]5\s*(?:t|h|time|hour)\b", 30.0),
    (r"\b(?:15|20|45)\s*min", -1.0),
    # One ``\b`` before all word alternatives (each opens with a word character, so none but the "/" form can
    # match where "/" stands): the same matches as one ``\b`` per alternative, at a third of the cost.
    (r"\b(?:(?:1|one|en|et)\s*(?:time\b|t\b|h\b|hr\b|hour\b|std\b)|per\s+(?:hour|time)\b|pr\.?\s*(?:time|t|h)\b|"
     r"hour(?:ly)?\b|timen?\b|60\s*min|a\s+hour\b|i\s+timen\b)|/\s*(?:time|t|h|hr|hour|std)\b", 60.0),
    (r"\b(?:2|two|to)\s*(?:timer|hours|t\b|h\b|hrs)", 120.0),
    (r"\b(?:3|three|tre)\s*(?:timer|hours|t\b|h\b|hrs)", 180.0),
    (r"\b(?:nat|natten|night|overnight|all\s+night|hele\s+natten|nattetimer|over\s+night)\b", None),
)
_DURATIONS: tuple[tuple[re.Pattern[str], float | None], ...] = tuple(
    (re.compile(p, re.I), minutes) for p, minutes in _DURATION_SPECS)
# The same patterns without IGNORECASE, for the lower-cased text of a ``Lowered.exact`` ad (where str.lower and
# re.IGNORECASE agree on every character): the same matches, and sre's case-sensitive scan is cheaper.
_DURATIONS_LOW: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p, _ in _DURATION_SPECS)


# Literal substrings (lower case) one of which every match of the _DURATIONS regex at the same index contains;
# None: too common to be worth a check. Gates only: when one is present the regex runs as before.
_DURATION_TRIGGERS: tuple[tuple[str, ...] | None, ...] = (
    ("30", "tredive", "thirty", "halv", "half", "½", "0.5", "0,5"),
    ("min",),
    None,
    ("2", "two", "to"),
    ("3", "three", "tre"),
    ("nat", "night"),
)


@lru_cache(maxsize=4096)
def _amount(raw: str) -> float | None:
    """The amount ``price-parser`` reads from an amount string (cached: ads quote the same few amounts)."""
    parsed = Price.fromstring(raw.replace(",-", ""))
    return None if parsed.amount is None else float(parsed.amount)


_AMOUNT_CHARS = frozenset("0123456789.,'-")


def _money_starts(key: Lowered) -> set[int]:
    """Offsets where a _MONEY match can start (only valid when ``key.exact``).

    Every match holds a currency word: it starts there ("DKK 500"), or its amount ends right before it
    ("500 kr"), and then every character from the amount's start to the currency is a digit, ``.,'-`` or
    whitespace. So the candidates are each currency word and the digits in that stretch before it that the
    pattern's look-behind allows (at the stretch start or after a space, ``'`` or ``-``).
    """
    low = key.low
    starts: set[int] = set()
    for q in key.positions(_CUR_TRIGGERS):
        starts.add(q)
        p = q
        while p > 0 and (low[p - 1] in _AMOUNT_CHARS or low[p - 1].isspace()):
            p -= 1
        for i in range(p, q):
            if low[i].isdigit() and (i == p or low[i - 1] in " '-" or low[i - 1].isspace()):
                starts.add(i)
    return starts


@dataclass(frozen=True)
class PriceHit:
    """PriceHit: one quoted price with its duration and per-hour value in DKK."""

    amount: float
    currency: str
    minutes: float | None  # None = per night
    dkk_per_hour: float
    start: int
    end: int
    text: str


def _duration(text: str, lo: int, hi: int, start: int, end: int, low: str | None = None) -> float | str | None:
    """Minutes of the nearest duration phrase within [lo, hi) around [start, end); "" when none.

    low (str): ``text.lower()`` of a ``Lowered.exact`` text; then duration regexes whose trigger words are
    not in the window are skipped and the others read the lower-cased window.
    """
    best: tuple[int, float | None] | None = None
    window = text[lo:hi] if low is None else low[lo:hi]
    for (rx, minutes), rx_low, triggers in zip(_DURATIONS, _DURATIONS_LOW, _DURATION_TRIGGERS, strict=True):
        if low is not None:
            if triggers is not None and not any(t in window for t in triggers):
                continue
            rx = rx_low
        for m in rx.finditer(window):
            ms, me = m.start() + lo, m.end() + lo
            if ms < end and me > start:
                continue
            dist = start - me if me <= start else ms - end
            value = minutes
            if minutes == -1.0:
                value = float(re.match(r"\d+", m.group()).group())  # type: ignore[union-attr]
            if best is None or dist < best[0]:
                best = (dist, value)
    return "" if best is None else best[1]


def find_prices(text: str, *, rates: dict[str, float], night_hours: float, default_currency: str = "DKK",
                bare_ok: bool = False, key: Lowered | None = None) -> list[PriceHit]:
    """find_prices (list[PriceHit]): priced durations; ``bare_ok`` allows amounts without currency.

    key (Lowered): the text's shared trigger key; without a currency word in it nothing is read.
    """
    if key is not None and not bare_ok and not key.has(_CUR_TRIGGERS):
        return []
    exact = key is not None and key.exact
    matches = finditer_at(_MONEY, text, _money_starts(key)) if exact else list(_MONEY.finditer(text))  # type: ignore[arg-type]
    if bare_ok and not matches:
        matches = [m for m in _BARE.finditer(text) if 50 <= float(re.sub(r"[^\d]", "", m.group())[:6] or 0) <= 50000]
    out: list[PriceHit] = []
    for k, m in enumerate(matches):
        amount_raw = m.group("a1") or m.group("a2")
        cur_raw = (m.groupdict().get("c1") or m.groupdict().get("c2") or "").lower()
        amount = _amount(amount_raw)
        if amount is None:
            continue
        currency = _CURRENCY.get(cur_raw, default_currency)
        lo = matches[k - 1].end() if k else max(0, m.start() - 40)
        lo = max(lo, m.start() - 40)
        hi = matches[k + 1].start() if k + 1 < len(matches) else m.end() + 40
        hi = min(hi, m.end() + 40)
        minutes = _duration(text, lo, hi, m.start(), m.end(), key.low if exact else None)  # type: ignore[union-attr]
        if minutes == "":
            if not bare_ok and len(matches) > 1:
                continue
            minutes = 60.0 if bare_ok or len(matches) == 1 else None
            if minutes is None:
                continue
        dkk = amount * rates.get(currency, 1.0)
        hours = night_hours if minutes is None else float(minutes) / 60.0  # type: ignore[arg-type]
        if hours <= 0:
            continue
        out.append(PriceHit(amount, currency, minutes, round(dkk / hours, 2),  # type: ignore[arg-type]
                            m.start(), m.end(), m.group()))
    return out


def choose_price(hits: list[PriceHit], bounds: tuple[float, float]) -> PriceHit | None:
    """choose_price: an hourly quote if there is one, else 30 minutes, else other durations, else a night."""
    ok = [h for h in hits if bounds[0] <= h.dkk_per_hour <= bounds[1]]
    if not ok:
        return None

    def rank(h: PriceHit) -> int:
        if h.minutes == 60.0:
            return 0
        if h.minutes == 30.0:
            return 1
        return 3 if h.minutes is None else 2

    return sorted(ok, key=lambda h: (rank(h), h.start))[0]
