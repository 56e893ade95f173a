"""Whole held-out ads through ``read_ad``, scored as the export would carry them (bench/heldout_ads.py).

tests/classifiers/heldout_ads.yaml: 160 ads (65 Danish, 65 English, 30 mixed or non-native) by an author who never
saw the code, the lexicons, the training data, the demo site or the other ad set; kept held out (only its scores
are read by whoever changes the reader). Its history (phones F1 / indicator macro-F1 / age / city):
session-5 start 0.978 / 0.882 / 0.935 / 0.923; after phone-shaped numbers outside the library's allocated ranges,
third-person and "Name NN" ages, ~80 more towns in the gazetteer, session-5 lexicon families and <nat> in the
indicator model: 0.994 / 0.886 / 0.964 / 0.987; after session 6 (size/year/post-code fences, bare tens words,
ages named by a noun, rosters of ages, lexicon families found on dev sets C and D, r8): 0.994 / 0.902 / 0.971 / 0.987.
tests/classifiers/dev_ads_a.yaml (160 ads by another blind author) was scored once while unseen (0.964 / 0.933 /
0.928 / 0.994) and has since been read to find what the reader missed (now 0.994 / 0.961 / 1.000 / 0.994): it is a
development set now. Sets C and D (session 6, two more blind authors; dev_ads_c.yaml, dev_ads_d.yaml) were
scored once unseen (C 0.981 / 0.901 / 0.939 / 0.994, D 0.997 / 0.919 / 0.967 / 0.975) and are development sets too.
tests/classifiers/heldout_ads_e.yaml (session 6, a fifth blind author) is held out like B: first scored with the
session-6 reader at 0.985 / 0.954 / 0.990 / 0.988. Set G (session 7, dev_ads_g.yaml, a sixth blind author) was scored
once unseen (0.984 / 0.895 / 0.979 / 0.994) and is a development set, as is set H (a seventh author; unseen, after
the G work: 0.988 / 0.845 / 0.912 / 0.955). B after session 7: 0.994 / 0.916 / 0.971 / 0.987.
The floors sit a little below the held-out scores; the issue's goals are phones >= 0.99, indicators >= 0.85
rising to 0.90, age and city >= 0.95.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.heldout_ads import HELDOUT_ADS, load_ads, score
from classifiers.evaluation import EvalReport

DEV_ADS = Path(__file__).with_name("dev_ads_a.yaml")
DEV_ADS_CD = [Path(__file__).with_name(f"dev_ads_{x}.yaml") for x in "cdgh"]
HELDOUT_E = Path(__file__).with_name("heldout_ads_e.yaml")


@pytest.fixture(scope="module")
def held(read_settings) -> EvalReport:
    return score(load_ads(HELDOUT_ADS), read_settings)


def test_files_are_well_formed() -> None:
    for path in (HELDOUT_ADS, DEV_ADS, *DEV_ADS_CD, HELDOUT_E):
        ads = load_ads(path)
        assert len(ads) == 160 and len({a["id"] for a in ads}) == 160
        assert all(set(a) >= {"id", "lang", "title", "text", "phones", "age", "city", "codes"} for a in ads)
        assert all(p.startswith("+") and p[1:].isdigit() for a in ads for p in a["phones"])


def test_held_out_ads_phones_age_city(held: EvalReport) -> None:
    assert held.phones.precision >= 0.99 and held.phones.f1 >= 0.985, held.phones
    assert held.age_accuracy >= 0.95, (held.age_correct, held.age_total)
    assert held.city_accuracy >= 0.97, (held.city_correct, held.city_total)


def test_held_out_ads_indicators(held: EvalReport) -> None:
    assert held.macro_f1 >= 0.89, {c: round(p.f1, 3) for c, p in held.indicators.items()}


def test_dev_ads_stay_read(read_settings) -> None:
    rep = score(load_ads(DEV_ADS), read_settings)
    assert rep.phones.f1 >= 0.99 and rep.age_accuracy >= 0.98 and rep.city_accuracy >= 0.98, rep
    assert rep.macro_f1 >= 0.94, {c: round(p.f1, 3) for c, p in rep.indicators.items()}


# (file, min macro-F1, min age accuracy): H is the newest and least read of the development sets
LATER_FLOORS = {"dev_ads_c": (0.92, 0.96), "dev_ads_d": (0.92, 0.96), "dev_ads_g": (0.93, 0.96),
                "dev_ads_h": (0.89, 0.95)}


@pytest.mark.parametrize("path", DEV_ADS_CD, ids=lambda p: p.stem)
def test_later_dev_ads_stay_read(read_settings, path: Path) -> None:
    min_macro, min_age = LATER_FLOORS[path.stem]
    rep = score(load_ads(path), read_settings)
    assert rep.phones.f1 >= 0.985 and rep.age_accuracy >= min_age and rep.city_accuracy >= 0.97, rep
    assert rep.macro_f1 >= min_macro, {c: round(p.f1, 3) for c, p in rep.indicators.items()}


def test_held_out_set_e(read_settings) -> None:
    rep = score(load_ads(HELDOUT_E), read_settings)
    assert rep.phones.precision >= 0.99 and rep.phones.f1 >= 0.975, rep.phones
    assert rep.age_accuracy >= 0.97 and rep.city_accuracy >= 0.97, rep
    assert rep.macro_f1 >= 0.92, {c: round(p.f1, 3) for c, p in rep.indicators.items()}
