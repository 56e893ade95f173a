"""The steps of reading an ad (phones, contacts, age, place, price, language, indicators, people), each a function
of one ad's state (``AdState``), so ``reading.read_ads`` can run one step over a whole batch of ads before the next.

Why step by step over a batch: each step's code and tables (lingua's n-gram models, the indicator model's weights,
spaCy's vocabulary, the regexes) stay in the CPU caches while the step reads every ad of the batch; run ad by ad,
each step found them evicted by the seven others (a step costs ~1.5-2x more inside ``read_ad`` than in a loop of
its own). Each ad still goes through the same steps in the same order with the same inputs, so its reading is
the same as when read alone (``bench/reading_equality.py``, tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from classifiers.contacts import find_emails, find_handles
from classifiers.facts import (
    Mention,
    choose_place,
    find_ages,
    find_nationality,
    find_spoken,
    parse_age_field,
)
from classifiers.indicator_model import MODEL_ID
from classifiers.indicators import find_indicators, rejected_question
from classifiers.language import detect_language
from classifiers.nlp import build_nlp
from classifiers.normalize import CleanText, Lowered
from classifiers.phones import PhoneHit, find_phones, parse_field
from classifiers.prices import choose_price, find_prices

if TYPE_CHECKING:
    from classifiers.reading import Resources

_MESSENGER_NEAR = re.compile(r"(whats\s?app|wa|signal|telegram|viber|imessage)\W{0,12}(?:\+|\d|$)", re.I)
_MESSENGER_KIND = {"whatsapp": "whatsapp", "whats app": "whatsapp", "wa": "whatsapp", "signal": "signal",
                   "telegram": "telegram", "viber": "viber", "imessage": "imessage"}


def coerce(value: Any) -> str:
    """coerce (str): a title, text or field value as text (bytes decoded, None empty)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def field_list(raw: Any) -> list[str]:
    """field_list: a scraped field's values as strings (one value, a list of values, or nothing)."""
    if raw is None:
        return []
    if isinstance(raw, str | bytes):
        return [coerce(raw)]
    if isinstance(raw, list | tuple):
        return [coerce(x) for x in raw if x is not None]
    return [coerce(raw)]


class AdState:
    """AdState: one ad being read: its inputs, the cleaned text and trigger key, and what the steps found so far.

    spent (float): thread CPU seconds this ad's own work took so far (the per-ad time limit counts it).
    """

    __slots__ = ("boundary", "combined", "ct", "indicator_hits", "key", "out", "phone_hits", "raw", "read_text",
                 "rule_spans", "spent", "text_s", "title_s")

    def __init__(self, title_s: str, text_s: str, raw: dict[str, Any], out: dict[str, Any], read_text: bool,
                 ct: CleanText, key: Lowered) -> None:
        self.title_s, self.text_s, self.raw, self.out, self.read_text = title_s, text_s, raw, out, read_text
        self.combined = f"{title_s}\n\n{text_s}"
        self.boundary = len(title_s) + 2
        self.ct, self.key = ct, key
        self.phone_hits: list[PhoneHit] = []
        self.indicator_hits: list[dict[str, Any]] = []
        self.rule_spans: list[tuple[str, int, int]] = []  # (code, start, end) of the lexicons' hits
        self.spent = 0.0

    def locate(self, start: int, end: int) -> tuple[str, int, int]:
        """(source, start, end) of a span of ``combined``: in the title or in the text."""
        if start >= self.boundary:
            return "text", start - self.boundary, end - self.boundary
        return "title", start, min(end, len(self.title_s))


