"""Stated facts: age, city/area (gazetteer), languages spoken and stated nationality.

Why rules and not a model: no labelled Danish escort-ad corpus exists and no pretrained pipeline can
be downloaded; explicit patterns are auditable, and every value keeps the span it was read from.
Nationality is context for outreach (which language, which partner NGO), never a risk factor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from classifiers.normalize import NUMBER_WORDS_RE, Lowered, finditer_at, lowered, words_to_int
from config.lexicon_schema import PeopleConfig, load_people_config

DEFAULT_PEOPLE = Path(__file__).resolve().parents[1] / "config" / "people.yaml"

_N = rf"(?P<n>\d{{1,2}}|{NUMBER_WORDS_RE})"
# A number followed by one of these is a distance, duration, size, price or count, never an age: "kun 17 km
# fra Aarhus", "only 17 minutes from the station", "I'm 17 cm" (an UNDERAGE flag is the costliest mistake).
_NOT_AGE_UNITS = (r"(?:cm|mm|km|m\b|meter|metres?|meters?|mil\b|miles?|mi\b|kg|kilo|lbs?|pounds?|kr|dkk|eur|euro|€|"
                  r"\$|usd|nok|sek\b|min|minutter|minutes?|sek|sec|seconds?|timers?|døgn|hours?|hrs?\b|h\b|t\b|dage|days?|"
                  r"uger|weeks?|måneder|months?|%|procent|percent|stk|pcs|gange|times|tommer|inch(?:es)?)")
_YEARS = (r"(?:år(?:ig|s)?|aar|års|yo|y\.o\.?|y/o|yrs?\.?|years?|jahre|ani|lat|anos|años|ans|éves|let|"
          r"godina|jaar|vuotta|åringen|årig|岁|歳|tuổi|лет|года|років|роки|y(?=[\s,.)!]|$))")
_AGE_STRONG = (
    re.compile(rf"(?<![\w])(?:age|alder|ålder|âge|edad|alter|vârsta|varsta|wiek|leeftijd|ikä)\s*[:=\-–]?\s*"
               rf"(?:is\s+|er\s+)?{_N}(?![\w+])", re.I),
    re.compile(rf"(?<![\w.,])(?<!\d[.,]){_N}\s*[-‐]?\s*{_YEARS}(?![\w])(?!\s*(?:of\s+)?(?:erfaring|experience|"
               rf"in\s+(?:the\s+)?business|i\s+branchen|siden|ago|i\s+danmark|in\s+denmark|here|her))", re.I),
    re.compile(rf"(?<![\w])(?:i'?m|i\s+am|im|jeg\s+er|am|i'm\s+only|jeg\s+er\s+kun|only|kun)\s+(?:a\s+|en\s+)?"
               rf"{_N}(?![\w+])(?!\s*(?:{_NOT_AGE_UNITS}|,\d|\.\d|/|x))", re.I),
    re.compile(rf"(?<![\w])(?:just\s+turned|barely|lige\s+fyldt|nyligt?\s+fyldt|nyfyldt|fyldt|knap|turned"
               rf"|lige\s+blevet|netop\s+blevet|just\s+became|recently\s+turned)\s+"
               rf"{_N}(?![\w+])", re.I),
)
# Every "22 år" match ends a word with one of these ("22år", "years"), or holds "y.o" / "y/o".
_YEARS_ENDS = ("år", "årig", "års", "åringen", "aar", "yo", "yr", "yrs", "year", "years", "jahre", "ani", "lat",
               "anos", "años", "ans", "éves", "let", "godina", "jaar", "vuotta", "岁", "歳", "tuổi", "лет", "года",
               "років", "роки")  # and a bare "y" right after the number ("15 y from"): _BARE_Y
# Where a match of each strong form can start (``finditer_at``): forms 0 and 3 open with a look-behind and one
# of these words; form 2 with one of _AGE_I_AM_STARTS; form 1 ("22 år") opens with the number, which ends at
# most a few spaces and a hyphen before a years word. Each is what its regex requires; a test compares with
# plain ``finditer``.
_AGE_OPENERS: tuple[tuple[str, ...], ...] = (
    ("age", "alder", "ålder", "âge", "edad", "alter", "vârsta", "varsta", "wiek", "leeftijd", "ikä"),
    (),
    (),
    ("just", "barely", "lige", "nylig", "nyfyldt", "fyldt", "knap", "turned", "netop", "recently"),
)
# Form 2 opens with "i'm", "im", "i am", "jeg er", "am", "only" or "kun", each followed by whitespace; read on
# the lower-cased text. Why a regex: "i" and "am" stand everywhere ("i byen", "same"), and trying the form at
# each would cost a match call; this one scan keeps only openers. Every alternative opens with a letter (no
# group), so sre skips to those letters without trying the pattern elsewhere.
_AGE_I_AM_STARTS = re.compile(r"i(?='?m\s|\s+am\s)|jeg(?=\s)|am(?=\s)|only(?=\s)|kun(?=\s)")
_MAX_NUMBER_CHARS = 20  # longest ``_N``: "otte og halvtreds" (17)
_WORD_START = re.compile(r"(?<!\w)\w")
_BARE_Y = re.compile(r"(?<=\d)\s?y(?=[\s,.)!]|$)")
_YEARS_END = re.compile("(?:" + "|".join(sorted(_YEARS_ENDS, key=len, reverse=True)) + r")(?!\w)")
_YEARS_SUFFIX_LENGTHS = {x: tuple(len(y) for y in _YEARS_ENDS if x.endswith(y)) for x in _YEARS_ENDS}


def _years_starts(key: Lowered) -> set[int]:
    """Offsets where a "22 år" match can start: word starts just before a years word (or "y.o", "y/o").

    The number ends right before the spaces and hyphens ahead of the years word: when it ends in a digit it
    is one or two digits (``\\d{1,2}``), so only those can start it; else it is a number word, starting at one
    of the word starts a number word's length back.
    """
    low = key.low
    anchors = key.positions(("y.o", "y/o"))
    if "y" in low:
        anchors += [m.end() - 1 for m in _BARE_Y.finditer(low)]
    for m in _YEARS_END.finditer(low):  # the longest years ending of a word; the shorter ones end it too
        e = m.end()
        anchors += [e - n for n in _YEARS_SUFFIX_LENGTHS[m.group()]]
    starts: set[int] = set()
    for q in anchors:
        e = q
        while e > 0 and (low[e - 1].isspace() or low[e - 1] in "-‐"):
            e -= 1
        if e > 0 and low[e - 1].isdecimal():  # what ``\d`` matches
            starts.add(e - 1)
            if e > 1 and low[e - 2].isdecimal():
                starts.add(e - 2)
            continue
        starts.update(m.start() for m in _WORD_START.finditer(low, max(0, e - _MAX_NUMBER_CHARS), e))
    return starts


def _age_starts(k: int, key: Lowered) -> set[int]:
    """Offsets where strong form ``k`` can start (only valid when ``key.exact``)."""
    if k == 1:
        return _years_starts(key)
    if k == 2:
        return {m.start() for m in _AGE_I_AM_STARTS.finditer(key.low)}
    return set(key.positions(_AGE_OPENERS[k]))


_AGE_BLOCK_BEFORE = re.compile(r"(?:\b(?:i|in|for|since|siden|over|de\s+sidste|the\s+last|last|after|efter|"
                               r"about|ca|under|minimum|min|mindst|above|all|alle|from|fra)\s*$"
                               # "bo i Danmark 12 år", "lived in Odense 9 years": how long, not how old
                               r"|\b(?:i|in)\s+(?:danmark|denmark|dk|byen|town|the\s+city)\s*$"
                               r"|\b(?:boet|bo|bor|levet|lived|live|living|been|været|arbejdet|worked)\s+(?:her\s+|here\s+)?"
                               r"(?:i|in)\s+[\wæøå]+\s*$)", re.I)
# "Jeg bor her med min familie 12 år", "I have worked in massage here 15 years": a verb of living or working earlier in
# the sentence makes "N år" how long, unless the number is stated as what she is ("bor i Odense og er 24 år").
_DURATION_BEFORE = re.compile(r"\b(?:bor|boet|bo|levet|lived|living|been|været|arbejdet|worked)"
                              r"\b[^.!?\n]{0,40}$(?<!\ber\s)(?<!\bis\s)(?<!\bam\s)(?<!'m\s)(?<!\bog\s)(?<!\band\s)"
                              r"(?<!\bkun\s)(?<!\bonly\s)(?<!,\s)(?<!\w,)", re.I)
# Emoji and pictographs that end a "Ruby here, 30 🙂" as a full stop would.
_EMOJI = "\u2600-\u27bf\U0001f300-\U0001faff"
# Words that a number follows without being an age: street names ("Istedgade 45"), sizes, rooms, weeks.
_NOT_AGE_BEFORE = (r"(?:\w*(?:gade|vej|allé|alle|stræde|straede|plads|torv|street|road|str)|size|str|størrelse|"
                   r"storrelse|vægt|vaegt|weight|højde|hojde|height|bh|bust|cup|nr|no|room|rum|værelse|top|week|"
                   r"uge|kl|tlf|tel|mob|sms|ring|call|text|txt|phone|nummer|number|id|postnr|zip)")
_AGE_WEAK = (
    re.compile(r"\((?P<n>\d{2})\)"),
    re.compile(rf"(?:^|(?<!\d)[,|–—\-:]|\s-\s)\s*(?P<n>\d{{2}})\s*"
               rf"(?:[,|–—)!.{_EMOJI}]|$|\s-\s|\s(?:only|kun)\b)", re.M),
    re.compile(rf"^\s*[A-ZÆØÅ][a-zæøåé]{{2,14}}\s+(?P<n>\d{{2}})(?![\w.,+/])(?!\s*(?i:{_NOT_AGE_UNITS}\b|,-|\d))"),
    # "Sweet Mei 21 – Nørrebro", "jeg er Andreea 23.", "Sofia 22 from Moldova", "julia 24" on its own line: a
    # name (a capitalised word, or any word alone on its line) right before two digits that end there.
    re.compile(rf"(?<![\w])(?!(?i:{_NOT_AGE_BEFORE})\b)(?:[A-ZÆØÅ][a-zæøåé]{{2,14}}|(?<=^)[a-zæøå]{{3,14}}"
               rf"(?=\s+\d{{2}}\s*$))\s+(?P<n>\d{{2}})(?![\w+:/\-])(?![.,]\d)"
               rf"(?!\s?[–—]\s?\d)"  # not "Copenhagen 21–23.12"
               rf"(?!\s*(?i:{_NOT_AGE_UNITS}\b|,-|\d|x\b))",
               re.M),
)
# Where the name-before-age form (_AGE_WEAK[3]) can start: it opens with a look-behind (no word character before)
# and a name of 3-15 letters that ends right before whitespace and two digits; letters are word characters, so
# the name is a whole run of word characters, 3-15 long, followed by whitespace and two digits. This scan finds
# the start of each such run; trying the form only there gives plain ``finditer``'s matches (a test compares
# them). Why: the form's negative look-ahead (``\w*(?:gade|vej|...)``) ran at every word start, ~80 µs per ad.
_NAME_AGE_STARTS = re.compile(r"(?<!\w)\w{3,15}(?=\s+\d\d)")


_CAPS_WORDS = re.compile(r"[A-ZÆØÅ]{2}[A-ZÆØÅ]*[^\w\n]+[A-ZÆØÅ]{2}")


def _capitals_as_names(text: str) -> str:
    """``text`` with each line written in capitals title-cased ("HOT LATINA ISABELLA 25 IN RANDERS" -> "Hot Latina
    Isabella 25 In Randers"), so the weak name-before-age forms read shouting ads too; offsets are unchanged (a
    line whose length title-casing would change is left as it is)."""
    if _CAPS_WORDS.search(text) is None:  # no two capitalised words in a row: nothing to do
        return text
    lines = text.split("\n")
    changed = False
    for i, line in enumerate(lines):
        if line.isupper() and sum(c.isalpha() for c in line) >= 6:
            titled = line.title()
            if len(titled) == len(line):
                lines[i], changed = titled, True
    return "\n".join(lines) if changed else text


def _name_age_starts(text: str) -> list[int]:
    """Offsets where ``_AGE_WEAK[3]`` can start in ``text`` (see _NAME_AGE_STARTS)."""
    return [m.start() for m in _NAME_AGE_STARTS.finditer(text)]


# "Victoria is 24", "she is 30 and ...", "hun er 19": an age stated of someone else (as strong as "I'm 24").
_AGE_THIRD = re.compile(rf"(?<![\w])(?!(?i:klokken|prisen|pris|price|it|det|der|that|this|timen|tiden|time|tid|"
                        rf"nummer|number|adressen|address|height|højden|vægten|weight|size|str)\b)"
                        rf"(?:(?i:she|he|hun|han)|[A-ZÆØÅ][a-zæøåé]{{2,14}})\s+(?:is|er)\s+"
                        rf"(?:only\s+|kun\s+|just\s+)?{_N}(?![\w+:])(?!\s*(?i:{_NOT_AGE_UNITS}|,\d|\.\d|/|x|%))")

# "jeg hedder Birthe og er 51", "hej jeg hedder tanja er 33", "jeg er freja og er sytten", "my name is Ana and am 24":
# the writer gives her name, then her age.
_AGE_INTRO = re.compile(rf"(?i:(?:hedder|heter|navn\s+er|name\s+is|named|called)\s+[^\W\d_]{{2,15}}"
                        rf"|(?:jeg\s+er|i'?m|i\s+am)\s+[^\W\d_]{{2,15}}\s*,?\s+(?:og|and))\s*,?\s+"
                        rf"(?i:(?:og|and)\s+)?(?i:er|is|am|i'?m)\s+(?i:only\s+|kun\s+|just\s+)?{_N}(?![\w+:])"
                        rf"(?!\s*(?i:{_NOT_AGE_UNITS}|,\d|\.\d|/|x|%))")
_AGE_INTRO_WORDS = frozenset({"hedder", "heter", "navn", "name", "named", "called"})  # or "jeg er/I'm … og/and"
_AND, _I_AM = frozenset({"og", "and"}), frozenset({"jeg", "i", "im"})

def _third_starts(text: str) -> list[int]:
    """Offsets where ``_AGE_THIRD`` can start: each whole word of 2-15 word characters followed by whitespace,
    "is" or "er" (as written: the verbs are case-sensitive in the pattern) and whitespace.

    Why: the pattern opens with a look-behind and a negative look-ahead over 20 words, tried at every character
    (~65 µs on an ad with " is " or " er "); its subject ("she", "Victoria") is letters only, with no word
    character before it and whitespace after it, so it is a whole run of word characters ending before the
    whitespace ahead of the verb. ``finditer_at`` from these offsets gives plain ``finditer``'s matches (test).
    """
    out: list[int] = []
    n = len(text)
    for verb in ("is", "er"):
        i = text.find(verb, 1)
        while i >= 0:
            if i + 2 < n and text[i - 1].isspace() and text[i + 2].isspace():  # str.isspace is what \s matches
                e = i - 1
                while e > 0 and text[e - 1].isspace():
                    e -= 1
                s = e
                while s > 0 and (text[s - 1].isalnum() or text[s - 1] == "_"):  # what \w matches
                    s -= 1
                if 2 <= e - s <= 15:
                    out.append(s)
            i = text.find(verb, i + 1)
    return out

# "pige på 19", "a girl of 19", "young girl, 16, new", "lady aged 25": the age of the one person an ad offers,
# named by a noun for her (as strong as "I'm 19"; plural nouns name several persons and are left out).
_AGE_NOUN_WORDS = frozenset({"pige", "pigen", "tøs", "tøsen", "kvinde", "kvinden", "dame", "damen", "girl", "lady",
                             "woman", "babe", "teen"})  # every ``_AGE_NOUN`` match holds one as a whole word
_AGE_NOUN = re.compile(rf"(?<![\w])(?i:pige|pigen|tøs|tøsen|kvinde|kvinden|dame|damen|girl|lady|woman|babe|teen)"
                       rf"(?:\s+(?i:på|of|aged|age)\s+|\s*,\s*|\s*\(\s*){_N}(?![\w+:])"
                       rf"(?!\s*(?i:{_NOT_AGE_UNITS}|,\d|\.\d|/|x|%))")




def _age_noun_matches(text: str, key: Lowered) -> list[re.Match[str]]:
    """``list(_AGE_NOUN.finditer(text))``, tried only where one of its nouns stands as a whole word.

    Why: the pattern opens with a look-behind and was tried at every character (~40 µs on an ad with "girl" or
    "pige"). Its noun is letters only, with no word character before it and a space, comma or bracket after it,
    so every match starts at a whole-word occurrence of one of ``_AGE_NOUN_WORDS`` in the lower-cased text (when
    ``key.exact``; else the plain scan runs).
    """
    if not key.exact:
        return list(_AGE_NOUN.finditer(text))
    return finditer_at(_AGE_NOUN, text, [p for w in key.words.intersection(_AGE_NOUN_WORDS)
                                         for p in key.word_positions(w)])


@dataclass(frozen=True)
class Mention:
    """Mention: a value read from ``source`` (title, text or field) at original offsets."""

    value: object
    start: int
    end: int
    source: str
    strong: bool = True


def _age_value(raw: str) -> int | None:
    raw = raw.strip()
    if raw.isdigit():
        return int(raw)
    return words_to_int(re.split(r"[\s\-]+", raw)) if " og " not in raw else words_to_int(raw.split())


def find_ages(text: str, *, source: str, bounds: tuple[int, int], key: Lowered | None = None) -> list[Mention]:
    """find_ages (list[Mention]): stated ages in bounds; strong forms ("22 år", "age: 22") first.

    key (Lowered): the text's shared trigger key (computed here when not given); a strong form whose
    trigger words are absent is skipped.
    """
    out: list[Mention] = []
    lo, hi = bounds
    key = key or lowered(text)
    for k, rx in enumerate(_AGE_STRONG):
        for m in finditer_at(rx, text, _age_starts(k, key)) if key.exact else rx.finditer(text):
            value = _age_value(m.group("n"))
            if value is None or not lo <= value <= hi:
                continue
            if rx is _AGE_STRONG[1] and (_AGE_BLOCK_BEFORE.search(text[max(0, m.start() - 32):m.start()])
                                         or _DURATION_BEFORE.search(text[max(0, m.start() - 48):m.start()])):
                continue
            if text[m.end("n"):m.end("n") + 1] == "+":
                continue
            out.append(Mention(value, m.start("n"), m.end("n"), source, True))
    if " is " in text or " er " in text:
        for m in finditer_at(_AGE_THIRD, text, _third_starts(text)):
            value = _age_value(m.group("n"))
            if value is not None and lo <= value <= hi:
                out.append(Mention(value, m.start("n"), m.end("n"), source, True))
    if key.has_word(_AGE_INTRO_WORDS) or (key.has_word(_AND) and key.has_word(_I_AM)):
        for m in _AGE_INTRO.finditer(text):
            value = _age_value(m.group("n"))
            if value is not None and lo <= value <= hi and not any(o.start == m.start("n") for o in out):
                out.append(Mention(value, m.start("n"), m.end("n"), source, True))
    for m in _age_noun_matches(text, key) if key.has_word(_AGE_NOUN_WORDS) else ():
        value = _age_value(m.group("n"))
        if value is not None and lo <= value <= hi:
            out.append(Mention(value, m.start("n"), m.end("n"), source, True))
    head = _capitals_as_names(text[:4000])
    for rx in _AGE_WEAK:
        for m in finditer_at(rx, head, _name_age_starts(head)) if rx is _AGE_WEAK[3] else rx.finditer(head):
            value = int(m.group("n"))
            if 18 <= value <= min(hi, 69):
                out.append(Mention(value, m.start("n"), m.end("n"), source, False))
    out.sort(key=lambda x: (not x.strong, x.start))
    return out


def parse_age_field(raw: str, bounds: tuple[int, int]) -> int | None:
    """parse_age_field (int | None): the age in a scraped age field ("22", "22 år", "Age: twenty")."""
    m = re.search(rf"\d{{1,3}}|{NUMBER_WORDS_RE}", raw or "", re.I)
    if not m:
        return None
    value = _age_value(m.group())
    return value if value is not None and bounds[0] <= value <= bounds[1] else None


# ---------------------------------------------------------------- gazetteer
@dataclass(frozen=True)
class Place:
    """Place: canonical name and the city it belongs to (for districts)."""

    name: str
    parent: str | None


def _variants(alias: str) -> set[str]:
    out = {alias}
    subs = [("æ", "ae"), ("ø", "oe"), ("ø", "o"), ("å", "aa"), ("å", "a"), ("æ", "e"), ("ö", "o"), ("ä", "a")]
    for _ in range(2):
        for v in list(out):
            for a, b in subs:
                out.add(v.replace(a, b).replace(a.upper(), b.upper()))
    return out


_GAZ_WORD = re.compile(r"\w+")
_GAZ_SEP = re.compile(r"[\s.\-]*")
_GAZ_NEXT = re.compile(r"[\s.\-]*(\w+)")  # the separator and the next word of a multi-word place name


class Gazetteer:
    """Gazetteer: every spelling of every place, indexed by its first word; longest alias wins at a position.

    Why a word index and not one alternation regex: the regex tried thousands of alternatives at every
    character; here each word of the text costs one dict lookup.
    """

    def __init__(self, places: list[dict[str, object]], capitalised_only: list[str] | None = None) -> None:
        # spellings that are also common words ("års" in "18-års fødselsdag"): a place only when capitalised
        self.capitalised_only = frozenset(w.lower() for w in capitalised_only or [])
        self.by_alias: dict[str, Place] = {}
        for entry in places:
            place = Place(str(entry["name"]), entry.get("parent"))  # type: ignore[arg-type]
            for alias in [entry["name"], *entry.get("aliases", [])]:  # type: ignore[misc]
                for v in _variants(str(alias).lower()):
                    words = _GAZ_WORD.findall(v)
                    if words:
                        self.by_alias.setdefault(" ".join(words), place)
                        if len(words) > 1:  # written as one word too
                            self.by_alias.setdefault("".join(words), place)
        self.first: dict[str, list[tuple[tuple[str, ...], Place]]] = {}
        for alias, place in self.by_alias.items():
            words = tuple(alias.split(" "))
            self.first.setdefault(words[0], []).append((words, place))
        for cands in self.first.values():
            cands.sort(key=lambda c: -len(c[0]))
        # One-word spellings (lower case), for readers that generalise over places (classifiers/indicator_model.py).
        self.one_word = frozenset(a for a in self.by_alias if " " not in a)

    def find(self, text: str, source: str, key: Lowered | None = None) -> list[Mention]:
        """find (list[Mention]): places named in ``text`` (value is the Place).

        key (Lowered): the text's shared trigger key; with it, texts naming no place's first word cost one
        set check, and the others are read only where a first word stands (``_find_at``).
        """
        out: list[Mention] = []
        first = self.first
        if key is not None and key.exact:
            if key.words.isdisjoint(first):
                return out
            return self._capitalised(text, self._find_at(key, source))
        spans = [m.span() for m in _GAZ_WORD.finditer(text)]
        words = [text[a:b].lower() for a, b in spans]
        i, n = 0, len(words)
        while i < n:
            cands = first.get(words[i])
            if cands is None:
                i += 1
                continue
            for cand_words, place in cands:
                k = len(cand_words)
                if i + k > n:
                    continue
                ok = True
                for j in range(1, k):
                    if words[i + j] != cand_words[j] or not _GAZ_SEP.fullmatch(text, spans[i + j - 1][1],
                                                                                spans[i + j][0]):
                        ok = False
                        break
                if ok:
                    out.append(Mention(place, spans[i][0], spans[i + k - 1][1], source))
                    i += k
                    break
            else:
                i += 1
        return self._capitalised(text, out)

    def _capitalised(self, text: str, found: list[Mention]) -> list[Mention]:
        """``found`` without lower-case spellings listed as ``capitalised_only``."""
        if not self.capitalised_only or not found:
            return found
        return [m for m in found if text[m.start:m.start + 1].isupper()
                or text[m.start:m.end].lower() not in self.capitalised_only]

    def _find_at(self, key: Lowered, source: str) -> list[Mention]:
        """``find`` reading only where a place's first word stands (same result: a test compares them).

        Why: the word-by-word walk built a span per word of the ad; here only occurrences of first words are
        visited, in text order, and the following words of a longer name are read right after them.
        """
        low = key.low
        first = self.first
        starts = sorted((p, w) for w in key.words.intersection(first) for p in key.word_positions(w))
        out: list[Mention] = []
        consumed = 0
        for p, w in starts:
            if p < consumed:
                continue
            for cand_words, place in first[w]:
                end = p + len(w)
                for word in cand_words[1:]:
                    m = _GAZ_NEXT.match(low, end)
                    if m is None or m.group(1) != word:
                        break
                    end = m.end()
                else:
                    out.append(Mention(place, p, end, source))
                    consumed = end
                    break
        return out

    def lookup(self, raw: str) -> Place | None:
        """lookup (Place | None): the place named in a scraped city field."""
        found = self.find(raw or "", "field")
        return found[-1].value if found else None  # type: ignore[return-value]


@lru_cache(maxsize=4)
def load_gazetteer(path: Path) -> Gazetteer:
    """load_gazetteer (Gazetteer): from ``config/gazetteer/<country>.yaml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Gazetteer(list(data["places"]), list(data.get("capitalised_only") or []))


