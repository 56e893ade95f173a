"""Stated facts: age, city/area (gazetteer), languages spoken and stated nationality.

Why rules and not a model: no labelled Danish escort-ad corpus exists and no pretrained pipeline can
be downloaded; explicit patterns are auditable, and every value keeps the span it was read from.
Nationality is context for outreach (which language, which partner NGO), never a risk factor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from classifiers.normalize import NUMBER_WORDS_RE, words_to_int

_N = rf"(?P<n>\d{{1,2}}|{NUMBER_WORDS_RE})"
_YEARS = (r"(?:år(?:ig|s)?|aar|års|yo|y\.o\.?|y/o|yrs?\.?|years?|jahre|ani|lat|anos|años|ans|éves|let|"
          r"godina|jaar|vuotta|åringen|årig)")
_AGE_STRONG = (
    re.compile(rf"(?<![\w])(?:age|alder|ålder|âge|edad|alter|vârsta|varsta|wiek|leeftijd|ikä)\s*[:=\-–]?\s*"
               rf"(?:is\s+|er\s+)?{_N}(?![\w+])", re.I),
    re.compile(rf"(?<![\w.,])(?<!\d[.,]){_N}\s*[-‐]?\s*{_YEARS}(?![\w])(?!\s*(?:of\s+)?(?:erfaring|experience|"
               rf"in\s+(?:the\s+)?business|i\s+branchen|siden|ago|i\s+danmark|in\s+denmark|here|her))", re.I),
    re.compile(rf"(?<![\w])(?:i'?m|i\s+am|im|jeg\s+er|am|i'm\s+only|jeg\s+er\s+kun|only|kun)\s+(?:a\s+|en\s+)?"
               rf"{_N}(?![\w+])(?!\s*(?:cm|kg|kr|dkk|min|%|timer|hours|h\b|,\d|\.\d|/|x|stk|tommer|inch))", re.I),
    re.compile(rf"(?<![\w])(?:just\s+turned|barely|lige\s+fyldt|nyligt?\s+fyldt|fyldt|knap|turned)\s+{_N}(?![\w+])",
               re.I),
)
_AGE_BLOCK_BEFORE = re.compile(r"(?:\b(?:i|in|for|since|siden|over|de\s+sidste|the\s+last|last|after|efter|"
                               r"about|ca|under|minimum|min|mindst|above|all|alle|from|fra)\s*$)", re.I)
_AGE_WEAK = (
    re.compile(r"\((?P<n>\d{2})\)"),
    re.compile(r"(?:^|[,|–—\-:]|\s-\s)\s*(?P<n>\d{2})\s*(?:[,|–—)!.]|$|\s-\s)", re.M),
    re.compile(r"^\s*[A-ZÆØÅ][a-zæøåé]{2,14}\s+(?P<n>\d{2})(?![\w.,+])(?!\s*(?:kr|cm|kg|min|dkk|,-|\d|%))"),
)


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


def find_ages(text: str, *, source: str, bounds: tuple[int, int]) -> list[Mention]:
    """find_ages (list[Mention]): stated ages in bounds; strong forms ("22 år", "age: 22") first."""
    out: list[Mention] = []
    lo, hi = bounds
    for rx in _AGE_STRONG:
        for m in rx.finditer(text):
            value = _age_value(m.group("n"))
            if value is None or not lo <= value <= hi:
                continue
            if rx is _AGE_STRONG[1] and _AGE_BLOCK_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
                continue
            if text[m.end("n"):m.end("n") + 1] == "+":
                continue
            out.append(Mention(value, m.start("n"), m.end("n"), source, True))
    for rx in _AGE_WEAK:
        for m in rx.finditer(text[:4000]):
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


class Gazetteer:
    """Gazetteer: one regex over every spelling of every place; longest alias wins at a position."""

    def __init__(self, places: list[dict[str, object]]) -> None:
        self.by_alias: dict[str, Place] = {}
        for entry in places:
            place = Place(str(entry["name"]), entry.get("parent"))  # type: ignore[arg-type]
            for alias in [entry["name"], *entry.get("aliases", [])]:  # type: ignore[misc]
                for v in _variants(str(alias).lower()):
                    self.by_alias[re.sub(r"[\s.\-]+", " ", v)] = place
        alts = sorted(self.by_alias, key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"[\s.\-]*") for a in alts)
        self.rx = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.I)

    def find(self, text: str, source: str) -> list[Mention]:
        """find (list[Mention]): places named in ``text`` (value is the Place)."""
        out = []
        for m in self.rx.finditer(text):
            key = re.sub(r"[\s.\-]+", " ", m.group().lower())
            place = self.by_alias.get(key)
            if place:
                out.append(Mention(place, m.start(), m.end(), source))
        return out

    def lookup(self, raw: str) -> Place | None:
        """lookup (Place | None): the place named in a scraped city field."""
        found = self.find(raw or "", "field")
        return found[-1].value if found else None  # type: ignore[return-value]


@lru_cache(maxsize=4)
def load_gazetteer(path: Path) -> Gazetteer:
    """load_gazetteer (Gazetteer): from ``config/gazetteer/<country>.yaml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Gazetteer(list(data["places"]))


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
# ISO code -> (English language name, Danish language name)
LANGUAGES: dict[str, tuple[str, ...]] = {
    "da": ("danish", "dansk"), "en": ("english", "engelsk"), "sv": ("swedish", "svensk"),
    "no": ("norwegian", "norsk"), "de": ("german", "tysk"), "ro": ("romanian", "rumænsk", "rumaensk"),
    "bg": ("bulgarian", "bulgarsk"), "hu": ("hungarian", "ungarsk"), "pl": ("polish", "polsk"),
    "uk": ("ukrainian", "ukrainsk"), "ru": ("russian", "russisk"), "lv": ("latvian", "lettisk"),
    "lt": ("lithuanian", "litauisk"), "th": ("thai", "thailandsk"), "zh": ("chinese", "kinesisk", "mandarin"),
    "pt": ("portuguese", "portugisisk"), "es": ("spanish", "spansk"), "it": ("italian", "italiensk"),
    "fr": ("french", "fransk"), "vi": ("vietnamese", "vietnamesisk"), "tl": ("tagalog", "filipino"),
    "ar": ("arabic", "arabisk"), "tr": ("turkish", "tyrkisk"), "sq": ("albanian", "albansk"),
    "cs": ("czech", "tjekkisk"), "sk": ("slovak", "slovakisk"), "el": ("greek", "græsk"),
}
_LANG_BY_NAME = {name: code for code, names in LANGUAGES.items() for name in names}
_LANG_NAME_RE = re.compile(r"(?<![\w])(" + "|".join(sorted(_LANG_BY_NAME, key=len, reverse=True)) + r")e?(?![\w])",
                           re.I)