def do_phones(a: AdState, res: Resources, region: str) -> None:
    raw, out, phone_hits = a.raw, a.out, a.phone_hits
    for value in field_list(raw.get("phones")) + field_list(raw.get("phone")):
        phone_hits.extend(parse_field(value[:500], region=region, source="field"))
    if a.read_text:
        for h in find_phones(a.combined, region=region, ct=a.ct, places=res.gazetteer.first):
            src, s, e = a.locate(h.start, h.end)
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
            a.indicator_hits.append({"code": "OBFUSCATED_CONTACT", "indicator_id": "phone_disguised",
                                     "lexicon_id": "reader", "lexicon_version": 1, "start": h.start,
                                     "end": h.end, "text": h.raw, "source": h.source})


def do_contacts(a: AdState, res: Resources, region: str) -> None:
    raw, out, ct, combined, boundary = a.raw, a.out, a.ct, a.combined, a.boundary
    emails: dict[str, None] = {}
    handles: dict[tuple[str, str], None] = {}
    for value in field_list(raw.get("emails")) + field_list(raw.get("email")):
        for em in find_emails(value):
            emails[em.value] = None
    for em in find_emails(ct.text):
        emails[em.value] = None
        if em.obfuscated:
            src, s, e = a.locate(*ct.orig_span(em.start, em.end))
            a.indicator_hits.append({"code": "OBFUSCATED_CONTACT", "indicator_id": "email_disguised",
                                     "lexicon_id": "reader", "lexicon_version": 1, "start": s, "end": e,
                                     "text": em.raw, "source": src})
    for value in field_list(raw.get("handles")):
        for hd in find_handles(value):
            handles[(hd.kind, hd.value)] = None
    for hd in find_handles(ct.text, a.key):
        handles[(hd.kind, hd.value)] = None
    for h in a.phone_hits:  # "WhatsApp: +45 ..." or a wa.me link: the number is also a messenger id
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


def do_language(a: AdState, res: Resources, region: str) -> None:
    lc = res.config.language
    a.out["language"] = detect_language(a.ct.text, languages=lc.detect, min_confidence=lc.min_confidence,
                                        max_chars=lc.max_chars)


def do_rules(a: AdState, res: Resources, region: str) -> None:
    """The indicators step, first pass: the lexicons' hits (rule spans kept for the model pass)."""
    ct, combined = a.ct, a.combined
    reader = build_nlp(a.out.get("language", "xx"), res.lexicons, res.lexicons.key)
    doc = reader.nlp.make_doc(ct.text)
    rule_spans = a.rule_spans = []
    for hit in find_indicators(doc, reader, ct.text):
        rule_spans.append((hit.code, hit.start, hit.end))
        os_, oe = ct.orig_span(hit.start, hit.end)
        src, s, e = a.locate(os_, oe)
        d = hit.as_dict()
        d.update(start=s, end=e, text=combined[os_:oe], source=src)
        a.indicator_hits.append(d)


def do_model(a: AdState, res: Resources, region: str) -> None:
    """The indicators step, second pass: the indicator model's hits where no rule of the same code stands."""
    ct, combined, rule_spans = a.ct, a.combined, a.rule_spans
    if res.model is not None:
        for code, ms, me, _p in res.model.hits(ct.text):
            if any(c == code and hs < me and ms < he for c, hs, he in rule_spans):
                continue  # the lexicon already names the words, with tighter evidence
            os_, oe = ct.orig_span(ms, me)
            q = combined.find("?", os_, oe + 1)
            if q >= 0 and rejected_question(combined, q):
                continue  # "Uden kondom? Aldrig.": the sentence asks the cue and answers no
            src, s, e = a.locate(os_, oe)
            a.indicator_hits.append({"code": code, "indicator_id": f"model_{code.lower()}", "lexicon_id": MODEL_ID,
                                     "lexicon_version": res.model.version, "start": s, "end": e,
                                     "text": combined[os_:oe], "source": src})