def choose_place(mentions: list[Mention]) -> Place | None:
    """choose_place: title mentions first, else the most named place; a named district beats its city."""
    if not mentions:
        return None
    title = [m for m in mentions if m.source == "title"]
    pool = title or mentions
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    places: dict[str, Place] = {}
    for i, m in enumerate(pool):
        p: Place = m.value  # type: ignore[assignment]
        counts[p.name] = counts.get(p.name, 0) + 1
        first.setdefault(p.name, i)
        places[p.name] = p
    named = set(places)
    for m in mentions:  # a district named anywhere refines its city named in the title
        p = m.value  # type: ignore[assignment]
        if p.parent and p.parent in named and p.name not in named:
            places[p.name] = p
            counts[p.name] = counts.get(p.parent, 1)
            first[p.name] = first.get(p.parent, 0)
            named.add(p.name)
    best = sorted(places.values(), key=lambda p: (-(counts[p.name] + (1 if p.parent in named else 0)),
                                                  p.parent is None, first[p.name]))
    return best[0]


# ---------------------------------------------------------------- languages and nationality
# Language names and nationality words live in ``config/people.yaml`` (analysts extend them); see
# ``People`` below, which compiles them into the regexes used here.
_SPEAK_RE = re.compile(
    r"(?<![\w])(?:speak|speaks|speaking|spoken|languages?|sprog|taler|talar|snakker|sprache|sprachen|"
    r"communicate in|kommunikerer på|lang\.?)(?![\w])\s*[:\-]?\s*(?P<list>[^.!?\n;]{0,90})", re.I)