_SPEAK_RE = re.compile(
    r"(?<![\w])(?:speak|speaks|speaking|spoken|languages?|sprog|taler|talar|snakker|sprache|sprachen|"
    r"communicate in|kommunikerer på|lang\.?)(?![\w])\s*[:\-]?\s*(?P<list>[^.!?\n;]{0,90})", re.I)
_TALENDE_RE = re.compile(r"(?<![\w])(" + "|".join(sorted(_LANG_BY_NAME, key=len, reverse=True))
                         + r")[\s\-]?(?:speaking|talende|speaker)(?![\w])", re.I)
_NEG_BEFORE = re.compile(r"(?:\b(?:no|not|ingen|ikke|nor|never|don'?t|do not|dont|lidt ?ikke)\s+(?:\w+\s+)?$)",
                         re.I)

# ISO country -> (English adjective, Danish adjective, English country, Danish country, extra forms...)
NATIONALITIES: dict[str, tuple[str, ...]] = {
    "DK": ("danish", "dansk", "denmark", "danmark"), "SE": ("swedish", "svensk", "sweden", "sverige"),
    "NO": ("norwegian", "norsk", "norway", "norge"), "DE": ("german", "tysk", "germany", "tyskland"),
    "RO": ("romanian", "rumænsk", "romania", "rumænien", "rumaensk", "rumaenien"),
    "BG": ("bulgarian", "bulgarsk", "bulgaria", "bulgarien"), "HU": ("hungarian", "ungarsk", "hungary", "ungarn"),
    "PL": ("polish", "polsk", "poland", "polen"), "UA": ("ukrainian", "ukrainsk", "ukraine", "ukraine"),
    "RU": ("russian", "russisk", "russia", "rusland"), "LV": ("latvian", "lettisk", "latvia", "letland"),
    "LT": ("lithuanian", "litauisk", "lithuania", "litauen"), "EE": ("estonian", "estisk", "estonia", "estland"),
    "CZ": ("czech", "tjekkisk", "czechia", "tjekkiet", "czech republic"),
    "SK": ("slovak", "slovakisk", "slovakia", "slovakiet"), "MD": ("moldovan", "moldovisk", "moldova", "moldova"),
    "AL": ("albanian", "albansk", "albania", "albanien"), "RS": ("serbian", "serbisk", "serbia", "serbien"),
    "HR": ("croatian", "kroatisk", "croatia", "kroatien"), "GR": ("greek", "græsk", "greece", "grækenland"),
    "TR": ("turkish", "tyrkisk", "turkey", "tyrkiet"), "NG": ("nigerian", "nigeriansk", "nigeria", "nigeria"),
    "GH": ("ghanaian", "ghanesisk", "ghana", "ghana"), "KE": ("kenyan", "kenyansk", "kenya", "kenya"),
    "TH": ("thai", "thailandsk", "thailand", "thailand", "thai"),
    "CN": ("chinese", "kinesisk", "china", "kina"), "VN": ("vietnamese", "vietnamesisk", "vietnam", "vietnam"),
    "PH": ("filipina", "filippinsk", "philippines", "filippinerne", "filipino"),
    "JP": ("japanese", "japansk", "japan", "japan"), "KR": ("korean", "koreansk", "korea", "korea"),
    "BR": ("brazilian", "brasiliansk", "brazil", "brasilien"),
    "CO": ("colombian", "colombiansk", "colombia", "colombia"),
    "VE": ("venezuelan", "venezuelansk", "venezuela", "venezuela"),
    "DO": ("dominican", "dominikansk", "dominican republic", "den dominikanske republik"),
    "CU": ("cuban", "cubansk", "cuba", "cuba"), "ES": ("spanish", "spansk", "spain", "spanien"),
    "IT": ("italian", "italiensk", "italy", "italien"), "FR": ("french", "fransk", "france", "frankrig"),
    "PT": ("portuguese", "portugisisk", "portugal", "portugal"), "IN": ("indian", "indisk", "india", "indien"),
}
_NAT_BY_ADJ = {w: c for c, forms in NATIONALITIES.items() for w in (forms[0], forms[1], *forms[4:])}
_NAT_BY_COUNTRY = {w: c for c, forms in NATIONALITIES.items() for w in (forms[2], forms[3])}
_ADJ_ALT = "|".join(sorted(map(re.escape, _NAT_BY_ADJ), key=len, reverse=True))
_COUNTRY_ALT = "|".join(sorted(map(re.escape, _NAT_BY_COUNTRY), key=len, reverse=True))
_PERSON = (r"(?:girls?|wom[ae]n|lady|ladies|babes?|beauty|beauties|escorts?|models?|pige|piger|pigen|kvinde|"
           r"kvinder|dame|damer|skønhed|skonhed|massøse|massøser|masseuse|student|studerende|milf|teen|teenager|"
           r"blond[ei]?n?e?|brunet+e?|brunette|latina|doll|dukke|princess|prinsesse|queen|dronning|angel|engel|"
           r"sweetheart|kitten|kæreste|girlfriend|mistress|trans|ts|shemale|ladyboy|sugar|honey)")