def do_ad_rules(a: AdState, res: Resources, region: str) -> None:
    """The indicators step, third pass: rules over the whole ad's hits (lexicons, model and reader alike)."""
    combined = a.combined
    if any(h["code"] == "THIRD_PARTY" for h in a.indicator_hits) and _COUPLE.search(combined):
        a.indicator_hits = [h for h in a.indicator_hits if not _couple_voice(h)]
    if any(h["code"] == "LANGUAGE_BARRIER" for h in a.indicator_hits) and _SPEAKS_WELL.search(combined):
        a.indicator_hits = [h for h in a.indicator_hits if not _little_of_one_language(h)]
    _house_offers_several(a)


# A business that offers several women ("Sabai Thai Massage … tre nye piger", "Asia Spa: new girls every week",
# "Club Nova … 18 y/o girls"): the house writes the ad and takes the bookings, not the women (THIRD_PARTY).
_HOUSE = re.compile(r"\b(?:spa|club|klub|klinik|clinic|studio|salon|parlou?r|agency|agentur|bureau|bureauet|"
                    r"massageklinik|massagesalon|massagecenter|massage\s+(?:clinic|center|centre|house|parlou?r|salon)|"
                    r"escortservice|escort\s+service|bordel|brothel)\b", re.I)
_OWN_DUO = re.compile(r"\b(?:me\s+and\s+my|my\s+friend\s+and\s+i|mig\s+og\s+min|min\s+veninde\s+og\s+jeg|"
                      r"we\s+are\s+(?:two|2)|vi\s+er\s+(?:to|2))\b", re.I)


def _house_offers_several(a: AdState) -> None:
    """Add THIRD_PARTY (evidence: the business word) when a business offers several women and no cue said so."""
    hits, combined = a.indicator_hits, a.combined
    if not any(h["code"] == "MULTIPLE_PERSONS" for h in hits) or any(h["code"] == "THIRD_PARTY" for h in hits):
        return
    house = _HOUSE.search(combined)
    if house is None or _COUPLE.search(combined) or _OWN_DUO.search(combined):
        return
    src, s, e = a.locate(house.start(), house.end())
    hits.append({"code": "THIRD_PARTY", "indicator_id": "house_offers_several", "lexicon_id": "reader",
                 "lexicon_version": 1, "start": s, "end": e, "text": combined[house.start():house.end()],
                 "source": src})


# An ad written by a couple about themselves ("Vi er et par", "we are a real couple"): its "we" and "us" are the two
# persons offered (MULTIPLE_PERSONS), not someone booking for them.
_COUPLE = re.compile(r"\b(?:vi\s+er\s+(?:et\s+)?(?:ægte\s+|rigtigt?\s+|nyt?\s+|ungt?\s+|modent?\s+)?par"
                     r"|we\s*(?:are|'re)\s+(?:a\s+)?(?:real\s+|genuine\s+|young\s+|mature\s+|married\s+)?couple"
                     r"|(?:real|genuine|married|ægte)\s+(?:couple|par))\b", re.I)
_WE_US = re.compile(r"\b(?:we|us|vi|os)\b", re.I)
_OUR = re.compile(r"\b(?:our|vores|girls?|piger?|ladies|damer?)\b", re.I)


# "lidt dansk og god engelsk", "English ok, dansk lidt", "I speak English and a little Danish": a little of one
# language is no barrier when the ad says she speaks the other well (indicators.md: "no or little local/English").
_SPEAKS_WELL = re.compile(
    r"\b(?:god|godt|good|fluent|flydende|perfect|perfekt|fine|excellent|native)\s+(?:english|engelsk|dansk|danish)\b"
    r"|\b(?:english|engelsk|dansk|danish)\s*:?\s*(?:ok|okay|fine|good|godt?|fluent|flydende|perfect|perfekt|yes|ja|✓|✔)"
    r"(?![\w'])|\b(?:i\s+speak|speaks?|jeg\s+taler|taler|snakker|falo|hablo|vorbesc)\s+(?:english|engelsk|inglês|inglés|engleza)\b"
    r"(?!\s*(?:small|little|lidt|lille|poco|pouco|poquito|bit|a\s+little|a\s+bit|kun\s+lidt|only\s+little|no|not|dårligt|bad))",
    re.I)