# A negation just before one language of a listing ("English, but not German").
_NEG_LANG_BEFORE = re.compile(r"(?:\bno|\bnot|ingen|ikke|\bnor|but|men)\s+(?:\w+\s+)?$", re.I)
_NEG_BEFORE = re.compile(r"(?:\b(?:no|not|ingen|ikke|nor|never|don'?t|do not|dont|lidt ?ikke)\s+(?:\w+\s+)?$)",
                         re.I)

_PERSON = (r"(?:girls?|wom[ae]n|lady|ladies|babes?|beauty|beauties|escorts?|models?|pige|piger|pigen|kvinde|"
           r"kvinder|dame|damer|skønhed|skonhed|massøse|massøser|masseuse|student|studerende|milf|teen|teenager|"
           r"blond[ei]?n?e?|brunet+e?|brunette|latina|doll|dukke|princess|prinsesse|queen|dronning|angel|engel|"
           r"sweetheart|kitten|kæreste|girlfriend|mistress|trans|ts|shemale|ladyboy|sugar|honey)")
# Every whole word _PERSON matches, but ``brunet+e?`` (checked by prefix): the gate of the "<adjective> pige" form.
_PERSON_WORDS = frozenset({
    "girl", "girls", "woman", "women", "lady", "ladies", "babe", "babes", "beauty", "beauties", "escort",
    "escorts", "model", "models", "pige", "piger", "pigen", "kvinde", "kvinder", "dame", "damer", "skønhed",
    "skonhed", "massøse", "massøser", "masseuse", "student", "studerende", "milf", "teen", "teenager", "latina",
    "doll", "dukke", "princess", "prinsesse", "queen", "dronning", "angel", "engel", "sweetheart", "kitten",
    "kæreste", "girlfriend", "mistress", "trans", "ts", "shemale", "ladyboy", "sugar", "honey"
}) | frozenset(f"blond{a}{b}{c}" for a in ("", "e", "i") for b in ("", "n") for c in ("", "e"))


