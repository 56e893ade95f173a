"""Indicator lexicons: versioned YAML under ``config/lexicons/<lang>/*.yaml``, edited by analysts.

Why a strict schema: an analyst's misspelt key or broken token pattern must fail ``adwatch config
check`` with a coded, located message instead of silently matching nothing. Codes: C101 unreadable
YAML, C102 schema error, C103 invalid token pattern, C104 duplicate id, C105 no lexicons found,
C106 language folder mismatch.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.errors import ConfigError, format_problem, pydantic_problems

SLUG = r"^[a-z0-9][a-z0-9_-]{1,62}$"

INDICATOR_CODES = (
    "MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNDERAGE", "UNPROTECTED",
    "ALWAYS_AVAILABLE", "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT",
)
# Codes also produced by extractors (age, phones) or the market stage, not only by phrases.
COMPUTED_CODES = ("UNDERAGE", "OBFUSCATED_CONTACT", "LOW_PRICE")
IndicatorCode = Literal[
    "MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNDERAGE", "UNPROTECTED",
    "ALWAYS_AVAILABLE", "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT",
]


class StrictModel(BaseModel):
    """StrictModel: unknown keys are errors; objects are immutable (safe to cache by version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(StrictModel):
    """Examples (model): sentences run as tests; positive must fire the indicator's code, negative not."""

    positive: tuple[str, ...] = Field(min_length=1)
    negative: tuple[str, ...] = Field(min_length=1)


class Indicator(StrictModel):
    """Indicator (model): one cue family with its phrases, token patterns, decoys and examples."""

    id: str = Field(pattern=SLUG)
    code: IndicatorCode
    description: str = Field(min_length=10)
    phrases: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    exclusions: tuple[str, ...] = Field(
        default=(), description="Decoy phrases: a hit overlapping one of these is dropped.")
    attr: Literal["NORM", "LOWER"] = Field(
        default="NORM", description="NORM: folded, stemmed, typo-tolerant; LOWER: exact words (plurals).")
    negatable: bool = Field(default=True, description="Drop hits preceded by a negator in the clause.")
    weight_hint: float = Field(default=0.5, ge=0, le=1)
    examples: Examples

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: tuple[tuple[dict[str, Any], ...], ...]) -> Any:
        from spacy.schemas import validate_token_pattern

        for i, pattern in enumerate(value):
            errors = validate_token_pattern([dict(tok) for tok in pattern])
            if errors:
                raise ValueError(f"[C103] patterns[{i}]: " + "; ".join(errors))
        return value

    @model_validator(mode="after")
    def _has_cues(self) -> Indicator:
        if not self.phrases and not self.patterns and self.code not in COMPUTED_CODES:
            raise ValueError("an indicator needs phrases or patterns")
        return self


class Lexicon(StrictModel):
    """Lexicon (model): one versioned YAML file; bump ``version`` on any change to trigger reprocessing."""

    id: str = Field(pattern=SLUG)
    version: int = Field(ge=1)
    language: str = Field(pattern=r"^[a-z]{2}$")
    description: str = ""
    negators: tuple[str, ...] = Field(default=(), description="Words that negate a following cue.")
    clause_breaks: tuple[str, ...] = Field(
        default=(), description="Words that end the negation scope (e.g. 'but', 'men').")
    negation_window: int = Field(default=4, ge=0, le=10)
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class LexiconSet(StrictModel):
    """LexiconSet (model): every lexicon in force; ``key`` stamps readings so changes trigger re-reads."""

    lexicons: tuple[Lexicon, ...]

    @cached_property
    def key(self) -> str:
        """key (str): ``id@version`` of each lexicon plus a short content hash (catches forgotten bumps)."""
        ids = ",".join(f"{lx.id}@{lx.version}" for lx in sorted(self.lexicons, key=lambda x: x.id))
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:8]
        return f"{ids}#{digest}"

    def versions(self) -> dict[str, int]:
        """versions (dict): lexicon id -> version."""
        return {lx.id: lx.version for lx in self.lexicons}



def _load_file(path: Path, root: Path) -> tuple[Lexicon | None, list[str]]:
    rel = path.relative_to(root.parent) if root.parent in path.parents else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [format_problem("C101", rel, "", f"cannot read YAML: {exc}".replace("\n", " "))]
    try:
        lexicon = Lexicon.model_validate(data)
    except ValidationError as exc:
        return None, pydantic_problems("C102", rel, exc)
    if lexicon.language != path.parent.name:
        return None, [format_problem("C106", rel, "language",
                                     f"{lexicon.language!r} but the file is under {path.parent.name}/")]
    return lexicon, []


