"""Reading one ad: contacts, facts and indicator hits with evidence. The public entry is ``read_ad``.

Why one pure function: the DB stage, the evaluation, ``adwatch config check`` and the tests all read
ads the same way, with no database. Every step is guarded: bad input or a bug in one extractor is
recorded in ``errors``/``skipped`` with a code, and the other extractors still run. Codes: E201
binary-looking text, E202 text cut, E203 time limit, E204 extractor error, E205 empty ad.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifiers.contacts import find_emails, find_handles
from classifiers.facts import (
    Gazetteer,
    Mention,
    People,
    choose_place,
    find_ages,
    find_nationality,
    find_spoken,
    load_gazetteer,
    load_people,
    parse_age_field,
)
from classifiers.indicator_model import MODEL_ID, IndicatorModel, load_model
from classifiers.indicators import find_indicators, rejected_question
from classifiers.language import detect_language
from classifiers.nlp import build_nlp
from classifiers.normalize import clean, lowered
from classifiers.phones import PhoneHit, find_phones, parse_field
from classifiers.prices import choose_price, find_prices
from config.lexicon_schema import LexiconSet, ReadingConfig, load_lexicons, load_reading_config
from config.settings import AppSettings
from config.training_schema import load_training

log = logging.getLogger(__name__)

# Bump when extraction code changes behaviour: stored readings with another stamp are re-read.
READER_VERSION = "reader.v7"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Set to a dict to have ``read_ad`` add each step's CPU seconds to it (bench/extract.py --steps); None: off.
STEP_SECONDS: dict[str, float] | None = None
_MESSENGER_NEAR = re.compile(r"(whats\s?app|wa|signal|telegram|viber|imessage)\W{0,12}(?:\+|\d|$)", re.I)
_MESSENGER_KIND = {"whatsapp": "whatsapp", "whats app": "whatsapp", "wa": "whatsapp", "signal": "signal",
                   "telegram": "telegram", "viber": "viber", "imessage": "imessage"}


@dataclass(frozen=True)
class AdReading:
    """AdReading: everything read from one ad version; offsets are in ``title`` or ``text`` (see source)."""

    phones: tuple[dict[str, Any], ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[dict[str, str], ...] = ()
    age: int | None = None
    age_evidence: dict[str, Any] | None = None
    city: str | None = None  # most specific place named (a district such as Vesterbro, or a town)
    area: str | None = None  # the town a named district belongs to (København for Vesterbro)
    price_dkk_per_hour: float | None = None
    price_evidence: dict[str, Any] | None = None
    spoken_languages: tuple[str, ...] = ()
    nationality: str | None = None  # ISO country code; context only, never a risk factor
    language: str = "unknown"
    indicators: tuple[dict[str, Any], ...] = ()
    skipped: tuple[dict[str, str], ...] = ()
    errors: tuple[dict[str, str], ...] = ()

    @property
    def codes(self) -> set[str]:
        """codes (set[str]): indicator codes found."""
        return {h["code"] for h in self.indicators}

    def as_dict(self) -> dict[str, Any]:
        """as_dict (dict): a deep copy as plain dicts and tuples (``dataclasses.asdict`` without its overhead)."""
        return {f: _copy(getattr(self, f)) for f in _READING_FIELDS}


def _copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, tuple | list):
        return type(obj)(_copy(v) for v in obj)
    return obj


_READING_FIELDS = tuple(f.name for f in fields(AdReading))


@dataclass(frozen=True)
class Resources:
    """Resources: lexicons, gazetteer and tunables, loaded once per config folder."""

    lexicons: LexiconSet
    gazetteer: Gazetteer
    config: ReadingConfig
    people: People | None = None  # config/people.yaml (language names, nationality words)
    model: IndicatorModel | None = None  # trained from config/training/*.yaml (None: disabled or no folder)

    @property
    def stamp(self) -> str:
        """stamp (str): reader version, lexicon key, people.yaml version, model and reading.yaml; current when equal."""
        people = f"|people.v{self.people.version}" if self.people is not None else ""
        model = f"|{self.model.key}" if self.model is not None else ""
        tunables = hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()[:8]
        return f"{READER_VERSION}|{self.lexicons.key}{people}{model}|cfg#{tunables}"


@lru_cache(maxsize=4)
def _resources(config_dir: str, mtime_key: tuple[float, ...]) -> Resources:
    root = Path(config_dir)
    people_path = root / "people.yaml"
    lexicons, config = load_lexicons(root / "lexicons"), load_reading_config(root / "reading.yaml")
    gazetteer = load_gazetteer(root / "gazetteer" / "dk.yaml")
    people = load_people(people_path) if people_path.exists() else load_people()
    model = None
    if (root / "training").is_dir():
        model = load_model(load_training(root / "training"), lexicons, config.indicator_model, gazetteer.one_word,
                           people.nat_words)
    res = Resources(lexicons, gazetteer, config, people, model)
    warm_up(res)
    return res


def warm_up(res: Resources) -> None:
    """Build the pipelines and load the language models now, so the per-ad time limit measures reading."""
    for lang in ("da", "en", "xx"):
        build_nlp(lang, res.lexicons, res.lexicons.key)
    lc = res.config.language
    detect_language("warm up the language detector", languages=lc.detect, min_confidence=lc.min_confidence)


def load_resources(settings: AppSettings) -> Resources:
    """load_resources (Resources): reloaded when a lexicon, gazetteer, training, people or reading.yaml file changes."""
    root = Path(settings.config_dir)
    files = sorted([*root.glob("lexicons/*/*.y*ml"), *root.glob("gazetteer/*.yaml"), root / "reading.yaml",
                    root / "people.yaml", *root.glob("training/*.yaml")])
    return _resources(str(root), tuple(f.stat().st_mtime for f in files if f.exists()))


class _Budget:
    """The per-ad time limit, in CPU time of this thread: a busy machine must not make readings partial.

    Why two clocks: CPU time never runs ahead of wall time, so the cheap wall clock answers "not over" until
    the wall-clock budget is spent; only then is the dearer thread CPU clock read.
    """

    __slots__ = ("cpu0", "limit", "until")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.until = time.perf_counter() + limit
        self.cpu0 = time.thread_time()

    def over(self) -> bool:
        return time.perf_counter() > self.until and time.thread_time() - self.cpu0 > self.limit


def _coerce(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _looks_binary(text: str) -> bool:
    if len(text) < 64:
        return False
    sample = text[:4000]
    control = len(_CONTROL.findall(sample))
    return control > max(len(sample) // 10, 16) or sample.count("\ufffd") > max(len(sample) // 20, 16)


_NAMED_AGE = re.compile(r"(?:\(\s*\d{2}\s*\)|(?<![\w])(?!(?i:str|size|alder|age|bh|nr|no|tlf|tel|mob|sms|ring|call|"
                        r"text|room|rum|top|week|uge|kl|id|cvr|fra|from|til)\b)[A-ZÆØÅ][a-zæøåé]{1,14},?\s\(?\d{2}(?![\d/:.,]\d))")


def _several_ages(text: str, mentions: list[Mention]) -> tuple[int, int] | None:
    """The span from the first named age to the first different one, when an ad names two or more persons' ages.

    Why: a roster ("Today working: Nok (34), Ploy (29)", "Anja 28 / Kristel 24", "Mia (23), Vanessa (26)")
    offers several persons without a word that says so; one person's age repeated ("Sofie (24) ... 24 år") is
    one. Only ages written after a name or in brackets count: a weak age can be a piece of a phone or a size.
    """
    named = [m for m in mentions if _named_at(text, m)]
    if len(named) < 2:
        return None
    ordered = sorted(named, key=lambda m: m.start)
    first = ordered[0]
    for m in ordered[1:]:
        if m.value != first.value and m.start >= first.end and m.end - first.start <= 300:
            return first.start, m.end
    return None


def _named_at(text: str, m: Mention) -> bool:
    """True when a ``_NAMED_AGE`` match ends at this mention's number."""
    for found in _NAMED_AGE.finditer(text, max(0, m.start - 18), min(len(text), m.end + 1)):
        if found.end() in (m.end, m.end + 1):
            return True
    return False