def _has_person(key: Lowered) -> bool:
    return key.has_word(_PERSON_WORDS) or any(w.startswith("brunet") for w in key.words)


class People:
    """People: spoken-language and nationality regexes compiled from ``config/people.yaml``."""

    def __init__(self, cfg: PeopleConfig) -> None:
        self.version = cfg.version
        self.lang_by_name = {n: code for code, names in cfg.languages.items() for n in names}
        names = "|".join(sorted(map(re.escape, self.lang_by_name), key=len, reverse=True))
        self.lang_name_re = re.compile(rf"(?<![\w])({names})e?(?![\w])", re.I)
        self.talende_re = re.compile(rf"(?<![\w])({names})[\s\-]?(?:speaking|talende|speaker)(?![\w])", re.I)
        self.nat_by_adj = {w: c for c, n in cfg.nationalities.items() for w in n.adjectives}
        self.nat_by_country = {w: c for c, n in cfg.nationalities.items() for w in n.countries}
        adj = "|".join(sorted(map(re.escape, self.nat_by_adj), key=len, reverse=True))
        country = "|".join(sorted(map(re.escape, self.nat_by_country), key=len, reverse=True)) or "(?!)"
        # Trigger words of the adjective-based patterns (nat0/nat2/nat3): whole words ("rumænsk", "rumænske")
        # and, for names that are not one word, substrings.
        names = [*self.nat_by_adj, *self.nat_by_country]
        single = {n.lower() for n in names if re.fullmatch(r"\w+", n)}
        self.nat_words = frozenset(single | {n + "e" for n in single})
        self.nat_multi = tuple(n.lower() for n in names if not re.fullmatch(r"\w+", n))
        self.country_words = frozenset(n.lower() for n in self.nat_by_country if re.fullmatch(r"\w+", n))
        self.country_multi = tuple(n.lower() for n in self.nat_by_country if not re.fullmatch(r"\w+", n))
        # Where the adjective pattern (nat2) can start: an adjective as a whole word (optionally + "e"), or a
        # multi-word adjective anywhere.
        adj_single = {n.lower() for n in self.nat_by_adj if re.fullmatch(r"\w+", n)}
        self.adj_words = frozenset(adj_single | {n + "e" for n in adj_single})
        self.adj_multi = tuple(n.lower() for n in self.nat_by_adj if not re.fullmatch(r"\w+", n))
        self.nat_patterns = (
            re.compile(rf"(?<![\w])(?:nationality|nationalitet|nationalité|origin|oprindelse|herkomst|country|land)"
                       rf"\s*[:\-]\s*(?P<a>{adj}|{country})e?(?![\w])", re.I),
            re.compile(rf"(?<![\w])(?:from|fra|born in|født i|comes? from|kommer fra)\s+(?:(?:the\s+)?(?:beautiful|"
                       rf"smukke|sunny|exotic|eksotiske|sweet)\s+)?(?P<c>{country})(?![\w])", re.I),
            re.compile(rf"(?<![\w])(?P<a>{adj})e?\s+(?:(?!speak|talende|speaking)\w+\s+)?{_PERSON}(?![\w])", re.I),
            re.compile(rf"(?<![\w])(?:i'?m|i am|jeg er)\s+(?:a\s+|en\s+)?(?:\w+\s+)?(?P<a>{adj})e?(?![\w])", re.I),
        )


