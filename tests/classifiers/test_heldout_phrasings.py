"""Floors on the held-out phrasings (heldout_phrasings.yaml; docs/reading.md, "Held-out phrasings").

Each item is scored for its own code only (fire -> TP/FN, not -> FP/TN), as ``bench/lexicon_heldout.py`` does.
Why these floors:
- rounds r1 and r2 were used to improve the lexicons (v3, v4), so they now pass in full; F1 >= 0.95 per code
  lets one item in ~40 slip while catching any real regression on phrasings we already know;
- over r1-r3 (the rounds written by the lexicon author) every code keeps precision >= 0.95 and F1 >= 0.85, the
  judged target for the unseen site (measured at v4: lowest precision 0.978, lowest F1 0.926);
- rounds r3, r4 and r5 were never tuned on. Each has its own honest floor a little below what it measured at v4,
  so a change that loses unseen phrasings fails here (lowest per-code F1 / macro-F1 over the 7 codes):
    r3 (112 items, written after v4 by the lexicon author):      measured 0.533 / 0.653, floor 0.50 / 0.62;
    r4 (154 items, written after v4 by an independent author):   measured 0.211 / 0.528, floor 0.18 / 0.50;
    r5 (154 items, same independent author, kept held out):      measured 0.444 / 0.597, floor 0.40 / 0.57.
  r4 may be used for tuning: when it is, move it to the tuned group (F1 >= 0.95) and score r5 once to see what
  the tuning was worth. Never tune on r5 (its sentences are not shown to the rule author, only its scores);
  raise r5's floor only from its scores;
- r4 IS NOW A TUNED ROUND for ALWAYS_AVAILABLE, MOVEMENT, LANGUAGE_BARRIER and YOUTH (the time-and-place lexicons,
  config/lexicons/*/indicators_*_time_place.yaml, v1): those four codes keep F1 >= 0.95 on r4 (measured 1.000), and
  r4's macro-F1 floor moves to 0.75 (measured 0.775; the other three codes are untuned there), so r4 no longer
  says anything about unseen wording for those four codes: r5 does. r5 scored once after that work (scores
  only): macro-F1 0.704 (lowest code 0.600), so its floor moves from 0.40 / 0.57 to 0.55 / 0.68;
- decoys matter as much as cues (indicators.md): precision >= 0.90 per code over all rounds (lowest measured at
  v4: 0.935, with r4's and r5's new decoys: "formerly at an agency, now independent", "no, grown woman of 34").
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from classifiers.reading import read_ad

HELDOUT = Path(__file__).with_name("heldout_phrasings.yaml")
CODES = {"MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNPROTECTED", "ALWAYS_AVAILABLE",
         "LANGUAGE_BARRIER"}


def _prf(c: dict[str, int]) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@pytest.fixture(scope="module")
def scored(read_settings, resources) -> list[tuple[dict, bool]]:
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["items"]
    return [(it, it["code"] in read_ad("", it["text"], {}, settings=read_settings, resources=resources).codes)
            for it in items]


def _per_code(scored: list[tuple[dict, bool]], splits: set[str] | None = None) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict(tp=0, fn=0, fp=0, tn=0))
    for it, fired in scored:
        if splits is None or it["split"] in splits:
            want = it["expected"] == "fire"
            out[it["code"]][("tp" if fired else "fn") if want else ("fp" if fired else "tn")] += 1
    return out


def test_file_is_well_formed() -> None:
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["items"]
    assert all(set(it) == {"code", "lang", "text", "expected", "split"} for it in items)
    assert {it["expected"] for it in items} == {"fire", "not"} and {it["lang"] for it in items} == {"da", "en"}
    for code in CODES:  # r1: >= 12 cues and >= 8 decoys per code and language
        for lang in ("da", "en"):
            r1 = [it for it in items if it["split"] == "r1" and it["code"] == code and it["lang"] == lang]
            assert sum(it["expected"] == "fire" for it in r1) >= 12 and sum(it["expected"] == "not" for it in r1) >= 8
            for split in ("r4", "r5"):  # the independent author's rounds: 7 cues and 4 decoys each
                rn = [it for it in items if it["split"] == split and it["code"] == code and it["lang"] == lang]
                assert [it["expected"] for it in rn].count("fire") == 7 and len(rn) == 11, (split, code, lang)


def test_tuned_rounds_stay_fixed(scored) -> None:
    for code, c in _per_code(scored, {"r1", "r2"}).items():
        assert _prf(c)[2] >= 0.95, (code, c)


UNTUNED_FLOORS = {"r3": (0.50, 0.62), "r4": (0.18, 0.75), "r5": (0.55, 0.68)}  # (lowest code F1, macro-F1)
R4_TUNED_CODES = {"ALWAYS_AVAILABLE", "MOVEMENT", "LANGUAGE_BARRIER", "YOUTH"}  # tuned on r4 (time_place lexicons)


def test_r4_tuned_codes_stay_fixed(scored) -> None:
    for code, c in _per_code(scored, {"r4"}).items():
        if code in R4_TUNED_CODES:
            assert _prf(c)[2] >= 0.95, (code, c)


@pytest.mark.parametrize("split", sorted(UNTUNED_FLOORS))
def test_untuned_round_does_not_regress(scored, split) -> None:
    per = {code: _prf(c)[2] for code, c in _per_code(scored, {split}).items()}
    assert set(per) == CODES, per  # every code has cues and decoys in each untuned round
    low, macro = UNTUNED_FLOORS[split]
    assert min(per.values()) >= low, per
    assert sum(per.values()) / len(per) >= macro, per


def test_author_rounds_precision_and_f1(scored) -> None:
    for code, c in _per_code(scored, {"r1", "r2", "r3"}).items():
        p, _, f = _prf(c)
        assert p >= 0.95 and f >= 0.85, (code, c)


def test_all_rounds_precision(scored) -> None:
    for code, c in _per_code(scored).items():
        assert _prf(c)[0] >= 0.90, (code, c)
