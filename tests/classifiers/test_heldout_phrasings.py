"""Floors on the held-out phrasings (heldout_phrasings.yaml; docs/reading.md, "Held-out phrasings").

Each item is scored for its own code only (fire -> TP/FN, not -> FP/TN), as ``bench/lexicon_heldout.py`` does.
Why these floors:
- rounds r1 and r2 were used to improve the lexicons (v3, v4), so they now pass in full; F1 >= 0.95 per code
  lets one item in ~40 slip while catching any real regression on phrasings we already know;
- round r3 was written after v4 and never tuned on: it is the honest estimate (macro-F1 0.653 at v4, lowest
  code 0.53). Its floor sits a little below that, so a change that loses unseen phrasings fails here; raise it
  when r3 improves, but write a new round before tuning on r3 (or it stops being held out);
- decoys matter as much as cues (indicators.md): precision >= 0.95 per code over all rounds;
- over all rounds every code keeps F1 >= 0.85, the judged target for the unseen site.
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


def test_tuned_rounds_stay_fixed(scored) -> None:
    for code, c in _per_code(scored, {"r1", "r2"}).items():
        assert _prf(c)[2] >= 0.95, (code, c)


def test_untuned_round_does_not_regress(scored) -> None:
    per = {code: _prf(c)[2] for code, c in _per_code(scored, {"r3"}).items()}
    assert min(per.values()) >= 0.5, per
    assert sum(per.values()) / len(per) >= 0.62, per


def test_all_rounds_precision_and_f1(scored) -> None:
    for code, c in _per_code(scored).items():
        p, _, f = _prf(c)
        assert p >= 0.95 and f >= 0.85, (code, c)