@lru_cache(maxsize=4)
def load_people(path: Path = DEFAULT_PEOPLE) -> People:
    """load_people (People): from ``config/people.yaml`` (validated; C101/C102 on errors)."""
    return People(load_people_config(path))


_SPEAK_TRIGGERS = ("speak", "spoken", "lang", "sprog", "taler", "talar", "snakker", "sprache", "communicate in",
                   "kommunikerer på")
_TALENDE_TRIGGERS = ("speaking", "talende", "speaker")
_NAT_LABELS = ("nationalit", "origin", "oprindelse", "herkomst", "country", "land")
_NAT_FROM = ("from", "fra", "born in", "født i")


def find_spoken(text: str, people: People | None = None, key: Lowered | None = None) -> list[str]:
    """find_spoken (list[str]): ISO codes of languages the ad says are spoken (negated ones left out)."""
    pp = people or load_people()
    found: list[str] = []
    key = key or lowered(text)
    speak = key.has(_SPEAK_TRIGGERS)
    if not speak:
        matches: Iterable[re.Match[str]] = ()
    elif key.exact:  # the pattern opens with one of its trigger words
        matches = finditer_at(_SPEAK_RE, text, key.positions(_SPEAK_TRIGGERS))
    else:
        matches = _SPEAK_RE.finditer(text)
    for m in matches:
        if _NEG_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        listing = m.group("list")
        for lm in pp.lang_name_re.finditer(listing):
            before = listing[max(0, lm.start() - 16):lm.start()]
            if _NEG_LANG_BEFORE.search(before):
                continue
            code = pp.lang_by_name[lm.group(1).lower()]
            if code not in found:
                found.append(code)
    for m in pp.talende_re.finditer(text) if key.has(_TALENDE_TRIGGERS) else ():
        if _NEG_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        code = pp.lang_by_name[m.group(1).lower()]
        if code not in found:
            found.append(code)
    return found


