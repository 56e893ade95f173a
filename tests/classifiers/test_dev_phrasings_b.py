"""Floors on the lex-b dev phrasings (dev_phrasings_b.yaml): THIRD_PARTY, MULTIPLE_PERSONS, UNPROTECTED.

The file was written before the families in config/lexicons/*/indicators_*_people.yaml, then used to tune them,
so it guards those families against regressions; it is not an estimate of unseen wording (the held-out rounds
are). Floors sit a little under what lexicons v1 of those files measure (per code F1 0.95-0.98, precision 1.0):
per code and language F1 >= 0.88, precision >= 0.95 per code (decoys: refusals, past agency work, couples,
hours and hands must stay quiet).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest

from bench.lexicon_heldout import load_items
from classifiers.reading import read_ad

# Not training data for the indicator model: with it the model flagged more ordinary demo sentences.
DEV = Path(__file__).with_name("dev_phrasings_b.yaml")
CODES = {"THIRD_PARTY", "MULTIPLE_PERSONS", "UNPROTECTED"}


def _prf(c: dict[str, int]) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@pytest.fixture(scope="module")
def counts(read_settings, resources) -> dict[tuple[str, str], dict[str, int]]:
    lexicons_only = dataclasses.replace(resources, model=None)  # the families this set was written for
    items = load_items(DEV)
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict(tp=0, fn=0, fp=0, tn=0))
    for it in items:
        fired = it["code"] in read_ad("", it["text"], {}, settings=read_settings, resources=lexicons_only).codes
        want = it["expected"] == "fire"
        out[(it["code"], it["lang"])][("tp" if fired else "fn") if want else ("fp" if fired else "tn")] += 1
    return dict(out)


def test_file_is_well_formed() -> None:
    items = load_items(DEV)
    seen = defaultdict(int)
    for it in items:
        assert it["code"] in CODES and it["lang"] in ("da", "en") and it["split"] == "dev-b", it
        assert it["expected"] in ("fire", "not"), it
        seen[(it["code"], it["lang"], it["expected"])] += 1
    for code in CODES:
        for lang in ("da", "en"):
            assert seen[(code, lang, "fire")] >= 20 and seen[(code, lang, "not")] >= 10, (code, lang)


@pytest.mark.parametrize("code", sorted(CODES))
def test_dev_floor(counts, code) -> None:
    total = dict(tp=0, fn=0, fp=0, tn=0)
    for lang in ("da", "en"):
        c = counts[(code, lang)]
        assert _prf(c)[2] >= 0.88, (code, lang, c)
        for k, v in c.items():
            total[k] += v
    assert _prf(total)[0] >= 0.95, (code, total)
