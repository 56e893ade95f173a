"""Corpus generation: determinism, scale, phones, texts and truth structure."""

from __future__ import annotations

import json
import time
from collections import Counter

import phonenumbers
import pytest

from crawler.demo_site import build_corpus, is_demo_number, phones
from crawler.demo_site.__main__ import main
from crawler.demo_site.texts import PriceSpec, age_expr, number_words, price_expr


def test_same_seed_same_truth() -> None:
    a = json.dumps(build_corpus(3, 300).truth(), sort_keys=True)
    b = json.dumps(build_corpus(3, 300).truth(), sort_keys=True)
    c = json.dumps(build_corpus(4, 300).truth(), sort_keys=True)
    assert a == b
    assert a != c


def test_ten_thousand_ads_build_fast() -> None:
    t0 = time.perf_counter()
    big = build_corpus(7, 10_000)
    elapsed = time.perf_counter() - t0
    print(f"10k-ad corpus built in {elapsed:.2f}s")
    assert len(big.ads) == 10_000
    assert len({(a.site, a.external_id) for a in big.ads}) == 10_000
    assert elapsed < 15


def test_pool_numbers_are_valid_and_recognised() -> None:
    numbers = list(phones.dk_pool()) + [n for cc in phones.foreign_codes() for n in phones.foreign_pool(cc)]
    for e164 in numbers:
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164)), e164
        assert is_demo_number(e164)
    assert not is_demo_number("+4520000000")


def test_corpus_phones_are_demo_numbers(corpus) -> None:
    styles = Counter()
    for rec in corpus.truth():
        for p in rec["phones"]:
            assert is_demo_number(p["e164"]), p
            styles[p["style"]] += 1
    assert set(styles) == set(phones.STYLES), set(phones.STYLES) - set(styles)
    assert any(not p["e164"].startswith("+45") for r in corpus.truth() for p in r["phones"])


def test_written_forms() -> None:
    assert number_words(22, "da") == "toogtyve"
    assert number_words(21, "da") == "enogtyve"
    assert number_words(22, "en") == "twenty-two"
    assert number_words(17, "da") == "sytten"
    forms = {age_expr(22, "en", i / 10) for i in range(10)}
    assert "I'm twenty-two" in forms and "22yo" in forms and "age: 22" in forms
    assert "2.000,- kr. pr. time" in {price_expr(PriceSpec("hour_dkk", 2000), "da", i / 8) for i in range(8)}
    assert PriceSpec("half_dkk", 800).dkk_per_hour == 1600
    assert PriceSpec("hour_eur", 200).dkk_per_hour == pytest.approx(1492.0)


def test_market_structure(corpus) -> None:
    truth = corpus.truth()
    langs = Counter(r["language"] for r in truth)
    assert 0.45 <= langs["da"] / len(truth) <= 0.65
    codes = Counter(c for r in truth for c in r["indicators"])
    for code in ("MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNDERAGE", "UNPROTECTED",
                 "ALWAYS_AVAILABLE", "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT"):
        assert codes[code] > 0, code
    assert sum(1 for r in truth if r["decoys"]) > 50
    # networks: one phone across several personas, photos reused across personas
    by_phone: dict[str, set[str]] = {}
    for r in truth:
        for p in r["phones"]:
            by_phone.setdefault(p["e164"], set()).add(r["persona_id"])
    assert sum(1 for v in by_phone.values() if len(v) >= 3) >= 3
    groups: dict[str, set[str]] = {}
    for r in truth:
        for ph in r["photos"]:
            if ph["kind"] == "photo":
                groups.setdefault(ph["group"], set()).add(r["persona_id"])
    assert any(len(v) > 1 for v in groups.values())
    assert {r["network_id"] for r in truth} - {None}
    assert any(r["age"] is not None and r["age"] < 18 for r in truth)
    assert any(r["handles"] for r in truth) and any(r["emails"] for r in truth)
    assert any(r["removed_at_night"] for r in truth) and any(r["first_night"] > 1 for r in truth)
    assert any(r["edited_at_nights"] for r in truth)
    assert all(r["price_dkk_per_hour"] is None or r["price_dkk_per_hour"] > 0 for r in truth)


def test_cli_writes_truth(tmp_path) -> None:
    out = tmp_path / "truth.json"
    assert main(["truth", "--ads", "120", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["n_ads"] == 120 and len(doc["ads"]) == 120 and doc["networks"]
