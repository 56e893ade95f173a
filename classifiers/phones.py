"""Phone numbers in ad text and scraped fields, normalised to E.164 with ``phonenumbers``.

Why our own candidate finder instead of ``PhoneNumberMatcher`` alone: ads break numbers with words,
line breaks, homoglyphs and spelled-out digits, which the matcher never joins. We tokenise, read each
token as digits where it spells digits (normalize.token_digits), join runs of digit tokens across
separators (and at most two short filler words), and let ``phonenumbers`` validate every window.
Prices, dates, times, ages, heights and ad ids are fenced off before joining: a token followed by a
unit ("kr", "cm", "år") or inside a date/time pattern never becomes part of a number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from classifiers.normalize import (
    _DROP,
    _FOLD_SPECIAL,
    AMBIGUOUS_PAIR_WORDS,
    AMBIGUOUS_WORDS,
    EN_BARE_TENS,
    PAIR_WORDS,
    PLUS_ONLY_DIGIT_WORDS,
    CleanText,
    clean,
    finditer_at,
    fold,
    occurrences,
    token_digits,
)

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]++")  # possessive: see indicator_model._TOKEN
# Separators between the groups of one number: spaces, punctuation, and symbols or emoji ("5 3 ❤️ 9 9", "71 ✨ 09"),
# but not "%" (a list of percentages) nor a phone or mail symbol (📞 ☎ 📱 ✉), which opens the next contact.
_SEP_OK = re.compile(r"^(?:[^\w%\U0001F4DE\u260E\u260F\U0001F4F1\U0001F4F2\u2706\u2709\U0001F4E7]|_){0,6}$")
_UNITS = frozenset([
    "kr", "kr.", "dkk", "kroner", "kroner,", "eur", "euro", "euros", "€", "sek", "nok", "usd", "cm",
    "kg", "kilo", "lbs", "m", "m2", "år", "aar", "ar", "years", "year", "yrs", "yr", "yo", "y", "jahre",
    "ans", "ani", "lat", "min", "mins", "minutter", "minutes", "minute", "timer", "time", "hour",
    "hours", "h", "t", "std", "stk", "procent", "percent", "pct", "sec", "sek.", "x", "gange", "times",
    "nat", "nights", "night", "nætter", "px", "mb", "gb", "ft",
])
_ID_WORDS = frozenset({"id", "ref", "annonce", "annoncenr", "annonceid", "adid", "ad", "nr.", "cvr",
                       "order", "ordre", "postnr", "postnummer", "post", "zip", "kode", "code", "pin",
                       "listing", "profile", "profil", "sag", "case", "gavekort", "voucher", "bestillingsnr",
                       "bestillingsnummer", "ordrenr", "ordrenummer", "fakturanr", "invoice", "faktura", "iban",
                       "kontonr", "regnr", "anunț", "anunt", "referencenr", "booking-id", "cvr-nr"})
# Words that name an id only with "nr"/"no" after them ("SE-nr. 36 92 14 58", "Gift card no. 4481 2297").
_ID_BEFORE_NUMBER_WORD = _ID_WORDS | {"se", "reg", "konto", "card", "kort", "account", "room",
                                      "værelse"}
# A clothing, shoe or bra size label: the plain numbers right after it ("Str 38 40 42 44") are sizes.
_SIZE_WORDS = frozenset({"str", "strl", "størrelse", "størrelser", "stoerrelse", "size", "sizes", "skostørrelse",
                         "bh", "taljemål", "konfektion", "konfektionsstørrelse", "measurements", "mål", "maal",
                         "stats"})
# "Age 29", "Alder: 24": an age after its label is no group of a number.
_AGE_LABELS = frozenset({"age", "aged", "alder"})
# Letters of Danish postal districts written after a post code ("2100 Ø", "8000 C", "2400 NV").
# A lone letter written for a digit between digits ("5 l 7 7 O 4 9 2", "4 I 8 S 6 O 2 Z"): read only right after a
# digit group, and (but for O) only when another digit group or the end of the line follows.
_LONE_GLYPHS = {"O": "0", "o": "0", "l": "1", "I": "1", "S": "5", "B": "8", "Z": "2"}
_POSTAL_LETTERS = frozenset({"c", "k", "v", "ø", "n", "s", "nv", "sv", "oe"})
_NUMBER_WORDS = frozenset({"nr", "no", "num", "number", "nummer", "#"})
_CURRENCY_GAP = re.compile(r"[€$£]|,-")
_COMMA_SPACE = re.compile(r",\s")
_DATE = re.compile(
    r"(?<![\d.\-/])(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2})(?![\d.\-/]?\d)"
)
# After "kl. ", and after a colon when it has minutes ("Tid: 22:00-02:00"; "Sms: 5 — 5 — 1 …" is a number). Not
# "08 – 1 time 1800 kr": a single digit before a duration word counts hours, it ends no range.
_TIME_RANGE = re.compile(r"(?<![-–—./:\d])(?:(?<=kl\. )|(?<![-–—./:]\s)|(?<=:\s)(?=\d{1,2}[.:]\d{2}\s*[-–—]))"
                         r"\b\d{1,2}(?:[.:]\d{2})?\s*[-–—]\s*"
                         r"(?!\d\s*(?:timer?|hours?|h|t|std|min\w*)\b)"
                         r"\d{1,2}(?:[.:]\d{2})?\b(?=\s*(?:$|[^\d\s\-]))", re.I)
# "12/1", "13/1 - 15/1", "31.12:": a day and month alone, not inside a longer run of digit groups ("28/12/34/56",
# "22 28/12") and not followed by another group ("28/12 34 56" is a number).
_DAY_MONTH = r"(?:3[01]|[12]\d|0?[1-9])[./](?:1[0-2]|0?[1-9])"
_SHORT_DATE = re.compile(rf"(?<![\d.\-/])(?<!\d\s){_DAY_MONTH}(?:\s*[-–—]\s*{_DAY_MONTH})?(?!\d|[./\-]\s?\d|\s+\d)")
# "20.-22. november", "3 maj", "14th of May": days before a month name.
_MONTH_DATE = re.compile(r"(?<![\d.\-/])\d{1,2}\.?(?:\s*[-–—]\s*\d{1,2}\.?)?(?:st|nd|rd|th)?(?=\s*(?:of\s+)?"
                         r"(?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec)[a-zæøå]*\b)", re.I)
MONTH_LOOKAHEAD = 14  # characters past a digit run that _MONTH_DATE's look-ahead may read ("  of september")
# Not "93.7O.l5.28": a clock does not follow a letter-digit ("l5") joined by a separator.
_CLOCK = re.compile(r"(?<!\d[.:\-/ ])(?<!\w[.:\-/])(?<!\w)\d{1,2}[:.]\d{2}\b(?!\s?[-./:]?\s?\d)")
_URL_NUM = re.compile(
    r"(?:wa\.me/|whatsapp\.com/send\?phone=|tel:|sms:|callto:|viber://chat\?number=|signal\.me/#p/)"
    r"\s*((?:\+|%2[bB])?[\d\-\s().]{6,20}\d)",
    re.I,
)
_LINK_FIELD = re.compile(r"(?:tel:|sms:|callto:|(?:https?://)?(?:www\.)?wa\.me/)\+?[0-9]{6,20}", re.I)
_URL_TRIGGERS = ("wa.me/", "phone=", "tel:", "sms:", "callto:", "number=", "signal.me/")
MAX_GROUPS = 18
# Tried only for 10-digit disguised or 3-3-4 numbers (North American ads written by others).
FALLBACK_REGIONS = ("US",)
MAX_FILLER_CHARS = 14


@dataclass(frozen=True)
class PhoneHit:
    """PhoneHit: one number found. start/end are offsets in the original string of ``source``."""

    e164: str
    raw: str
    start: int
    end: int
    obfuscated: bool
    source: str

    def as_dict(self) -> dict[str, object]:
        return {"e164": self.e164, "raw": self.raw, "start": self.start, "end": self.end,
                "obfuscated": self.obfuscated, "source": self.source}


@dataclass(slots=True)
class _Group:
    digits: str
    start: int
    end: int
    disguised: bool
    plus: bool
    bridged: bool  # joined to the previous group across filler words
    word_only: bool  # the token is a bare digit word such as "to" or "en"
    soft: bool  # a comma or filler words stand between this group and the previous one
    tens: bool = False  # a bare English tens word ("sixty"): read only among other spelled groups
    plus_only: bool = False  # holds a German or Spanish digit word: read only with a country code


_TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
               "fixed_line", "mobile")


_PlainRule = tuple[str, frozenset[int], re.Pattern[str], tuple[tuple[frozenset[int], re.Pattern[str]], ...]]


@lru_cache(maxsize=64)
def _plain_rule(region: str) -> _PlainRule | None:
    """(country code, lengths, general pattern, type descs) for regions whose numbers parse trivially.

    Why: ``phonenumbers.parse`` + ``is_valid_number`` cost ~40 µs per new number. For a region with its own
    country code and no national prefix (Denmark: 8 digits, no trunk 0), a national number without a leading
    0 parses to exactly (country code, digits), and validity is the library's own check: the general pattern
    and length, then any number type's pattern and length. Built from the library's metadata, so it follows
    its updates; other regions (None) always take the library path.
    """
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if md is None or md.national_prefix or md.national_prefix_for_parsing or md.same_mobile_and_fixed_line_pattern:
        return None
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(md.country_code, ())) != 1:
        return None
    general = md.general_desc
    if general is None or not general.national_number_pattern or not general.possible_length:
        return None
    types = tuple((frozenset(d.possible_length), re.compile(d.national_number_pattern))
                  for d in (getattr(md, t) for t in _TYPE_DESCS) if d is not None and d.national_number_pattern)
    return (str(md.country_code), frozenset(general.possible_length), re.compile(general.national_number_pattern),
            types)


def _plain_e164(candidate: str, region: str) -> str | None:
    """E.164 by the region's plain rule; "" when the rule says invalid; None when the library must decide."""
    rule = _plain_rule(region)
    if rule is None:
        return None
    cc, lengths, general, types = rule
    if candidate.startswith("+"):
        if not candidate.startswith(cc, 1):
            return None
        nsn = candidate[1 + len(cc):]
    else:
        nsn = candidate
        # a number that starts with the country code may have it stripped by the parser: leave it to the library
        if nsn.startswith(cc) and len(nsn) - len(cc) in lengths:
            return None
    if not nsn.isdigit() or not nsn.isascii() or nsn.startswith("0") or len(nsn) not in lengths:
        return None
    if not general.fullmatch(nsn):
        return ""
    for type_lengths, pattern in types:
        if (not type_lengths or len(nsn) in type_lengths) and pattern.fullmatch(nsn):
            return f"+{cc}{nsn}"
    return ""


