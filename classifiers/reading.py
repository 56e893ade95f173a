"""Reading ads: contacts, facts and indicator hits with evidence. Public entries: ``read_ad`` (one ad) and
``read_ads`` / ``read_batch`` (a batch, read step by step: the same readings, faster; ``reading_steps``).

Why pure functions: the DB stage, the evaluation, ``adwatch config check`` and the tests all read
ads the same way, with no database. Every step is guarded: bad input or a bug in one extractor is
recorded in ``errors``/``skipped`` with a code, and the other extractors still run. Codes: E201
binary-looking text, E202 text cut, E203 time limit, E204 extractor error, E205 empty ad.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifiers.facts import Gazetteer, People, load_gazetteer, load_people
from classifiers.indicator_model import IndicatorModel, load_model
from classifiers.language import detect_language
from classifiers.nlp import build_nlp
from classifiers.normalize import clean, lowered
from classifiers.reading_steps import STEPS, AdState, coerce
from config.lexicon_schema import LexiconSet, ReadingConfig, load_lexicons, load_reading_config
from config.settings import AppSettings
from config.training_schema import load_training

log = logging.getLogger(__name__)

# Bump when extraction code changes behaviour: stored readings with another stamp are re-read.
READER_VERSION = "reader.v8"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Set to a dict to have ``read_ad``/``read_ads`` add each step's thread CPU seconds to it (bench/extract.py --steps);
# None: off.
STEP_SECONDS: dict[str, float] | None = None


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


def _looks_binary(text: str) -> bool:
    if len(text) < 64:
        return False
    sample = text[:4000]
    control = len(_CONTROL.findall(sample))
    return control > max(len(sample) // 10, 16) or sample.count("\ufffd") > max(len(sample) // 20, 16)


def read_ad(title: Any, text: Any, raw_fields: Mapping[str, Any] | None = None, *, lexicons: LexiconSet | None = None,
            settings: AppSettings, resources: Resources | None = None) -> AdReading:
    """read_ad (AdReading): contacts, facts and indicator hits of one ad; never raises on bad input.

    raw_fields (dict): the crawler's scraped fields; ``phones`` (tel: links, revealed numbers),
    ``age``, ``city``, ``price``, ``email``/``emails``, ``handles`` are used before the text.
    """
    return read_batch([(title, text, raw_fields)], lexicons=lexicons, settings=settings, resources=resources)[0][0]


def read_ads(items: Sequence[tuple[Any, Any, Mapping[str, Any] | None]], *, lexicons: LexiconSet | None = None,
             settings: AppSettings, resources: Resources | None = None) -> list[AdReading]:
    """read_ads (list[AdReading]): ``[read_ad(title, text, raw) for title, text, raw in items]``, read faster.

    Why: each step runs over every ad of the batch before the next step starts, so its code and tables stay in
    the CPU caches (``reading_steps``); the readings equal ``read_ad``'s one by one (tested).
    """
    return [r for r, _ in read_batch(items, lexicons=lexicons, settings=settings, resources=resources)]


def read_batch(items: Sequence[tuple[Any, Any, Mapping[str, Any] | None]], *, lexicons: LexiconSet | None = None,
               settings: AppSettings, resources: Resources | None = None) -> list[tuple[AdReading, float]]:
    """read_batch: (reading, thread CPU seconds spent on that ad) of each (title, text, raw fields), in order.

    The per-ad time limit counts each ad's own CPU time (its steps, not the other ads' or a busy machine's): a
    step of an ad over the limit is skipped with E203, as when the ad is read alone.
    """
    res = resources or load_resources(settings)
    if lexicons is not None and lexicons is not res.lexicons:
        res = Resources(lexicons, res.gazetteer, res.config, res.people)
        warm_up(res)
    cfg = res.config
    limit = cfg.time_limit_s
    region = settings.default_region
    clock = STEP_SECONDS
    ads: list[AdState] = []
    t0 = time.thread_time()
    for title, text, raw_fields in items:
        ad = _prepare(title, text, raw_fields, cfg)
        t1 = time.thread_time()
        ad.spent += t1 - t0
        t0 = t1
        ads.append(ad)
    for name, passes, needs_words in STEPS:
        live = []  # the ads this step reads: those with words when it needs them, within their time limit
        for ad in ads:
            if needs_words and not (ad.read_text or ad.title_s.strip()):
                continue
            if ad.spent > limit:
                ad.out["skipped"].append({"step": name, "reason": f"[E203] per-ad time limit {limit}s reached"})
                continue
            live.append(ad)
        for fn in passes:
            ok = []
            t0 = time.thread_time()
            for ad in live:
                try:
                    fn(ad, res, region)
                    ok.append(ad)
                except Exception as exc:  # one extractor's failure must not lose the others' results
                    log.exception("[E204] %s failed", name)
                    ad.out["errors"].append({"step": name, "error": f"[E204] {type(exc).__name__}: {exc}"[:500]})
                t1 = time.thread_time()
                ad.spent += t1 - t0
                if clock is not None:
                    clock[name] = clock.get(name, 0.0) + t1 - t0
                t0 = t1
            live = ok
    out = []
    t0 = time.thread_time()
    for ad in ads:
        reading = _finish(ad, cfg)
        t1 = time.thread_time()
        ad.spent += t1 - t0
        t0 = t1
        out.append((reading, ad.spent))
    return out


def _prepare(title: Any, text: Any, raw_fields: Mapping[str, Any] | None, cfg: ReadingConfig) -> AdState:
    """The ad's state before any step: inputs coerced and cut, binary text dropped, cleaned text, trigger key."""
    raw = dict(raw_fields or {}) if isinstance(raw_fields, Mapping) else {}
    title_s, text_s = coerce(title), coerce(text)
    out: dict[str, Any] = {"skipped": [], "errors": []}
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
    ct = clean(f"{title_s}\n\n{text_s}")
    # shared trigger key: extractors skip their regexes when their words are absent
    return AdState(title_s, text_s, raw, out, read_text, ct, lowered(ct.text))


def _finish(ad: AdState, cfg: ReadingConfig) -> AdReading:
    """The reading: indicator hits in text order without duplicates (YOUTH dropped at a stated grown-up age)."""
    out = ad.out
    seen: set[tuple[str, str, int, int]] = set()
    uniq = []
    grown = out.get("age") is not None and out["age"] >= cfg.youth_max_stated_age
    for h in sorted(ad.indicator_hits, key=lambda h: (h["source"] != "title", h["start"])):
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