def _field_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str | bytes):
        return [_coerce(raw)]
    if isinstance(raw, list | tuple):
        return [_coerce(x) for x in raw if x is not None]
    return [_coerce(raw)]


def read_ad(title: Any, text: Any, raw_fields: Mapping[str, Any] | None = None, *, lexicons: LexiconSet | None = None,
            settings: AppSettings, resources: Resources | None = None) -> AdReading:
    """read_ad (AdReading): contacts, facts and indicator hits of one ad; never raises on bad input.

    raw_fields (dict): the crawler's scraped fields; ``phones`` (tel: links, revealed numbers),
    ``age``, ``city``, ``price``, ``email``/``emails``, ``handles`` are used before the text.
    """
    res = resources or load_resources(settings)
    if lexicons is not None and lexicons is not res.lexicons:
        res = Resources(lexicons, res.gazetteer, res.config, res.people)
        warm_up(res)
    cfg = res.config
    raw = dict(raw_fields or {}) if isinstance(raw_fields, Mapping) else {}
    title_s, text_s = _coerce(title), _coerce(text)
    out: dict[str, Any] = {"skipped": [], "errors": []}
    budget = _Budget(cfg.time_limit_s)
    if len(text_s) > cfg.max_chars:
        out["skipped"].append({"step": "text", "reason": f"[E202] text cut to {cfg.max_chars} of {len(text_s)} chars"})
        text_s = text_s[: cfg.max_chars]
    if len(title_s) > 2000:
        title_s = title_s[:2000]
    read_text = True
    if _looks_binary(text_s):
        out["skipped"].append({"step": "text", "reason": "[E201] text looks like binary data; not read"})
        read_text = False
        text_s = ""
    if not title_s.strip() and not text_s.strip():
        out["skipped"].append({"step": "text", "reason": "[E205] no title or text"})
    combined = f"{title_s}\n\n{text_s}"
    boundary = len(title_s) + 2
    ct = clean(combined)
    key = lowered(ct.text)  # shared trigger key: extractors skip their regexes when their words are absent
    region = settings.default_region

    def locate(start: int, end: int) -> tuple[str, int, int]:
        if start >= boundary:
            return "text", start - boundary, end - boundary
        return "title", start, min(end, len(title_s))

    def step(name: str, fn: Callable[[], None]) -> None:
        if budget.over():
            out["skipped"].append({"step": name, "reason": f"[E203] per-ad time limit {cfg.time_limit_s}s reached"})
            return
        clock = STEP_SECONDS
        t0 = time.process_time() if clock is not None else 0.0
        try:
            fn()
        except Exception as exc:  # one extractor's failure must not lose the others' results
            log.exception("[E204] %s failed", name)
            out["errors"].append({"step": name, "error": f"[E204] {type(exc).__name__}: {exc}"[:500]})
        if clock is not None:
            clock[name] = clock.get(name, 0.0) + time.process_time() - t0

    phone_hits: list[PhoneHit] = []
    indicator_hits: list[dict[str, Any]] = []

    def do_phones() -> None:
        for value in _field_list(raw.get("phones")) + _field_list(raw.get("phone")):
            phone_hits.extend(parse_field(value[:500], region=region, source="field"))
        if read_text:
            for h in find_phones(combined, region=region, ct=ct, places=res.gazetteer.first):
                src, s, e = locate(h.start, h.end)
                phone_hits.append(PhoneHit(h.e164, h.raw, s, e, h.obfuscated, src))
        by_num: dict[str, dict[str, Any]] = {}
        for h in phone_hits:
            entry = by_num.get(h.e164)
            if entry is None:
                by_num[h.e164] = h.as_dict()
            elif h.obfuscated:
                entry["obfuscated"] = True
        out["phones"] = tuple(by_num.values())
        for h in phone_hits:
            if h.obfuscated and h.source != "field":
                indicator_hits.append({"code": "OBFUSCATED_CONTACT", "indicator_id": "phone_disguised",
                                       "lexicon_id": "reader", "lexicon_version": 1, "start": h.start,
                                       "end": h.end, "text": h.raw, "source": h.source})

    def do_contacts() -> None:
        emails: dict[str, None] = {}
        handles: dict[tuple[str, str], None] = {}
        for value in _field_list(raw.get("emails")) + _field_list(raw.get("email")):
            for em in find_emails(value):
                emails[em.value] = None
        for em in find_emails(ct.text):
            emails[em.value] = None
            if em.obfuscated:
                src, s, e = locate(*ct.orig_span(em.start, em.end))
                indicator_hits.append({"code": "OBFUSCATED_CONTACT", "indicator_id": "email_disguised",
                                       "lexicon_id": "reader", "lexicon_version": 1, "start": s, "end": e,
                                       "text": em.raw, "source": src})
        for value in _field_list(raw.get("handles")):
            for hd in find_handles(value):
                handles[(hd.kind, hd.value)] = None
        for hd in find_handles(ct.text, key):
            handles[(hd.kind, hd.value)] = None
        for h in phone_hits:  # "WhatsApp: +45 ..." or a wa.me link: the number is also a messenger id
            if h.source == "field":
                continue
            off = h.start + (boundary if h.source == "text" else 0)
            before = combined[max(0, off - 24):off + 1]
            found = list(_MESSENGER_NEAR.finditer(before))
            m = found[-1] if found else None
            if m is not None:
                handles[(_MESSENGER_KIND[m.group(1).lower()], h.e164)] = None
            elif "wa.me" in combined[max(0, off - 8):off]:
                handles[("whatsapp", h.e164)] = None
        out["emails"] = tuple(emails)
        out["handles"] = tuple({"kind": k, "value": v} for k, v in handles)

    def do_language() -> None:
        lc = cfg.language
        out["language"] = detect_language(ct.text, languages=lc.detect, min_confidence=lc.min_confidence,
                                          max_chars=lc.max_chars)

    def do_indicators() -> None:
        reader = build_nlp(out.get("language", "xx"), res.lexicons, res.lexicons.key)
        doc = reader.nlp.make_doc(ct.text)
        rule_spans = []
        for hit in find_indicators(doc, reader, ct.text):
            rule_spans.append((hit.code, hit.start, hit.end))
            os_, oe = ct.orig_span(hit.start, hit.end)
            src, s, e = locate(os_, oe)
            d = hit.as_dict()
            d.update(start=s, end=e, text=combined[os_:oe], source=src)
            indicator_hits.append(d)
        if res.model is not None:
            for code, ms, me, _p in res.model.hits(ct.text):
                if any(c == code and hs < me and ms < he for c, hs, he in rule_spans):
                    continue  # the lexicon already names the words, with tighter evidence
                os_, oe = ct.orig_span(ms, me)
                q = combined.find("?", os_, oe + 1)
                if q >= 0 and rejected_question(combined, q):
                    continue  # "Uden kondom? Aldrig.": the sentence asks the cue and answers no
                src, s, e = locate(os_, oe)
                indicator_hits.append({"code": code, "indicator_id": f"model_{code.lower()}", "lexicon_id": MODEL_ID,
                                       "lexicon_version": res.model.version, "start": s, "end": e,
                                       "text": combined[os_:oe], "source": src})

    def do_age() -> None:
        bounds = cfg.age_bounds
        chosen: Mention | None = None
        field_age = None
        for value in _field_list(raw.get("age")):
            field_age = parse_age_field(value, bounds)
            if field_age is not None:
                break
        mentions = find_ages(ct.text, source="", bounds=bounds, key=key) if read_text or title_s else []
        strong = [m for m in mentions if m.strong]
        if field_age is not None:
            out["age"] = field_age
            out["age_evidence"] = {"source": "field", "text": str(raw.get("age"))[:100]}
        elif mentions:
            weak_title = [m for m in mentions if not m.strong and m.start < boundary]
            chosen = strong[0] if strong else (weak_title[0] if weak_title else mentions[0])
            os_, oe = ct.orig_span(chosen.start, chosen.end)
            src, s, e = locate(os_, oe)
            out["age"] = int(chosen.value)  # type: ignore[call-overload]
            out["age_evidence"] = {"source": src, "start": s, "end": e, "text": combined[os_:oe]}
        several = _several_ages(ct.text, mentions)
        if several is not None:
            os_, oe = ct.orig_span(*several)
            src, s, e = locate(os_, oe)
            indicator_hits.append({"code": "MULTIPLE_PERSONS", "indicator_id": "several_ages", "lexicon_id": "reader",
                                   "lexicon_version": 1, "start": s, "end": e, "text": combined[os_:oe],
                                   "source": src})
        minors = [m for m in strong if int(m.value) < 18]  # type: ignore[call-overload]
        if field_age is not None and field_age < 18:
            indicator_hits.append({"code": "UNDERAGE", "indicator_id": "age_under_18", "lexicon_id": "reader",
                                   "lexicon_version": 1, "start": 0, "end": 0, "text": str(raw.get("age"))[:100],
                                   "source": "field"})
        for m in minors[:3]:
            os_, oe = ct.orig_span(m.start, m.end)
            src, s, e = locate(os_, oe)
            indicator_hits.append({"code": "UNDERAGE", "indicator_id": "age_under_18", "lexicon_id": "reader",
                                   "lexicon_version": 1, "start": s, "end": e, "text": combined[os_:oe],
                                   "source": src})

    def do_place() -> None:
        place = None
        for value in _field_list(raw.get("city")):
            place = res.gazetteer.lookup(value)
            if place is None and value.strip():
                out["city"] = value.strip()[:100]
                return
            if place:
                break
        if place is None:
            found = res.gazetteer.find(ct.text, "", key)
            mentions = [Mention(m.value, m.start, m.end, "title" if m.start < boundary else "text") for m in found]
            place = choose_place(mentions)
        if place is not None:
            out["city"] = place.name
            out["area"] = place.parent

    def do_price() -> None:
        rates = cfg.currency_to_dkk
        hits = []
        for value in _field_list(raw.get("price")):
            hits += find_prices(value[:300], rates=rates, night_hours=cfg.night_hours, bare_ok=True)
        chosen = choose_price(hits, cfg.price_dkk_per_hour_bounds)
        source = "field"
        if chosen is None and read_text:
            chosen = choose_price(find_prices(ct.text, rates=rates, night_hours=cfg.night_hours, key=key),
                                  cfg.price_dkk_per_hour_bounds)
            source = "text"
        if chosen is not None:
            out["price_dkk_per_hour"] = chosen.dkk_per_hour
            evidence = {"source": source, "text": chosen.text, "amount": chosen.amount, "currency": chosen.currency,
                        "minutes": chosen.minutes}
            if source == "text":
                os_, oe = ct.orig_span(chosen.start, chosen.end)
                src, s, e = locate(os_, oe)
                evidence.update(source=src, start=s, end=e, text=combined[os_:oe])
            out["price_evidence"] = evidence

    def do_people() -> None:
        out["spoken_languages"] = tuple(find_spoken(ct.text, res.people, key))
        nat = None
        for value in _field_list(raw.get("nationality")):
            found = find_nationality(f"nationality: {value}", "field", res.people)
            if found:
                nat = found[0].value
        if nat is None:
            found = find_nationality(ct.text, "", res.people, key)
            nat = found[0].value if found else None
        out["nationality"] = nat

    step("phones", do_phones)
    step("contacts", do_contacts)
    step("age", do_age)
    step("place", do_place)
    step("price", do_price)
    if read_text or title_s.strip():
        step("language", do_language)
        step("indicators", do_indicators)
        step("people", do_people)
    seen: set[tuple[str, str, int, int]] = set()
    uniq = []
    grown = out.get("age") is not None and out["age"] >= cfg.youth_max_stated_age
    for h in sorted(indicator_hits, key=lambda h: (h["source"] != "title", h["start"])):
        if grown and h["code"] == "YOUTH":  # "youthful 45-year-old": marketing, not a minor hidden behind it
            continue
        key = (h["indicator_id"], h["source"], h["start"], h["end"])
        if key not in seen:
            seen.add(key)
            uniq.append(h)
    return AdReading(
        phones=out.get("phones", ()), emails=out.get("emails", ()), handles=out.get("handles", ()),
        age=out.get("age"), age_evidence=out.get("age_evidence"), city=out.get("city"), area=out.get("area"),
        price_dkk_per_hour=out.get("price_dkk_per_hour"), price_evidence=out.get("price_evidence"),
        spoken_languages=out.get("spoken_languages", ()), nationality=out.get("nationality"),
        language=out.get("language", "unknown"), indicators=tuple(uniq),
        skipped=tuple(out["skipped"]), errors=tuple(out["errors"]),
    )