def load_lexicons(lexicons_dir: Path) -> LexiconSet:
    """load_lexicons (LexiconSet): every ``<lang>/*.yaml`` validated; raises ConfigError listing all problems."""
    problems: list[str] = []
    lexicons: list[Lexicon] = []
    files = sorted(lexicons_dir.glob("*/*.yaml")) + sorted(lexicons_dir.glob("*/*.yml"))
    if not files:
        raise ConfigError([format_problem("C105", lexicons_dir, "", "no lexicon files found")])
    seen_lex: dict[str, Path] = {}
    seen_ind: dict[str, Path] = {}
    for path in files:
        lexicon, errs = _load_file(path, lexicons_dir)
        problems += errs
        if lexicon is None:
            continue
        if lexicon.id in seen_lex:
            problems.append(format_problem("C104", path.name, "id",
                                           f"lexicon id {lexicon.id!r} also in {seen_lex[lexicon.id].name}"))
        seen_lex[lexicon.id] = path
        for i, ind in enumerate(lexicon.indicators):
            if ind.id in seen_ind:
                problems.append(format_problem("C104", path.name, f"indicators[{i}].id",
                                               f"indicator id {ind.id!r} also in {seen_ind[ind.id].name}"))
            seen_ind[ind.id] = path
        lexicons.append(lexicon)
    if problems:
        raise ConfigError(problems)
    return LexiconSet(lexicons=tuple(lexicons))


class LanguageDetection(StrictModel):
    """LanguageDetection (model): lingua languages to load and the confidence below which we say unknown."""

    detect: tuple[str, ...] = ("danish", "english")
    min_confidence: float = Field(default=0.55, ge=0, le=1)
    max_chars: int = Field(default=2000, ge=50)


class LowPrice(StrictModel):
    """LowPrice (model): LOW_PRICE fires below ``ratio`` x the median of a (site, city) market."""

    ratio: float = Field(default=0.5, gt=0, lt=1)
    min_market_size: int = Field(default=8, ge=2)


class IndicatorModelConfig(StrictModel):
    """IndicatorModelConfig (model): the sentence classifier beside the lexicons (classifiers/indicator_model.py)."""

    enabled: bool = True
    threshold: float = Field(default=0.8, gt=0, lt=1, description="Probability from which a sentence fires a code.")
    regularisation: float = Field(default=4.0, gt=0, description="Inverse L2 strength (C) of each code's model.")
    window_words: int = Field(default=24, ge=4, le=200, description="Longer sentences are read in windows.")


class ReadingConfig(StrictModel):
    """ReadingConfig (model): tunables of the reading stage, from ``config/reading.yaml``."""

    max_chars: int = Field(default=60_000, ge=1_000)
    time_limit_s: float = Field(default=0.5, gt=0)
    currency_to_dkk: dict[str, float] = Field(default_factory=lambda: {"DKK": 1.0, "EUR": 7.46})
    night_hours: float = Field(default=8, gt=0)
    price_dkk_per_hour_bounds: tuple[float, float] = (100, 20_000)
    age_bounds: tuple[int, int] = (12, 75)
    youth_max_stated_age: int = Field(
        default=30, ge=18, le=99,
        description="YOUTH phrases do not count when the ad states this age or more ('youthful 45-year-old').")
    language: LanguageDetection = LanguageDetection()
    low_price: LowPrice = LowPrice()
    indicator_model: IndicatorModelConfig = IndicatorModelConfig()


def load_reading_config(path: Path) -> ReadingConfig:
    """load_reading_config (ReadingConfig): defaults when the file is absent; C102 errors when invalid."""
    if not path.exists():
        return ReadingConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return ReadingConfig.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError([format_problem("C101", path.name, "", f"cannot read YAML: {exc}")]) from exc
    except ValidationError as exc:
        raise ConfigError(pydantic_problems("C102", path.name, exc)) from exc


class Nationality(StrictModel):
    """Nationality (model): words that state one nationality: adjectives ("rumænsk") and country names."""

    adjectives: tuple[str, ...] = Field(min_length=1)
    countries: tuple[str, ...] = ()

    @field_validator("adjectives", "countries")
    @classmethod
    def _lower(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if any(not w.strip() or w != w.lower() for w in v):
            raise ValueError("words must be non-empty and lower case")
        return v


class PeopleConfig(StrictModel):
    """PeopleConfig (model): ``config/people.yaml``: spoken-language names and nationality words.

    Context for outreach only (which language, which partner NGO); never a risk factor.
    """

    version: int = Field(ge=1)
    languages: dict[str, tuple[str, ...]]
    nationalities: dict[str, Nationality]

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for code, names in v.items():
            if len(code) != 2 or not code.islower() or not code.isalpha():
                raise ValueError(f"{code!r}: language keys are ISO 639-1 codes such as 'da'")
            if not names or any(not n.strip() or n != n.lower() for n in names):
                raise ValueError(f"{code}: names must be non-empty and lower case")
        return v

    @field_validator("nationalities")
    @classmethod
    def _nats(cls, v: dict[str, Nationality]) -> dict[str, Nationality]:
        for code in v:
            if len(code) != 2 or not code.isupper() or not code.isalpha():
                raise ValueError(f"{code!r}: nationality keys are ISO 3166 alpha-2 codes such as 'RO'")
        return v


def load_people_config(path: Path) -> PeopleConfig:
    """load_people_config (PeopleConfig): C101/C102 errors when unreadable or invalid."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return PeopleConfig.model_validate(data)
    except OSError as exc:
        raise ConfigError([format_problem("C101", path.name, "", f"cannot read: {exc}")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([format_problem("C101", path.name, "", f"cannot read YAML: {exc}")]) from exc
    except ValidationError as exc:
        raise ConfigError(pydantic_problems("C102", path.name, exc)) from exc
