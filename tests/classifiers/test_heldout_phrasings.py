"""Floors on the phrasing rounds (docs/reading.md, "Held-out phrasings" and "Indicator model").

Each item is scored for its own code only (fire -> TP/FN, not -> FP/TN), as ``bench/lexicon_heldout.py`` does,
through ``read_ad`` (lexicons and the indicator model together).
Why these floors:
- rounds r1-r6 and r8 were each scored once while unseen, then used: the lexicons were tuned on r1-r4 (and r8's
  misses, session 6) and the indicator model learns from r1-r6 and r8 (config/training/indicator_sentences.yaml;
  r8, 252 items by a session-6 blind author writing as many different writers, scored 0.925 unseen). They pass
  nearly in full (F1 >= 0.97 per code); F1 >= 0.95 per code lets one item in ~40 slip while catching any real
  regression;
- r7 (210 items: 10 cues + 5 decoys per code and language, written in session 5 by an author who never saw the
  lexicons, the code or the earlier rounds, as a chatty, mobile-typed, often non-native writer) is kept held
  out: nobody tunes a lexicon or trains the model on it, and its sentences are not shown to whoever does (only
  its scores). Its history: 0.891 (session-5 start: all lexicons + the model trained on r1-r4), 0.895 (model
  also trained on r5 and r6, threshold 0.85), 0.908 (nationality words read as <nat>, session-5 lexicon families;
  lowest code MULTIPLE_PERSONS 0.778), 0.917 in session 6 (questions answered no, "used to" / "tidligere" as
  negators, session-6 lexicon families), 0.909 once the model also learnt r8. The floor sits a little
  below: lowest code F1 >= 0.73, macro-F1 >= 0.88.
  (r5, the previous held-out round, went 0.597 -> 0.859 over session 4 before it joined the training data; r6,
  written with r7, scored 0.970 unseen.);
- decoys matter as much as cues (indicators.md): precision >= 0.90 per code over all rounds.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bench.lexicon_heldout import load_items
from classifiers.reading import read_ad

HELDOUT = Path(__file__).with_name("heldout_phrasings.yaml")  # r7 (held out); r1-r6 are in config/training
CODES = {"MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNPROTECTED", "ALWAYS_AVAILABLE",
         "LANGUAGE_BARRIER"}


def _prf(c: dict[str, int]) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@pytest.fixture(scope="module")
def scored(read_settings, resources) -> list[tuple[dict, bool]]:
    items = load_items()
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
    held = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["items"]
    assert {it["split"] for it in held} <= {"r1", "r7"} and all(it["split"] == "r7" or it["code"] == "UNDERAGE"
                                                                  for it in held)  # r1-r6 moved to training
    items = load_items()
    assert all(set(it) == {"code", "lang", "text", "expected", "split"} for it in items)
    assert {it["expected"] for it in items} == {"fire", "not"} and {it["lang"] for it in items} == {"da", "en"}
    for code in CODES:  # r1: >= 12 cues and >= 8 decoys per code and language
        for lang in ("da", "en"):
            r1 = [it for it in items if it["split"] == "r1" and it["code"] == code and it["lang"] == lang]
            assert sum(it["expected"] == "fire" for it in r1) >= 12 and sum(it["expected"] == "not" for it in r1) >= 8
            for split, cues, size in (("r4", 7, 11), ("r5", 7, 11), ("r6", 10, 15), ("r7", 10, 15), ("r8", 12, 18)):
                rn = [it for it in items if it["split"] == split and it["code"] == code and it["lang"] == lang]
                assert [it["expected"] for it in rn].count("fire") == cues and len(rn) == size, (split, code, lang)


def test_used_rounds_stay_fixed(scored) -> None:
    for code, c in _per_code(scored, {"r1", "r2", "r3", "r4", "r5", "r6", "r8"}).items():
        assert _prf(c)[2] >= 0.95, (code, c)


def test_held_out_round_does_not_regress(scored) -> None:
    per = {code: _prf(c)[2] for code, c in _per_code(scored, {"r7"}).items()}
    assert set(per) == CODES, per  # every code has cues and decoys in r7
    assert min(per.values()) >= 0.73, per
    assert sum(per.values()) / len(per) >= 0.88, per


def test_all_rounds_precision(scored) -> None:
    for code, c in _per_code(scored).items():
        assert _prf(c)[0] >= 0.90, (code, c)