_NAT_PATTERNS = (
    re.compile(rf"(?<![\w])(?:nationality|nationalitet|nationalité|origin|oprindelse|herkomst|country|land)"
               rf"\s*[:\-]\s*(?P<a>{_ADJ_ALT}|{_COUNTRY_ALT})e?(?![\w])", re.I),
    re.compile(rf"(?<![\w])(?:from|fra|born in|født i|comes? from|kommer fra)\s+(?:(?:the\s+)?(?:beautiful|smukke|"
               rf"sunny|exotic|eksotiske|sweet)\s+)?(?P<c>{_COUNTRY_ALT})(?![\w])", re.I),
    re.compile(rf"(?<![\w])(?P<a>{_ADJ_ALT})e?\s+(?:(?!speak|talende|speaking)\w+\s+)?{_PERSON}(?![\w])", re.I),
    re.compile(rf"(?<![\w])(?:i'?m|i am|jeg er)\s+(?:a\s+|en\s+)?(?:\w+\s+)?(?P<a>{_ADJ_ALT})e?(?![\w])", re.I),
)


def find_spoken(text: str) -> list[str]:
    """find_spoken (list[str]): ISO codes of languages the ad says are spoken (negated ones left out)."""
    found: list[str] = []
    for m in _SPEAK_RE.finditer(text):
        if _NEG_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        listing = m.group("list")
        for lm in _LANG_NAME_RE.finditer(listing):
            before = listing[max(0, lm.start() - 16):lm.start()]
            if re.search(r"(?:\bno|\bnot|ingen|ikke|\bnor|but|men)\s+(?:\w+\s+)?$", before, re.I):
                continue
            code = _LANG_BY_NAME[lm.group(1).lower()]
            if code not in found:
                found.append(code)
    for m in _TALENDE_RE.finditer(text):
        if _NEG_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        code = _LANG_BY_NAME[m.group(1).lower()]
        if code not in found:
            found.append(code)
    return found


def find_nationality(text: str, source: str) -> list[Mention]:
    """find_nationality (list[Mention]): stated nationality as ISO country code, with its span."""
    out = []
    for rx in _NAT_PATTERNS:
        for m in rx.finditer(text):
            if "c" in rx.groupindex and m.group("c"):
                code = _NAT_BY_COUNTRY.get(m.group("c").lower())
            else:
                word = m.group("a").lower()
                code = _NAT_BY_ADJ.get(word) or _NAT_BY_COUNTRY.get(word)
            if code:
                out.append(Mention(code, m.start(), m.end(), source))
    out.sort(key=lambda x: x.start)
    return out
