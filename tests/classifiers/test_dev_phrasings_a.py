"""Floors on the dev-a phrasings (dev_phrasings_a.yaml) for the time-and-place lexicons.

dev-a is a tuning set, not a held-out measure: a brainstorm of cues and decoys for ALWAYS_AVAILABLE, MOVEMENT,
LANGUAGE_BARRIER and YOUTH in da and en, plus sentences from probes of fresh phrasings and a battery of ordinary
ad sentences kept as decoys for all four codes (docs/reading.md, "Lexicon YAML"). The families in
``config/lexicons/*/indicators_*_time_place.yaml`` were written against it, so it guards them against regressions:
per-code F1 >= 0.95 (measured 0.987-0.996 at v1) and precision >= 0.98 (measured 1.000: no decoy fired).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bench.lexicon_heldout import load_items
from classifiers.reading import read_ad

# Not training data for the indicator model: it made the model read "Taler rumænsk." and "25 år ung" as cues.
DEV = Path(__file__).with_name("dev_phrasings_a.yaml")
HELDOUT = Path(__file__).with_name("heldout_phrasings.yaml")
CODES = {"ALWAYS_AVAILABLE", "MOVEMENT", "LANGUAGE_BARRIER", "YOUTH"}


def _items() -> list[dict]:
    return load_items(DEV)


def test_file_is_well_formed_and_not_copied() -> None:
    items = _items()
    assert all(set(it) == {"code", "lang", "text", "expected", "split"} and it["split"] == "dev-a" for it in items)
    assert {it["code"] for it in items} == CODES
    for code in CODES:  # the brainstorm: >= 20 cues and >= 10 decoys per code and language
        for lang in ("da", "en"):
            mine = [it["expected"] for it in items if it["code"] == code and it["lang"] == lang]
            assert mine.count("fire") >= 20 and mine.count("not") >= 10, (code, lang)
    held = {it["text"].strip().lower() for it in yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["items"]}
    assert not held & {it["text"].strip().lower() for it in items}  # never a held-out sentence


@pytest.fixture(scope="module")
def per_code(read_settings, resources) -> dict[str, dict[str, int]]:
    lexicons_only = dataclasses.replace(resources, model=None)  # the families this set was written for
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict(tp=0, fn=0, fp=0, tn=0))
    for it in _items():
        fired = it["code"] in read_ad("", it["text"], {}, settings=read_settings, resources=lexicons_only).codes
        want = it["expected"] == "fire"
        out[it["code"]][("tp" if fired else "fn") if want else ("fp" if fired else "tn")] += 1
    return out


@pytest.mark.parametrize("code", sorted(CODES))
def test_dev_a_floor(per_code, code) -> None:
    c = per_code[code]
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"])
    assert p >= 0.98 and 2 * p * r / (p + r) >= 0.95, (code, c)
