"""Text cleaning and digit de-obfuscation shared by every extractor.

Why: ads hide contact details in full-width digits, emoji keycaps, homoglyphs (O for 0, l for 1) and
spelled-out digits ("for80 2sixseven one9zerofor", "2O one2 34 fem6"). Cleaning keeps a map back to
the original offsets so every piece of evidence can be shown exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Characters that only decorate: variation selectors, keycap combiner, zero-width marks, soft hyphen.
_DROP = frozenset("\ufe0f\ufe0e\u20e3\u200b\u200c\u200d\u2060\ufeff\u00ad")
_SPECIAL = re.compile(r"[^\x20-\x7e\n\t]")
_TAG = re.compile(r"<[^<>]{0,300}>")


@dataclass(frozen=True)
class CleanText:
    """CleanText: ``text`` (NFKC, no control/zero-width chars, HTML tags blanked) and ``omap``.

    omap (list[int] | None): original offset of each cleaned char (None = identity).
    """

    text: str
    omap: list[int] | None
    original_len: int

    def orig(self, pos: int) -> int:
        """orig (int): original offset of cleaned offset ``pos`` (end offsets allowed)."""
        if self.omap is None:
            return pos
        if pos >= len(self.omap):
            return self.original_len
        return self.omap[pos]

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """orig_span (tuple): original (start, end) of a cleaned span."""
        if self.omap is None:
            return start, end
        if end <= start:
            return self.orig(start), self.orig(start)
        return self.orig(start), self.orig(end - 1) + 1


def _char_map(ch: str) -> str:
    if ch in _DROP:
        return ""
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs", "Co", "Cn", "Cf"):
        return " " if ch in "\r\x0b\x0c\x85\u2028\u2029" else ("" if cat == "Cf" else " ")
    if cat in ("Zs", "Zl", "Zp"):
        return " "
    dec = unicodedata.decimal(ch, None)
    if dec is not None:
        return str(dec)
    if cat == "No":  # circled and dingbat digits ("➋", "⓵") that NFKC leaves as they are
        dig = unicodedata.digit(ch, None)
        if dig is not None:
            return str(dig)
    out = unicodedata.normalize("NFKC", ch)
    return out


@lru_cache(maxsize=4096)
def _cached_char_map(ch: str) -> str:
    return _char_map(ch)


def clean(text: str) -> CleanText:
    """clean (CleanText): NFKC per char with an offset map; HTML tags become spaces (same length)."""
    text_t = _TAG.sub(lambda m: " " * len(m.group()), text) if "<" in text else text
    # Danish letters, emoji and most other non-ASCII characters map to themselves: then the offset map is the
    # identity (None), and the per-character loop below is not needed.
    if all(_cached_char_map(c) == c for c in set(_SPECIAL.findall(text_t))):
        return CleanText(text_t, None, len(text))
    parts: list[str] = []
    omap: list[int] = []
    last = 0
    for m in _SPECIAL.finditer(text_t):
        i = m.start()
        if i > last:
            parts.append(text_t[last:i])
            omap.extend(range(last, i))
        rep = _cached_char_map(text_t[i])
        if rep:
            parts.append(rep)
            omap.extend([i] * len(rep))
        last = i + 1
    if last < len(text_t):
        parts.append(text_t[last:])
        omap.extend(range(last, len(text_t)))
    return CleanText("".join(parts), omap, len(text))


# ---------------------------------------------------------------- digits written as words
EN_DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "for": "4",
             "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
DA_DIGITS = {"nul": "0", "en": "1", "et": "1", "een": "1", "to": "2", "tre": "3", "fire": "4", "fem": "5",
             "seks": "6", "syv": "7", "otte": "8", "ni": "9"}
# German, Spanish and Romanian digit words (ASCII spellings): foreign women's ads give numbers in their language.
OTHER_DIGITS = {"null": "0", "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "sechs": "6", "sieben": "7",
                "acht": "8", "neun": "9", "cero": "0", "uno": "1", "dos": "2", "cuatro": "4", "cinco": "5",
                "seis": "6", "siete": "7", "ocho": "8", "nueve": "9", "unu": "1", "doi": "2", "trei": "3",
                "patru": "4", "cinci": "5", "sase": "6", "sapte": "7", "opt": "8", "noua": "9",
                # Norwegian and Swedish words Danish lacks ("åtte", "två" as folded)
                "sju": "7", "atte": "8", "atta": "8", "noll": "0", "ett": "1", "tva": "2", "fyra": "4", "nio": "9"}
DIGIT_WORDS = {**OTHER_DIGITS, **DA_DIGITS, **EN_DIGITS}
# German, Spanish, Norwegian and Swedish digit words: read only in a number written with its country code
# ("+49 1 sieben 6 ..."), since such a number spelled without one would be misread as one of the default region.
PLUS_ONLY_DIGIT_WORDS = frozenset({"null", "eins", "zwei", "drei", "vier", "sechs", "sieben", "acht", "neun", "cero",
                                   "uno", "dos", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
                                   "sju", "atte", "atta", "noll", "ett", "tva", "fyra", "nio"})
HOMOGLYPHS = {"o": "0", "l": "1", "i": "1"}
# Capital letters written for digits ("2S", "4B", "9Z"); only capitals: "20s" is a decade, not "205".
UPPER_HOMOGLYPHS = {"S": "5", "B": "8", "Z": "2"}
# Words that are digits but also very common: never read alone as a digit unless in a long digit run.
AMBIGUOUS_WORDS = frozenset({"for", "to", "en", "et", "oh", "one", "ni", "fire", "tre", "null", "uno", "dos", "opt",
                             "doi", "unu"})
_MAX_WORD = max(map(len, DIGIT_WORDS))

# Number words for ages ("twenty-two", "toogtyve").
EN_SMALL = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60}
EN_UNITS = {w: int(d) for w, d in EN_DIGITS.items() if w not in ("oh", "zero", "for")}
DA_SMALL = {"ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16,
            "sytten": 17, "atten": 18, "nitten": 19}
DA_TENS = {"tyve": 20, "tredive": 30, "fyrre": 40, "halvtreds": 50, "tres": 60}
DA_UNITS = {"en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8, "ni": 9}


# Two-digit number words, as Danish and English ads spell a number in pairs ("otteogtyve tolv fireogtredive
# seksoghalvtreds" = 28 12 34 56, "twelve", "twentyeight"). Whole tokens only; the phone reader joins
# "twenty-eight" (and "thirty 4") into one such token first, so a bare tens word ("sixty, then ninety-one") is
# left only where no unit follows it.
_DA_TENS_ALL = {**DA_TENS, "halvfjerds": 70, "firs": 80, "halvfems": 90}
_EN_TENS_ALL = {**EN_TENS, "seventy": 70, "eighty": 80, "ninety": 90}
PAIR_WORDS: dict[str, str] = {
    **{w: str(n) for w, n in {**EN_SMALL, **DA_SMALL, **_DA_TENS_ALL}.items()},
    **{f"{u}og{t}": str(n + DA_UNITS[u]) for t, n in _DA_TENS_ALL.items() for u in DA_UNITS if u != "et"},
    **{f"{t}{u}": str(n + EN_UNITS[u]) for t, n in _EN_TENS_ALL.items() for u in EN_UNITS
       if u not in ("oh", "zero", "for")},
    **{w: str(n) for w, n in _EN_TENS_ALL.items()},
    **{f"{t}{d}": str(n + d) for t, n in _EN_TENS_ALL.items() for d in range(1, 10)},  # "thirty 4", joined
}
# Pair words that are also everyday words ("ten minutes", "ti", Spanish "tres"): read only beside other digits.
AMBIGUOUS_PAIR_WORDS = frozenset({"ten", "ti", "tres", *_EN_TENS_ALL})
EN_BARE_TENS = frozenset(_EN_TENS_ALL)


_LOOKALIKE_O = str.maketrans({"\u043e": "o", "\u03bf": "o"})  # Cyrillic о, Greek ο (lower-cased already)
_X_SPACED = re.compile(r"\d(?:x\d){6,}")


@lru_cache(maxsize=65536)
def token_digits(token: str) -> tuple[str, bool] | None:
    """token_digits: ``(digits, disguised)`` if the whole token spells digits, else None.

    A token may mix digits, digit words (en/da) and homoglyphs ("2O", "one2", "for80",
    "2sixseven"); homoglyphs count only when the token also holds a real digit or digit word, so
    "lo" or "I" stay words. ``disguised`` is True when anything but ASCII digits was needed.
    """
    if token.isdigit():
        return (token, False) if token.isascii() else None
    low = token.lower()
    pair = PAIR_WORDS.get(low)
    if pair is not None:
        return pair, True
    if not low.isascii():
        # "én", "șapte", "åtte": digit words with accents or Nordic letters; "5О3": a Cyrillic or Greek O for 0
        low = token = fold(low.translate(_LOOKALIKE_O))
    if not low.isalnum() or not low.isascii() or len(low) > 40:
        return None
    if "x" in low and _X_SPACED.fullmatch(low):  # "4x0x9x1x7x7x3x5": a separator between digits
        return low.replace("x", ""), True
    n = len(low)
    # best[i] = (digits, has_anchor) for low[:i]; prefer fewest pieces (word over homoglyph+rest).
    best: list[tuple[str, bool, int] | None] = [None] * (n + 1)
    best[0] = ("", False, 0)
    for i in range(n):
        cur = best[i]
        if cur is None:
            continue
        digits, anchor, pieces = cur
        ch = low[i]
        cands: list[tuple[int, str, bool]] = []
        if ch.isdigit():
            cands.append((i + 1, ch, True))
        elif ch in HOMOGLYPHS:
            cands.append((i + 1, HOMOGLYPHS[ch], False))
        elif token[i] in UPPER_HOMOGLYPHS:
            cands.append((i + 1, UPPER_HOMOGLYPHS[token[i]], False))
        for ln in range(2, min(_MAX_WORD, n - i) + 1):
            word = low[i:i + ln]
            if word in DIGIT_WORDS:
                cands.append((i + ln, DIGIT_WORDS[word], True))
        for j, d, anc in cands:
            new = (digits + d, anchor or anc, pieces + 1)
            old = best[j]
            if old is None or new[2] < old[2]:
                best[j] = new
    final = best[n]
    if final is None or not final[1]:
        return None
    return final[0], True


def words_to_int(words: list[str]) -> int | None:
    """words_to_int (int | None): "twenty two" / "twenty-two" / "toogtyve" / "atten" -> number, 1..99."""
    ws = [w.lower() for w in words if w]
    if not ws:
        return None
    if len(ws) == 1:
        w = ws[0]
        for table in (EN_SMALL, DA_SMALL, EN_TENS, DA_TENS):
            if w in table:
                return table[w]
        if w in EN_UNITS:
            return EN_UNITS[w]
        m = re.fullmatch(r"(en|et|to|tre|fire|fem|seks|syv|otte|ni)og(tyve|tredive|fyrre|halvtreds|tres)", w)
        if m:
            return DA_TENS[m.group(2)] + DA_UNITS[m.group(1)]
        m = re.fullmatch(r"(twenty|thirty|forty|fourty|fifty|sixty)(one|two|three|four|five|six|seven|eight|nine)", w)
        if m:
            return EN_TENS[m.group(1)] + EN_UNITS[m.group(2)]
        return None
    if len(ws) == 2 and ws[0] in EN_TENS and ws[1] in EN_UNITS:
        return EN_TENS[ws[0]] + EN_UNITS[ws[1]]
    if len(ws) == 3 and ws[1] == "og" and ws[0] in DA_UNITS and ws[2] in DA_TENS:
        return DA_TENS[ws[2]] + DA_UNITS[ws[0]]
    return None


_EN_NUM_ALT = "|".join(sorted(list(EN_SMALL) + list(EN_TENS), key=len, reverse=True))
_DA_NUM_ALT = "|".join(sorted(list(DA_SMALL) + list(DA_TENS), key=len, reverse=True))
# A regex fragment matching an age written in words, in English or Danish.
NUMBER_WORDS_RE = (
    rf"(?:(?:{'|'.join(EN_TENS)})(?:[\s-]?(?:one|two|three|four|five|six|seven|eight|nine))?"
    rf"|(?:en|et|to|tre|fire|fem|seks|syv|otte|ni)\s?og\s?(?:tyve|tredive|fyrre|halvtreds|tres)"
    rf"|{_EN_NUM_ALT}|{_DA_NUM_ALT})"
)


def fold(word: str) -> str:
    """fold (str): lower case, Danish/other diacritics to ASCII, ``aa``/``oe`` folded: spelling-tolerant."""
    w = word.lower()
    if not w.isascii():
        w = w.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("ß", "ss")
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w.replace("aa", "a").replace("oe", "o").replace("ae", "e")


# ---------------------------------------------------------------- cheap trigger checks shared by extractors
# Characters whose case-insensitive regex match differs from ``str.lower``: with any of them in a text, the
# trigger checks below say "maybe" and the extractor's regexes run as before.
_FOLD_SPECIAL = re.compile("[\u0130\u0131\u017f\u0307]")
_WORD_RE = re.compile(r"\w++")  # possessive: see indicator_model._TOKEN


@dataclass(frozen=True)
class Lowered:
    """Lowered: one ad's lower-case text and word set, computed once and shared by every extractor.

    Why: each extractor's regexes cost tens of µs per ad even when the ad holds none of their trigger
    words. ``has``/``has_word`` are necessary conditions only (a literal substring or whole word every
    match must contain): when they fail the regexes cannot match and are skipped; when they pass, the
    regexes run unchanged, so results are exactly those of the regexes alone.
    """

    low: str
    words: frozenset[str]
    exact: bool  # False: the text has a character lower() and re.IGNORECASE disagree on; never skip

    def has(self, subs: tuple[str, ...]) -> bool:
        """has (bool): some of ``subs`` (lower case) occurs in the text, or the check cannot be trusted."""
        if not self.exact:
            return True
        low = self.low
        return any(s in low for s in subs)

    def has_word(self, words: frozenset[str]) -> bool:
        """has_word (bool): some of ``words`` (lower case, \\w only) is a whole word of the text, or unsure."""
        return not self.exact or not words.isdisjoint(self.words)

    def positions(self, subs: Iterable[str]) -> list[int]:
        """positions (list[int]): start offset of every occurrence of each of ``subs`` (lower case), sorted.

        Offsets are those of the original text only when ``exact`` (callers check it first).
        """
        out = occurrences(self.low, subs)
        out.sort()
        return out

    def word_positions(self, word: str) -> list[int]:
        """word_positions (list[int]): start offsets of ``word`` (lower case, \\w only) as a whole word."""
        low = self.low
        out: list[int] = []
        n = len(word)
        i = low.find(word)
        while i >= 0:
            if (i == 0 or not _is_word_char(low[i - 1])) and (i + n == len(low) or not _is_word_char(low[i + n])):
                out.append(i)
            i = low.find(word, i + 1)
        return out


def occurrences(text: str, subs: Iterable[str]) -> list[int]:
    """occurrences (list[int]): start offset of every (overlapping) occurrence of each of ``subs`` in ``text``."""
    out: list[int] = []
    for sub in subs:
        i = text.find(sub)
        while i >= 0:
            out.append(i)
            i = text.find(sub, i + 1)
    return out


def _is_word_char(c: str) -> bool:
    """What ``\\w`` matches in a str pattern: letters, digits (any script) and the underscore."""
    return c.isalnum() or c == "_"


def finditer_at(rx: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """finditer_at: ``list(rx.finditer(text))`` when every offset a match of ``rx`` can start at is in ``starts``.

    Why: a pattern that opens with a look-behind is tried at every character (~50 ns each, tens of µs per
    ad); trying it only where its first word can stand costs a few ``match`` calls. Matches are taken left
    to right without overlap, as ``finditer`` does (``rx`` must not match the empty string).
    """
    out: list[re.Match[str]] = []
    end = 0
    for p in sorted(set(starts)):
        if p < end:
            continue
        m = rx.match(text, p)
        if m is not None:
            out.append(m)
            end = m.end()
    return out


def lowered(text: str) -> Lowered:
    """lowered (Lowered): the shared trigger key of ``text``."""
    low = text.lower()
    return Lowered(low, frozenset(_WORD_RE.findall(low)), len(low) == len(text) and not _FOLD_SPECIAL.search(text))