_LITTLE = re.compile(r"\b(?:lidt|little|bit|smule|lille|small|poco|pouco|poquito|un\s+pouco|um\s+pouco)\b", re.I)
_NO_OR_ONLY = re.compile(r"\b(?:no|not|nicht|ingen|ikke|kun|only|don'?t|doesn'?t|cannot|can'?t|never|aldrig|nej)\b"
                         r"|n't\b", re.I)


def _little_of_one_language(hit: dict[str, Any]) -> bool:
    """True for a LANGUAGE_BARRIER hit that says only "a little" of a language (not "no English", "kun sms")."""
    text = hit["text"]
    return hit["code"] == "LANGUAGE_BARRIER" and bool(_LITTLE.search(text)) and not _NO_OR_ONLY.search(text)


def _couple_voice(hit: dict[str, Any]) -> bool:
    """True for a THIRD_PARTY hit that is only a couple's "we"/"us" ("Contact us", "vi tilbyder")."""
    text = hit["text"]
    return hit["code"] == "THIRD_PARTY" and bool(_WE_US.search(text)) and not _OUR.search(text)


_NAMED_AGE = re.compile(r"(?:\(\s*\d{2}\s*\)|(?<![\w])(?!(?i:str|size|alder|age|bh|nr|no|tlf|tel|mob|sms|ring|call|"
                        r"text|room|rum|top|week|uge|kl|id|cvr|fra|from|til)\b)[A-ZÆØÅ][a-zæøåé]{1,14},?\s\(?\d{2}"
                        r"(?![\d/:.,]\d))")


def _several_ages(text: str, mentions: list[Mention]) -> tuple[int, int] | None:
    """The span from the first named age to the first different one, when an ad names two or more persons' ages.

    Why: a roster ("Today working: Nok (34), Ploy (29)", "Anja 28 / Kristel 24", "Mia (23), Vanessa (26)")
    offers several persons without a word that says so; one person's age repeated ("Sofie (24) ... 24 år") is
    one. Only ages written after a name or in brackets count: a weak age can be a piece of a phone or a size.
    """
    if len({m.value for m in mentions}) < 2:  # no two different ages: nothing below can differ (saves the scans)
        return None
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


def do_age(a: AdState, res: Resources, region: str) -> None:
    raw, out, ct, combined, boundary = a.raw, a.out, a.ct, a.combined, a.boundary
    bounds = res.config.age_bounds
    chosen: Mention | None = None
    field_age = None
    for value in field_list(raw.get("age")):
        field_age = parse_age_field(value, bounds)
        if field_age is not None:
            break
    mentions = find_ages(ct.text, source="", bounds=bounds, key=a.key) if a.read_text or a.title_s else []
    strong = [m for m in mentions if m.strong]
    if field_age is not None:
        out["age"] = field_age
        out["age_evidence"] = {"source": "field", "text": str(raw.get("age"))[:100]}
    elif mentions:
        weak_title = [m for m in mentions if not m.strong and m.start < boundary]
        chosen = strong[0] if strong else (weak_title[0] if weak_title else mentions[0])
        os_, oe = ct.orig_span(chosen.start, chosen.end)
        src, s, e = a.locate(os_, oe)
        out["age"] = int(chosen.value)  # type: ignore[call-overload]
        out["age_evidence"] = {"source": src, "start": s, "end": e, "text": combined[os_:oe]}
    several = _several_ages(ct.text, mentions)
    if several is not None:
        os_, oe = ct.orig_span(*several)
        src, s, e = a.locate(os_, oe)
        a.indicator_hits.append({"code": "MULTIPLE_PERSONS", "indicator_id": "several_ages", "lexicon_id": "reader",
                                 "lexicon_version": 1, "start": s, "end": e, "text": combined[os_:oe],
                                 "source": src})
    minors = [m for m in strong if int(m.value) < 18]  # type: ignore[call-overload]
    if field_age is not None and field_age < 18:
        a.indicator_hits.append({"code": "UNDERAGE", "indicator_id": "age_under_18", "lexicon_id": "reader",
                                 "lexicon_version": 1, "start": 0, "end": 0, "text": str(raw.get("age"))[:100],
                                 "source": "field"})
    for m in minors[:3]:
        os_, oe = ct.orig_span(m.start, m.end)
        src, s, e = a.locate(os_, oe)
        a.indicator_hits.append({"code": "UNDERAGE", "indicator_id": "age_under_18", "lexicon_id": "reader",
                                 "lexicon_version": 1, "start": s, "end": e, "text": combined[os_:oe],
                                 "source": src})


