"""Labelled sentences for the indicator model: ``config/training/*.yaml``, edited by analysts.

Why YAML beside the lexicons: an analyst who sees a missed or false indicator adds the sentence with its label,
as they add a phrase to a lexicon, and the model learns it on the next load; no Python, no downloaded weights.
Codes: C101 unreadable YAML, C102 schema error, C107 no training files.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError

from config.errors import ConfigError, format_problem, pydantic_problems
from config.lexicon_schema import StrictModel

# Codes read from text; UNDERAGE, OBFUSCATED_CONTACT and LOW_PRICE come from the age, phone and market readers.
ModelCode = Literal["MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNPROTECTED", "ALWAYS_AVAILABLE",
                    "LANGUAGE_BARRIER"]
MODEL_CODES: tuple[str, ...] = ModelCode.__args__  # type: ignore[attr-defined]


class LabelledSentence(StrictModel):
    """LabelledSentence (model): ``fire``: the sentence shows ``code``; ``not``: a decoy that must not."""

    code: ModelCode
    lang: str = Field(pattern=r"^[a-z]{2}$")
    text: str = Field(min_length=2, max_length=1000)
    expected: Literal["fire", "not"]
    source: str = Field(default="", description="Where the sentence came from (a review, a held-out round).")


class TrainingFile(StrictModel):
    """TrainingFile (model): one versioned file of labelled sentences and neutral ad sentences."""

    version: int = Field(ge=1)
    description: str = ""
    items: tuple[LabelledSentence, ...] = ()
    neutral: tuple[str, ...] = Field(default=(), description="Ordinary ad sentences that show no indicator.")


class TrainingSet(StrictModel):
    """TrainingSet (model): every training file; ``key`` changes when any sentence or label does."""

    files: tuple[TrainingFile, ...]

    @cached_property
    def key(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


def load_training(folder: Path) -> TrainingSet:
    """load_training (TrainingSet): every ``*.yaml`` in ``folder`` validated; ConfigError lists all problems."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ConfigError([format_problem("C107", folder, "", "no training files found")])
    problems: list[str] = []
    out = []
    for path in files:
        rel = f"training/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            out.append(TrainingFile.model_validate(data))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(format_problem("C101", rel, "", f"cannot read YAML: {exc}".replace("\n", " ")))
        except ValidationError as exc:
            problems += pydantic_problems("C102", rel, exc)
    if problems:
        raise ConfigError(problems)
    return TrainingSet(files=tuple(out))