@lru_cache(maxsize=8192)
def _parse(candidate: str, region: str) -> str | None:
    plain = _plain_e164(candidate, region)
    if plain is not None:
        return plain or None
    return _library_parse(candidate, region)


def _library_parse(candidate: str, region: str) -> str | None:
    try:
        num = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def _possible_e164(candidate: str, region: str) -> str | None:
    """E.164 of a number of the default region that has the plan's shape (general pattern, a possible length)
    though no allocated range in the library's metadata lists it (Danish "42 07 88 51": the third digit 0).

    Why: ads are read for outreach, and a number a writer (or a site) presents as a phone is worth keeping even
    when the library has not seen its range in use; only phone-shaped windows are asked (``_phone_shaped``).
    """
    try:
        num = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_country_code(num.country_code) != region:
        return None
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = md.general_desc.national_number_pattern if md is not None and md.general_desc else None
    if not general or not re.fullmatch(general, phonenumbers.national_significant_number(num)):
        return None
    if phonenumbers.is_possible_number_with_reason(num) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _phone_shaped(window: list[_Group]) -> bool:
    """The window is written as a phone, after an optional country code and with no filler words inside: digit
    groups of 2-4 (or one group) without a bare ambiguous digit word ("to", "en"), digits one by one, or every
    group spelled in words."""
    if all(g.disguised for g in window):  # spoken in words ("twenty-five, zero-four, then ..."): any grouping
        return True
    if any(g.bridged for g in window[1:]):
        return False
    if any(g.soft for g in window[1:]):
        return False
    groups = window[1:] if len(window) > 1 and (window[0].plus or window[0].digits.startswith("00")
                                                 or window[0].digits in _country_codes()) else window
    if len(groups) >= 7 and all(len(g.digits) == 1 for g in groups):  # spelled digit by digit: "tre et nul otte..."
        return True
    return not any(g.word_only for g in window) and (len(groups) == 1 or all(2 <= len(g.digits) <= 4 for g in groups))


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    return frozenset(str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def parse_number(digits: str, *, plus: bool, region: str, implied_plus: bool = False,
                 fallback_regions: tuple[str, ...] = ()) -> str | None:
    """parse_number (str | None): E.164 of a digit string, trying the default region then ``+``."""
    if len(digits) < 7 or len(digits) > 16:
        return None
    if plus:
        return _parse("+" + digits, region)
    if digits.startswith("00"):
        return _parse("+" + digits[2:], region)
    found = _parse(digits, region)
    if found:
        return found
    if implied_plus and len(digits) >= 10:
        found = _parse("+" + digits, region)
        if found:
            return found
    for other in fallback_regions:
        found = _parse(digits, other)
        if found:
            return found
    return None


# Substrings every match of _DATE / _TIME_RANGE / _CLOCK contains: a cheap search first, the regex only then.
_DATE_HINT = re.compile(r"\d[./-]\d")
_RANGE_HINT = re.compile(r"\d\s*[-–—]\s*\d")
_CLOCK_HINT = re.compile(r"\d[:.]\d")


def _blocked_spans(text: str, pos: int = 0,
                   endpos: int | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(date and clock spans, time-range spans) of ``text`` that lie in [pos, endpos) (see ``_fence_area``)."""
    end = len(text) if endpos is None else endpos
    spans = ([m.span() for m in _DATE.finditer(text, pos, end) if _plausible_date(m.group())]
             + [m.span() for m in _SHORT_DATE.finditer(text, pos, end)]
             if _DATE_HINT.search(text, pos, end) else [])
    spans += [m.span() for m in _MONTH_DATE.finditer(text, pos, end)]
    ranges = [m.span() for m in _TIME_RANGE.finditer(text, pos, end)
              if all(int(x) <= 24 for x in re.findall(r"\d{1,2}(?=\D|$)", m.group())[:1] + re.findall(
                  r"[-–—]\s*(\d{1,2})", m.group()))] if _RANGE_HINT.search(text, pos, end) else []
    if _CLOCK_HINT.search(text, pos, end):
        spans += [m.span() for m in _CLOCK.finditer(text, pos, end)]
    return spans, ranges


# Every character of a _DATE, _TIME_RANGE or _CLOCK match (digits are checked with str.isdecimal, as ``\d``).
_FENCE_CHARS = frozenset("./-:–—")


def _in_fence_run(c: str) -> bool:
    return c in _FENCE_CHARS or c.isdecimal() or c.isspace()


def _fence_area(text: str, start: int, end: int) -> tuple[int, int]:
    """(pos, endpos) over which ``_blocked_spans`` finds every span that overlaps [start, end), as on all ``text``.

    Why: scanning the whole ad for dates and times cost more than reading the few digit clusters. A span is
    made of digits, ``./-:–—`` and whitespace only, so it lies inside the run of such characters around it;
    widening [start, end) to whole runs leaves no span crossing pos or the run's end, and no match is cut.
    The characters past the end keep the patterns' look-aheads (which stop at the first other character)
    and ``\\b`` as on the whole text (and _MONTH_DATE's month name a few characters on); look-behinds see before
    ``pos`` anyway.
    """
    while start > 0 and _in_fence_run(text[start - 1]):
        start -= 1
    n = len(text)
    while end < n and _in_fence_run(text[end]):
        end += 1
    return start, min(n, end + MONTH_LOOKAHEAD)


def _plausible_date(value: str) -> bool:
    parts = [int(p) for p in re.split(r"[./-]", value)]
    if parts[0] > 31:  # year first
        parts = [parts[2], parts[1], parts[0]]
    return 1 <= parts[0] <= 31 and 1 <= parts[1] <= 12


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _clusters(words: list[str]) -> list[tuple[int, int]]:
    """Token index ranges [first, last] that may hold a run of >= 7 digits.

    A run never survives four non-digit tokens in a row, and only tokens that read as digits add digits, so
    runs lie inside clusters of digit tokens at most three tokens apart; clusters with fewer than seven
    digits in all cannot give a number and are not read.
    """
    reads = list(map(token_digits, words))  # cached per word: no Python frame per token
    for k in range(1, len(words)):
        if reads[k] is None and words[k] in _LONE_GLYPHS and reads[k - 1] is not None:
            reads[k] = (_LONE_GLYPHS[words[k]], True)  # "2O 8 5 7 4 1 O": a lone O right after digits is a zero
    out: list[tuple[int, int]] = []
    first = last = -1
    total = 0
    for k in [k for k, r in enumerate(reads) if r is not None]:
        n_digits = len(reads[k][0])  # type: ignore[index]
        if first >= 0 and k - last <= 4:
            last = k
            total += n_digits
            continue
        if first >= 0 and total >= 7:
            out.append((first, last))
        first = last = k
        total = n_digits
    if first >= 0 and total >= 7:
        out.append((first, last))
    return out


# "twenty-eight", "thirty four": an English tens word and a unit word, read as one two-digit token.
_EN_TENS_PAIR = re.compile(r"\b(?:twenty|thirty|fou?rty|fifty|sixty|seventy|eighty|ninety)[-‐ ]"
                           r"(?:one|two|three|four|five|six|seven|eight|nine|[1-9](?!\d))\b", re.I)


_TENS_WORDS = ("twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _tens_pairs(text: str) -> list[re.Match[str]]:
    """``list(_EN_TENS_PAIR.finditer(text))``, tried only where a tens word starts.

    Why: the pattern is case-insensitive and opens with ``\\b``, so sre tried it at every character (~40 µs on an
    ad with "ty" in it). In the lower-cased text every match starts with one of the tens words, unless the text
    holds a character whose case-insensitive match differs from ``str.lower`` (``_FOLD_SPECIAL``, or a length
    change): then the plain scan runs.
    """
    low = text.lower()
    if len(low) != len(text) or _FOLD_SPECIAL.search(text):
        return list(_EN_TENS_PAIR.finditer(text))
    return finditer_at(_EN_TENS_PAIR, text, occurrences(low, _TENS_WORDS))


class _Joined:
    """A token made of several words (a tens word and a unit word, ...), with the Match methods ``_groups`` reads."""

    __slots__ = ("_end", "_start", "_word")

    def __init__(self, start: int, end: int, word: str) -> None:
        self._start, self._end, self._word = start, end, word

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self) -> str:
        return self._word


# "double five", "triple 7", "dobbelt nul": a digit said two or three times, read as that many digits.
_MULTIPLIED = re.compile(r"\b(double|dobbelt|dobbel|dubbel|triple|tripple|tredobbelt|trippel)[-‐ ]"
                         r"([0-9](?![0-9])|[a-zæøå]{2,6})\b", re.I)
_TIMES = {"double": 2, "dobbelt": 2, "dobbel": 2, "dubbel": 2, "triple": 3, "tripple": 3, "tredobbelt": 3,
          "trippel": 3}
# "fem og halvtreds": a Danish two-digit number written in three words, read as "femoghalvtreds".
_DA_TENS_WORDS = ("tyve", "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems")
_DA_SPACED_PAIR = re.compile(r"\b(en|to|tre|fire|fem|seks|syv|otte|ni) og "
                             r"(tyve|tredive|fyrre|halvtreds|tres|halvfjerds|firs|halvfems)\b", re.I)


def _joins(text: str) -> dict[int, tuple[int, str]]:
    """start -> (end, word) of each spoken form that is one digit token when its words are joined."""
    joins: dict[int, tuple[int, str]] = {}
    if "ty" in text or "TY" in text or "Ty" in text:  # every English tens word holds "ty"
        for m in _tens_pairs(text):
            joins[m.start()] = (m.end(), re.sub(r"[-‐ ]", "", m.group()))
    low = text.lower()
    if "doub" in low or "dobb" in low or "dubb" in low or "trip" in low:
        for m in _MULTIPLIED.finditer(text):
            unit, read = m.group(2), token_digits(m.group(2))
            if read is not None and len(read[0]) == 1:  # "double 5", "double oh"; not "double penetration"
                joins[m.start()] = (m.end(), unit * _TIMES[m.group(1).lower()])
    i = low.find(" og ")
    while i >= 0:  # " og " is in most Danish ads: the pattern is tried only where a tens word follows it
        if low.startswith(_DA_TENS_WORDS, i + 4):
            m = _DA_SPACED_PAIR.search(text, max(0, i - 6), i + 16)
            if m is not None and m.start() < i < m.end():
                joins[m.start()] = (m.end(), m.group(1) + "og" + m.group(2))
        i = low.find(" og ", i + 1)
    return joins


@lru_cache(maxsize=4096)
def _plus_only(tok_low: str) -> bool:
    """True for a token holding a digit word read only after a country code ("sieben", "åtte"), not a Danish pair
    word that merely contains one ("nioghalvfems" is no Swedish "nio")."""
    if tok_low in PAIR_WORDS:
        return False
    folded = fold(tok_low)
    return any(w in folded for w in PLUS_ONLY_DIGIT_WORDS)


def _join_tens(text: str, found: list[Any]) -> list[Any] | None:
    """``found`` with each spoken form of ``_joins`` ("twenty-eight", "double five", "fem og halvtreds") made one
    token ("twentyeight", "fivefive", "femoghalvtreds"), or None when there is none."""
    joins = _joins(text)
    if not joins:
        return None
    out: list[Any] = []
    k = 0
    while k < len(found):
        m = found[k]
        join = joins.get(m.start())
        if join is not None:
            end, word = join
            j = k + 1
            while j < len(found) and found[j].end() <= end:
                j += 1
            if found[j - 1].end() == end and j > k + 1:
                out.append(_Joined(m.start(), end, word))
                k = j
                continue
        out.append(m)
        k += 1
    return out


def _groups(text: str, places: Container[str] | None = None) -> list[list[_Group]]:
    """Runs of digit groups, each run a candidate area for one or more numbers."""
    found: list[Any] = list(_TOKEN.finditer(text))
    joined = _join_tens(text, found)
    if joined is not None:
        found = joined
    clusters = _clusters([m.group() for m in found] if joined is not None else list(map(re.Match.group, found)))
    if not clusters:
        return []
    # (start, end, word) only of the tokens the run builder and the fences read: a cluster, two before, three after
    tokens: list[tuple[int, int, str]] = [None] * len(found)  # type: ignore[list-item]
    for first, last in clusters:
        for k in range(max(0, first - 2), min(len(found), last + 3)):
            if tokens[k] is None:
                m = found[k]
                tokens[k] = (m.start(), m.end(), m.group())
    fences = any(c in text for c in ".:/-")
    runs: list[list[_Group]] = []
    for first, last in clusters:
        # dates and times only where they could fence this cluster's tokens: the same spans as a whole-text scan
        dates, ranges = _blocked_spans(text, *_fence_area(text, tokens[first][0], tokens[last][1])) if fences \
            else ([], [])
        runs += _cluster_runs(text, tokens, first, last, dates, ranges, places)
    return [r for r in runs if sum(len(g.digits) for g in r) >= 7]


def _cluster_runs(text: str, tokens: list[tuple[int, int, str]], first: int, last: int, dates: list[tuple[int, int]],
                  ranges: list[tuple[int, int]], places: Container[str] | None = None) -> list[list[_Group]]:
    """Runs of digit groups in one cluster. ``dates`` (dates, clocks) and ``ranges`` (time ranges) fence digits,
    but a range only where no number is under way: "+40 7 six 3 - 2 nine 1 - 5 0 8" holds no hours."""
    blocked = dates + ranges
    runs: list[list[_Group]] = []
    run: list[_Group] = []
    filler: list[str] = []
    prev_end = tokens[first - 1][1] if first else 0
    prev_word = tokens[first - 1][2].lower() if first else ""
    sizes = False  # inside a list of sizes after a size label
    last_size = 0
    for k in range(first, last + 1):
        s, e, tok = tokens[k]
        gap = text[prev_end:s]
        read = token_digits(tok)
        if read is None and tok in _LONE_GLYPHS and run and not filler and _SEP_OK.match(gap) and \
                token_digits(tokens[k - 1][2]) is not None and _glyph_ends_or_joins(text, tokens, k):
            read = (_LONE_GLYPHS[tok], True)
        if tok == "0" and len(run) == 1 and run[0].plus and gap.endswith("(") and text[e:e + 1] == ")":
            prev_end = e  # "+44 (0)7700 …": the trunk zero dialled at home only, not part of the number
            continue
        if read is not None:
            sizes = _size_after(tok, gap, prev_word, last_size if sizes else None)
            last_size = int(tok) if sizes else 0
            fences = dates if ranges and run and not filler and _SEP_OK.match(gap) and \
                sum(len(g.digits) for g in run) - (len(run[0].digits) if run[0].plus else 0) < 7 else blocked
            if sizes or _fenced(text, tokens, k, gap, prev_word, fences) or _year_run(text, tokens, k) or (
                    places is not None and _postcode(text, tokens, k, gap, run, places)):
                read = None
        else:
            sizes = False
        tok_low = tok.lower()
        if read is None:
            if run:
                unit = tok_low in _UNITS and not (tok_low == "x" and _x_separates(tokens, k + 1))
                if unit or len(filler) >= 3 or "\n\n" in gap:
                    runs.append(run)
                    run, filler = [], []
                else:
                    filler.append(tok)
            prev_end, prev_word = e, tok_low
            continue
        digits, disguised = read
        word_only = (tok_low in AMBIGUOUS_WORDS or tok_low in AMBIGUOUS_PAIR_WORDS
                     or (len(digits) == 1 and tok not in _LONE_GLYPHS and not any(c.isdigit() for c in tok)))
        sep_ok = bool(_SEP_OK.match(gap)) and gap.count("\n") <= 2 and not filler
        soft = False
        if run and not sep_ok:
            if filler and sum(map(len, filler)) <= MAX_FILLER_CHARS:
                soft = True
            else:
                runs.append(run)
                run = []
        elif run and "," in gap and _COMMA_SPACE.search(gap):
            soft = True
        # "+45 ..." opens a number; "8 1 + 2 4 + 7 0" uses "+" between groups (a space after it)
        plus = ("+" in gap[-2:] and (not run or gap[-1] == "+")) or (
            not run and prev_word in ("plus", "pluss") and gap.isspace())
        if plus and run:
            runs.append(run)
            run = []
        if len(run) >= 3 * MAX_GROUPS:
            runs.append(run)
            run = []
        run.append(_Group(digits, s, e, disguised, plus, bool(run) and soft and bool(filler), word_only,
                          soft and bool(run), tok_low in EN_BARE_TENS,
                          disguised and _plus_only(tok_low)))
        filler = []
        prev_end, prev_word = e, tok_low
    if run:
        runs.append(run)
    return runs


def _fenced(text: str, tokens: list[tuple[int, int, str]], k: int, gap: str, prev_word: str,
            blocked: list[tuple[int, int]]) -> bool:
    """True when a digit token is a price, age, size, date, time or id rather than part of a phone."""
    s, e, _tok = tokens[k]
    if k + 1 < len(tokens):
        n_start, n_end, nxt = tokens[k + 1]
        nxt_gap = text[e:n_start]
        if len(nxt_gap) <= 2 and "\n" not in nxt_gap and nxt.lower() in _UNITS and not _possessive(text, tokens, k + 1):
            after = text[n_end:n_end + 2]
            # "9 t.me/x" or "5 m/" is a link, not a unit; "2 9 x 6 1 x 4 0" uses x as a separator, not "times"
            if not (len(after) == 2 and after[0] in "./" and after[1].isalnum()) and not (
                    nxt in "xX" and _x_separates(tokens, k + 2)):
                return True
        # "165/182 cm", "58-60 kg": the first of two measures that share the unit after the second
        if nxt_gap in ("/", "-", "–") and nxt.isdigit() and k + 2 < len(tokens) and tokens[k + 2] is not None:
            u_start, _u_end, unit = tokens[k + 2]
            if unit.lower() in _UNITS and unit.lower() not in ("x", "t", "h") and len(text[n_end:u_start]) <= 2:
                return True
    else:
        nxt_gap = text[e:e + 3]
    if _currency_sign(nxt_gap[:3]) or _currency_sign(gap[-2:]) or "#" in gap[-2:]:
        return True
    if prev_word in _ID_WORDS and len(gap) <= 3:
        return True
    if prev_word in _AGE_LABELS and len(gap) <= 3 and len(_tok) == 2 and _tok.isdigit():
        return True
    # "ring efter kl 14", "fra klokken 9": an hour
    if prev_word in ("kl", "klokken") and len(gap) <= 2 and len(_tok) <= 2 and _tok.isdigit() and int(_tok) <= 24:
        return True
    # "first 4: 9187 / last 4: 2254", "sidste fire cifre": a count of digits, not one of them
    if prev_word in _COUNT_BEFORE and gap.isspace() and _count_of_digits(text, tokens, k):
        return True
    # "siden 2019", "since 2015", "i 2023": a year after a word of time, not the first half of a number
    if prev_word in _YEAR_BEFORE and gap.isspace() and _year(_tok) is not None:
        return True
    # "Annonce nr. 478580", "ad no 1234567", "ID-nr: 12345678": an ad number, not a phone
    if prev_word in _NUMBER_WORDS and k >= 2 and tokens[k - 2] is not None and \
            tokens[k - 2][2].lower() in _ID_BEFORE_NUMBER_WORD and len(gap) <= 4:
        return True
    # "CVR 38 49 21 07", "Gavekort nr. 55 81 20 46": every group of an id on its line, not only the first
    if gap in (" ", ".", "-", ". ", "/") and _id_chain(text, tokens, k):
        return True
    # "anna_66", "mia.92" right after a name: a handle suffix, not the start of a number
    if gap in ("_", ".") and k >= 1 and tokens[k - 1][2].isalpha() and len(tokens[k - 1][2]) > 2 and (
            gap == "_" or text[max(0, tokens[k - 1][0] - 1):tokens[k - 1][0]] in ("@", "_", "/")):
        return True
    if gap in (" ", ", ") and len(_tok) == 2 and _roster_age(text, tokens, k):
        return True
    return bool(blocked) and _in_spans(s, blocked)


# Words that label a number as a phone: "Ring 22, 45, 87, 13" is no roster of ages.
_PHONE_LABELS = frozenset({"ring", "call", "tlf", "tel", "telefon", "phone", "mobil", "mobile", "mob", "sms", "text",
                           "txt", "whatsapp", "wa", "nummer", "number", "nr", "no", "kontakt", "contact", "viber",
                           "telegram", "signal"})


def _id_chain(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True when the digit groups before token ``k`` on its line follow an id label ("CVR 38 49 21 07")."""
    j = k
    while j >= 1 and tokens[j - 1] is not None and tokens[j - 1][2].isdigit() and tokens[j - 1][2].isascii() and \
            text[tokens[j - 1][1]:tokens[j][0]] in (" ", ".", "-", ". ", "/"):
        j -= 1
    if j == k or j < 1 or tokens[j - 1] is None:
        return False
    label, gap = tokens[j - 1][2].lower(), text[tokens[j - 1][1]:tokens[j][0]]
    if len(gap) > 4 or "\n" in gap:
        return False
    return label in _ID_WORDS or (label in _NUMBER_WORDS and j >= 2 and tokens[j - 2] is not None
                                  and tokens[j - 2][2].lower() in _ID_BEFORE_NUMBER_WORD)


def _possessive(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True for Danish "min" before a contact word ("… 27 55 min telefon også whatsapp"): "my", not minutes."""
    if tokens[k][2].lower() != "min" or k + 1 >= len(tokens) or tokens[k + 1] is None:
        return False
    return tokens[k + 1][2].lower() in _PHONE_LABELS and text[tokens[k][1]:tokens[k + 1][0]].isspace()


def _count_of_digits(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True for "4" in "first 4: 9187" or "sidste fire cifre": a one-digit count with a colon or "digits" after."""
    _s, e, tok = tokens[k]
    read = token_digits(tok)
    if read is None or len(read[0]) != 1:
        return False
    if text[e:e + 2].lstrip(" ")[:1] == ":":
        return True
    if k + 1 < len(tokens) and tokens[k + 1] is not None and tokens[k + 1][2].lower() in _DIGITS_NOUNS:
        return True
    # "first four 2 8 7 3, last four 1 6 0 9": exactly that many digits follow, up to a comma or the line's end
    n, got, j = int(read[0]), 0, k + 1
    while 0 < n <= 6 and got < n and j < len(tokens) and tokens[j] is not None:
        digits = tokens[j][2]
        if not (digits.isascii() and digits.isdigit()) or not text[tokens[j - 1][1]:tokens[j][0]].isspace():
            return False
        got, j = got + len(digits), j + 1
    return 0 < n <= 6 and got == n and (j >= len(tokens) or tokens[j] is None
                                        or not text[tokens[j - 1][1]:tokens[j][0]].isspace())


def _glyph_ends_or_joins(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """A lone letter after digits reads as a digit when it is O, or when digits or the end of its line follow."""
    if tokens[k][2] in ("O", "o"):
        return True
    if k + 1 < len(tokens) and tokens[k + 1] is not None:
        nxt_start, _e, nxt = tokens[k + 1]
        if token_digits(nxt) is not None and _SEP_OK.match(text[tokens[k][1]:nxt_start]):
            return True
    rest = text[tokens[k][1]:tokens[k][1] + 80]
    line = rest.split("\n", 1)[0]
    return not any(c.isalnum() for c in line)


# "(hun 29, han 34)", "she 24 / he 31": a person word before an age, as a name is.
_PERSON_WORDS = frozenset({"hun", "han", "she", "he", "pige", "girl", "dreng", "boy", "mand", "kvinde", "man",
                           "woman", "lady", "dame"})


def _roster_age(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True for an age in a roster of names ("Alexa 22, Daria 24, Mona 29", "hun 29, han 34"), not a piece of a
    number.

    The age follows a capitalised name that opens a list item (after a comma, colon, line break or bracket, or
    at the start) and ends its item (a comma, line break, bracket or full stop follows).
    """
    _s, e, tok = tokens[k]
    if not tok.isascii() or not tok.isdigit() or not 18 <= int(tok) <= 69 or k == 0 or tokens[k - 1] is None:
        return False
    ps, _pe, name = tokens[k - 1]
    if not ((len(name) >= 2 and name.isalpha() and name[0].isupper() and name[1:].islower())
            or name.lower() in _PERSON_WORDS) or name.lower() in _PHONE_LABELS:
        return False
    before = text[max(0, ps - 12):ps].rstrip(" ")
    if (before or ps > 12) and before[-1:] not in (",", ":", ";", "\n", "(", "•", "·", "-", "–", "|", "/"):
        return False
    after = text[e:e + 2]
    return after[:1] in ("", ",", "\n", ")", ";", "|") or after == ". " or after.startswith((" (", ".\n"))


def _size_after(tok: str, gap: str, prev_word: str, last_size: int | None) -> bool:
    """True for a size right after a size label, or next in a rising list of sizes ("str 38 40 42", "BH 75 80")."""
    if not (tok.isascii() and tok.isdigit()) or len(tok) > 3 or len(gap) > 3 or "\n" in gap:
        return False
    if last_size is None:
        return prev_word in _SIZE_WORDS
    return 0 < int(tok) - last_size <= 6 or gap in ("-", "/")  # or measures: "Sizes: 90-60-90"


_DIGITS_NOUNS = frozenset({"cifre", "ciffer", "digits", "digit", "numbers", "tal", "numre"})
_COUNT_BEFORE = frozenset({"first", "last", "middle", "første", "sidste", "midterste", "next", "næste", "foerste"})
_YEAR_BEFORE = frozenset({"siden", "since", "i", "in", "anno", "fra", "from", "til", "until", "indtil", "før",
                          "before", "efter", "after", "inden", "by", "år", "year", "sommer", "summer", "vinter",
                          "winter", "foråret", "efteråret", "jul", "christmas", "ultimo", "primo", "medio"})
_YEAR_JOINS = frozenset({"til", "to", "and", "og", "or", "eller", "until", "indtil"})
_YEAR_GAP = re.compile(r"\s*[,\-–—/&]?\s*(?:(?:til|to|and|og|or|eller|until|indtil)\s+)?", re.I)


def _year(tok: str) -> int | None:
    return int(tok) if len(tok) == 4 and tok.isascii() and tok.isdigit() and 1950 <= int(tok) <= 2039 else None


def _year_run(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True for a year in a list or range of consecutive years ("2023 2024 2025", "fra 2024 til 2025")."""
    year = _year(tokens[k][2])
    if year is None:
        return False
    n = len(tokens)
    for step in (-1, 1):
        j = k + step
        if 0 <= j < n and tokens[j] is not None and tokens[j][2].lower() in _YEAR_JOINS:
            j += step  # "til", "and": the year is one word further
        if not (0 <= j < n and tokens[j] is not None and _year(tokens[j][2]) == year + step):
            continue
        a, b = (tokens[j][1], tokens[k][0]) if j < k else (tokens[k][1], tokens[j][0])
        gap = text[a:b]
        if "\n" not in gap and _YEAR_GAP.fullmatch(gap):
            return True
    return False


def _postcode(text: str, tokens: list[tuple[int, int, str]], k: int, gap: str, run: list[_Group],
              places: Container[str]) -> bool:
    """True for a post code before a place name ("8000 Aarhus C", "2100 Ø") that starts a new number run.

    A four-digit group that continues a number ("ring 2245 8713 Aarhus") is not one: only a group that starts
    a run, or follows the run across a comma, slash or line break, or after a whole number, is read as a post code.
    """
    _s, e, tok = tokens[k]
    if len(tok) != 4 or not tok.isdigit() or tok[0] == "0" or k + 1 >= len(tokens) or tokens[k + 1] is None:
        return False
    n_start, _n_end, nxt = tokens[k + 1]
    nxt_gap = text[e:n_start]
    if not (0 < len(nxt_gap) <= 2 and nxt_gap.isspace() and "\n" not in nxt_gap):
        return False
    word = nxt.lower()
    if word not in places and word not in _POSTAL_LETTERS:
        return False
    return not run or not gap.isspace() or "\n" in gap or sum(len(g.digits) for g in run) >= 8


def _x_separates(tokens: list[tuple[int, int, str]], k: int) -> bool:
    """True when the tokens from ``k`` (right after an "x") continue a number: two digit groups, or one and
    another "x" ("2 9 x 6 1 x 4 0", "x 6 x 1 x 9"), not "2 x 30 min"."""
    if _digits_follow(tokens, k, 2):
        return True
    return _digits_follow(tokens, k, 1) and k + 1 < len(tokens) and tokens[k + 1] is not None and \
        tokens[k + 1][2] in ("x", "X")


def _digits_follow(tokens: list[tuple[int, int, str]], k: int, n: int) -> bool:
    """True when the ``n`` tokens from ``k`` on all read as digits."""
    return k + n <= len(tokens) and all(tokens[j] is not None and token_digits(tokens[j][2]) is not None
                                        for j in range(k, k + n))


def _currency_sign(s: str) -> bool:
    """What ``_CURRENCY_GAP.search(s)`` says, without a regex call (s is at most three characters)."""
    return "€" in s or "$" in s or "£" in s or ",-" in s


def _obfuscated(groups: list[_Group], raw: str) -> bool:
    if any(g.disguised for g in groups) or any(g.bridged for g in groups[1:]):
        return True
    if not raw.isascii():
        return True
    return sum(1 for g in groups if len(g.digits) == 1) >= 5


def _window_ok(window: list[_Group], digits: str) -> bool:
    if len(digits) < 7 or len(digits) > 16:
        return False
    # "sixty, then ninety-one, then twenty": a bare tens word joins only a number spoken in words
    if any(g.tens for g in window) and not all(g.disguised for g in window):
        return False
    if any(g.plus_only for g in window) and not (window[0].plus or digits.startswith("00")):
        return False
    # A bare ambiguous word ("to", "en", "for") may sit at an edge only among other disguised groups.
    if window[0].word_only and not any(g.disguised for g in window[1:]):
        return False
    return not (window[-1].word_only and not any(g.disguised for g in window[:-1]))


def _best_windows(run: list[_Group], region: str, used: set[int], allow_soft: bool) -> list[tuple[int, int, str]]:
    """Right-to-left, longest valid windows: numbers usually end a run ("age 25, ring 20 12 34 56")."""
    found: list[tuple[int, int, str]] = []
    # ends[k]: digits in run[:k]. Windows ending at j shrink as i grows, so lengths outside 7..16 are skipped
    # (too long) or end the search (too short) before any digits are joined.
    ends = [0]
    for g in run:
        ends.append(ends[-1] + len(g.digits))
    j = len(run) - 1
    while j >= 0:
        hit = None
        if j not in used:
            lo = j
            while lo - 1 >= 0 and lo - 1 not in used and j - (lo - 1) < MAX_GROUPS and (
                    allow_soft or not run[lo].soft):
                lo -= 1
            for i in range(lo, j + 1):
                n_digits = ends[j + 1] - ends[i]
                if n_digits > 16:
                    continue
                if n_digits < 7:
                    break
                window = run[i:j + 1]
                digits = "".join(g.digits for g in window)
                if not _window_ok(window, digits):
                    continue
                implied = len(window) > 1 and window[0].digits in _country_codes() and not window[1].soft
                # North American shape: 3-3-4 groups, disguised digits, or digits spaced one by one
                # ("4 8 0 - 2 6 7 - 1 9 0 4"), whose real grouping the spacing hides.
                nanp = ([len(g.digits) for g in window] == [3, 3, 4] or any(g.disguised for g in window)
                        or all(len(g.digits) == 1 for g in window))
                e164 = parse_number(digits, plus=window[0].plus, region=region, implied_plus=implied,
                                    fallback_regions=FALLBACK_REGIONS if nanp and len(digits) == 10 else ())
                if not e164 and _phone_shaped(window):
                    if window[0].plus or digits.startswith("00"):
                        e164 = _possible_e164("+" + digits[2 if digits.startswith("00") else 0:], region)
                    else:
                        e164 = _possible_e164(digits, region) or (_possible_e164("+" + digits, region)
                                                                  if implied else None)
                if e164:
                    hit = (i, j, e164)
                    break
        if hit:
            found.append(hit)
            used.update(range(hit[0], hit[1] + 1))
            j = hit[0] - 1
        else:
            j -= 1
    return found


def _from_run(run: list[_Group], ct: CleanText, original: str, region: str, source: str) -> list[PhoneHit]:
    used: set[int] = set()
    windows = _best_windows(run, region, used, allow_soft=False)
    windows += _best_windows(run, region, used, allow_soft=True)
    hits: list[PhoneHit] = []
    for i, j, e164 in windows:
        window = run[i:j + 1]
        cs, ce = window[0].start, window[-1].end
        if window[0].plus:
            plus_at = ct.text.rfind("+", max(0, cs - 2), cs)
            cs = plus_at if plus_at >= 0 else cs
        os_, oe = ct.orig_span(cs, ce)
        while oe < len(original) and original[oe] in _DROP:
            oe += 1
        raw = original[os_:oe]
        hits.append(PhoneHit(e164, raw, os_, oe, _obfuscated(window, raw), source))
    return hits


def _url_numbers(ct: CleanText, original: str, region: str, source: str) -> list[PhoneHit]:
    hits = []
    for m in _URL_NUM.finditer(ct.text):
        number = m.group(1)
        encoded = number[:3] in ("%2B", "%2b")  # "number=%2B359...": a "+" written URL-encoded
        digits = re.sub(r"\D", "", number[3:] if encoded else number)
        plus = encoded or number.lstrip().startswith("+") or "wa.me" in m.group(0).lower() or "phone=" in m.group(0)
        e164 = parse_number(digits, plus=plus and len(digits) > 8, region=region, implied_plus=True)
        if e164:
            os_, oe = ct.orig_span(m.start(1), m.end(1))
            hits.append(PhoneHit(e164, original[os_:oe], os_, oe, False, source))
    return hits


# A number told in steps: "Mit nr starter med 61, så kommer 27, derefter 90, og det slutter med 48", "my number
# starts with 22, then 45, then 87 and ends with 13", "starts with 31, ends with 2290, and the middle is 45",
# "Slutter på 77 31. Starter med 48 06.", "First half: 39 50 … second half: 84 16". The filler words between the
# groups are too many for a run; the words name each part's place in the number, whatever order they come in.
_NARRATED = re.compile(
    r"\b(?:(?P<start>start(?:s|er)?\s+(?:with|med|på)|begins?\s+with|begynder\s+med"
    r"|first\s+(?:digits?\s+(?:is|are)|part\s+(?:is|:)|half)|første\s+(?:cifre\s+(?:er|:)|del\s+(?:er|:)|halvdel))"
    r"|(?P<middle>(?:the\s+)?middle\s+(?:is|part\s+is|digits\s+are)|midten\s+er|i\s+midten"
    r"|midterste\s+(?:cifre|del)\s+er)"
    r"|(?P<end>ends?\s+(?:with|in|on)|(?:slutter|ender)\s+(?:med|på)|last\s+(?:digits?\s+(?:is|are)|part\s+(?:is|:)|half)"
    r"|second\s+half|sidste\s+(?:cifre\s+(?:er|:)|del\s+(?:er|:)|halvdel)|anden\s+halvdel))", re.I)
# Every _NARRATED match starts at one of these (lower case): the pattern is tried only there (_narrated_marks).
_NARRATED_HINTS = ("start", "begin", "begynd", "first", "første", "the middle", "middle", "midten", "i midten",
                   "midterste", "end", "slutter", "ender", "last", "second", "sidste", "anden")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")
_PART_GAP = 160  # the most characters between two named parts of one number


def _narrated_marks(text: str, low: str) -> list[re.Match[str]]:
    """``list(_NARRATED.finditer(text))``, tried only where a hint word stands (``low`` is ``text.lower()``).

    Why: the hint words ("end", "last", "anden") are in most ads, and the case-insensitive alternation tried at
    every character cost ~15 µs per ad; as in ``_tens_pairs``, the plain scan runs when lower-casing moved offsets.
    """
    if len(low) != len(text) or _FOLD_SPECIAL.search(text):
        return list(_NARRATED.finditer(text))
    return finditer_at(_NARRATED, text, occurrences(low, _NARRATED_HINTS))


def _narrated_parts(marks: list[re.Match[str]], text: str) -> list[list[re.Match[str]]]:
    """Runs of _NARRATED cues (``marks``) close to each other, each run one number told in parts."""
    chains: list[list[re.Match[str]]] = []
    for m in marks:
        if chains and m.start() - chains[-1][-1].end() <= _PART_GAP and \
                "\n\n" not in text[chains[-1][-1].end():m.start()]:
            chains[-1].append(m)
        else:
            chains.append([m])
    return [c for c in chains if c[0].lastgroup == "start" or len(c) > 1]


def _part_groups(text: str, begin: int, stop: int) -> list[tuple[int, int, str]]:
    """(start, end, digits) of the digit tokens in [begin, stop): no unit counts ("30 min"), no bare "to"/"en";
    a part ends at the line break after its digits ("first half: 30 92\n(no calls after 22)")."""
    found: list[Any] = list(_TOKEN.finditer(text, begin, stop))
    found = _join_tens(text, found) or found
    groups: list[tuple[int, int, str]] = []
    for k, t in enumerate(found):
        if groups and "\n" in text[groups[-1][1]:t.start()]:
            break
        read = token_digits(t.group())
        unit = k + 1 < len(found) and found[k + 1].group().lower() in _UNITS
        if read is not None and not unit and t.group().lower() not in AMBIGUOUS_WORDS:
            groups.append((t.start(), t.end(), read[0]))
    return groups


def _narrated_numbers(ct: CleanText, original: str, region: str, source: str,
                      marks: list[re.Match[str]]) -> list[PhoneHit]:
    """Numbers told in named parts (start, middle, end), each part's digits up to the next cue or sentence end."""
    hits: list[PhoneHit] = []
    text = ct.text
    for chain in _narrated_parts(marks, text):
        parts: dict[str, list[tuple[int, int, str]]] = {"start": [], "middle": [], "end": []}
        for i, m in enumerate(chain):
            end = _SENTENCE_END.search(text, m.end())
            stop = min(end.start() if end else len(text), m.end() + 200)
            if i + 1 < len(chain):
                stop = min(stop, chain[i + 1].start())
            parts[m.lastgroup or "middle"].extend(_part_groups(text, m.end(), stop))
        groups = parts["start"] + parts["middle"] + parts["end"]
        if len(groups) < 2:
            continue
        digits = "".join(g[2] for g in groups)
        if not 7 <= len(digits) <= 16:
            continue
        e164 = parse_number(digits, plus=False, region=region) or _possible_e164(digits, region)
        if e164:
            os_, oe = ct.orig_span(min(g[0] for g in groups), max(g[1] for g in groups))
            hits.append(PhoneHit(e164, original[os_:oe], os_, oe, True, source))
    return hits


def find_phones(text: str, *, region: str, source: str = "text", ct: CleanText | None = None,
                places: Container[str] | None = None) -> list[PhoneHit]:
    """find_phones (list[PhoneHit]): every valid number in ``text``, de-obfuscated, in order, deduplicated.

    places: lower-case first words of place names (the gazetteer's), so that a post code written before a
    town ("8000 Aarhus") is not read as half a number; without it only postal district letters are known.
    """
    if not text:
        return []
    ct = ct or clean(text)
    # Links are read from the raw text: HTML cleaning blanks tags, and tel:/wa.me often live in an href.
    low = text.lower()
    linked = _FOLD_SPECIAL.search(text) or any(t in low for t in _URL_TRIGGERS)
    hits = _url_numbers(CleanText(text, None, len(text)), text, region, source) if linked else []
    covered = [(h.start, h.end) for h in hits]
    for run in _groups(ct.text, places if places is not None else _POSTAL_LETTERS):
        for hit in _from_run(run, ct, text, region, source):
            if not covered or not any(a <= hit.start < b or hit.start <= a < hit.end for a, b in covered):
                hits.append(hit)
    low_ct = ct.text.lower()  # the cleaned text: NFKC may have made "start" of full-width letters
    marks = _narrated_marks(ct.text, low_ct)
    if marks:
        for hit in _narrated_numbers(ct, text, region, source, marks):
            # the parts' names outrank their order in the text: a run read across them is replaced
            hits = [h for h in hits if not (h.start < hit.end and hit.start < h.end)]
            if all(h.e164 != hit.e164 for h in hits):
                hits.append(hit)
    if ("bag" in low_ct or "back" in low_ct or "revers" in low_ct or "omvendt" in low_ct) and hits:
        hits = _reversed_where_told(ct.text, text, hits, region)
    hits.sort(key=lambda h: h.start)
    return hits


# "læs bagfra: 86412052", "read backwards: 2 9 1 0 5 3 6 2", "my number is the reverse": the digits that follow
# are the number reversed.
_REVERSED = re.compile(r"\b(?:bagfra|baglæns|backwards?|reversed?|in\s+reverse|omvendt(?:\s+rækkefølge)?)\b", re.I)


def _reversed_where_told(cleaned: str, original: str, hits: list[PhoneHit], region: str) -> list[PhoneHit]:
    """Hits right after a "read it backwards" cue, replaced by the reversed number when that one is valid."""
    out = list(hits)
    for m in _REVERSED.finditer(cleaned):
        for n, h in enumerate(out):
            if not 0 <= h.start - m.end() <= 60 or "\n\n" in original[m.end():h.start]:
                continue
            reads = [token_digits(t) for t in _TOKEN.findall(clean(h.raw).text)]
            digits = "".join(r[0] for r in reads if r is not None)[::-1]
            e164 = parse_number(digits, plus=False, region=region) or _possible_e164(digits, region)
            if e164:
                out[n] = PhoneHit(e164, h.raw, h.start, h.end, True, h.source)
            break
    return out


def parse_field(value: str, *, region: str, source: str = "field") -> list[PhoneHit]:
    """parse_field (list[PhoneHit]): numbers in one scraped phone field (tel: link, revealed number...)."""
    value = (value or "").strip()
    if not value:
        return []
    if _LINK_FIELD.fullmatch(value):
        # The most common field, a bare tel:/wa.me link: its one digit run lies inside the link's number, so the
        # run reader could only add hits overlapping the link's hit, which find_phones drops.
        hits = _url_numbers(CleanText(value, None, len(value)), value, region, source)
        if hits:
            return hits
    hits = find_phones(value, region=region, source=source)
    if hits:
        return hits
    digits = re.sub(r"\D", "", clean(value).text)
    e164 = parse_number(digits, plus="+" in value, region=region, implied_plus=True)
    return [PhoneHit(e164, value, 0, len(value), False, source)] if e164 else []