# Words each nationality pattern opens with (after its look-behind); form 2 opens with an adjective from
# people.yaml (People.adj_words / adj_multi), form 3 with "i'm", "im", "i am" or "jeg er" and whitespace (read
# on the lower-cased text, as _AGE_I_AM_STARTS). What the regexes require; a test compares with ``finditer``.
_NAT_OPENERS = (("nationalit", "origin", "oprindelse", "herkomst", "country", "land"),
                ("from", "fra", "born", "født", "come", "kommer"), (), ())
_NAT_I_AM_STARTS = re.compile(r"i(?='?m\s| am\s)|jeg(?= er\s)")


def _nat_starts(k: int, pp: People, key: Lowered) -> set[int]:
    """Offsets where nationality pattern ``k`` can start (only valid when ``key.exact``)."""
    if k == 2:
        starts = set(key.positions(pp.adj_multi))
        for w in key.words.intersection(pp.adj_words):
            starts.update(key.word_positions(w))
        return starts
    if k == 3:
        return {m.start() for m in _NAT_I_AM_STARTS.finditer(key.low)}
    return set(key.positions(_NAT_OPENERS[k]))


def find_nationality(text: str, source: str, people: People | None = None, key: Lowered | None = None
                     ) -> list[Mention]:
    """find_nationality (list[Mention]): stated nationality as ISO country code, with its span."""
    pp = people or load_people()
    out = []
    key = key or lowered(text)
    named = key.has_word(pp.nat_words) or key.has(pp.nat_multi)
    country = key.has_word(pp.country_words) or key.has(pp.country_multi)
    runs = (named and key.has(_NAT_LABELS), country and key.has(_NAT_FROM), named and _has_person(key),
            named and key.has(("i'm", "im", "i am", "jeg er")))
    for k, (rx, run) in enumerate(zip(pp.nat_patterns, runs, strict=True)):
        if not run:
            continue
        for m in finditer_at(rx, text, _nat_starts(k, pp, key)) if key.exact else rx.finditer(text):
            if "c" in rx.groupindex and m.group("c"):
                code = pp.nat_by_country.get(m.group("c").lower())
            else:
                word = m.group("a").lower()
                code = pp.nat_by_adj.get(word) or pp.nat_by_country.get(word)
            if code:
                out.append(Mention(code, m.start(), m.end(), source))
    out.sort(key=lambda x: x.start)
    return out