def do_place(a: AdState, res: Resources, region: str) -> None:
    out = a.out
    place = None
    for value in field_list(a.raw.get("city")):
        place = res.gazetteer.lookup(value)
        if place is None and value.strip():
            out["city"] = value.strip()[:100]
            return
        if place:
            break
    if place is None:
        found = res.gazetteer.find(a.ct.text, "", a.key)
        boundary = a.boundary
        mentions = [Mention(m.value, m.start, m.end, "title" if m.start < boundary else "text") for m in found]
        place = choose_place(mentions)
    if place is not None:
        out["city"] = place.name
        out["area"] = place.parent


def do_price(a: AdState, res: Resources, region: str) -> None:
    cfg, ct, out = res.config, a.ct, a.out
    rates = cfg.currency_to_dkk
    hits = []
    for value in field_list(a.raw.get("price")):
        hits += find_prices(value[:300], rates=rates, night_hours=cfg.night_hours, bare_ok=True)
    chosen = choose_price(hits, cfg.price_dkk_per_hour_bounds)
    source = "field"
    if chosen is None and a.read_text:
        chosen = choose_price(find_prices(ct.text, rates=rates, night_hours=cfg.night_hours, key=a.key),
                              cfg.price_dkk_per_hour_bounds)
        source = "text"
    if chosen is not None:
        out["price_dkk_per_hour"] = chosen.dkk_per_hour
        evidence = {"source": source, "text": chosen.text, "amount": chosen.amount, "currency": chosen.currency,
                    "minutes": chosen.minutes}
        if source == "text":
            os_, oe = ct.orig_span(chosen.start, chosen.end)
            src, s, e = a.locate(os_, oe)
            evidence.update(source=src, start=s, end=e, text=a.combined[os_:oe])
        out["price_evidence"] = evidence


def do_people(a: AdState, res: Resources, region: str) -> None:
    out, text = a.out, a.ct.text
    out["spoken_languages"] = tuple(find_spoken(text, res.people, a.key))
    nat = None
    for value in field_list(a.raw.get("nationality")):
        found = find_nationality(f"nationality: {value}", "field", res.people)
        if found:
            nat = found[0].value
    if nat is None:
        found = find_nationality(text, "", res.people, a.key)
        nat = found[0].value if found else None
    out["nationality"] = nat


Step = Callable[[AdState, "Resources", str], None]
# (name, passes, needs words): in this order for every ad. A step's passes run one after the other over the batch
# (the lexicons, then the model: each keeps its own tables hot); a pass that raises ends the step for that ad, as
# one function would. A step that needs words runs only when the ad has a readable text or a non-blank title.
STEPS: tuple[tuple[str, tuple[Step, ...], bool], ...] = (
    ("phones", (do_phones,), False),
    ("contacts", (do_contacts,), False),
    ("age", (do_age,), False),
    ("place", (do_place,), False),
    ("price", (do_price,), False),
    ("language", (do_language,), True),
    ("indicators", (do_rules, do_model, do_ad_rules), True),
    ("people", (do_people,), True),
)
