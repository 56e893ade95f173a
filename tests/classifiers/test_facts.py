"""Age, city, price, languages and nationality readers on varied phrasings in Danish and English."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.facts import find_ages, find_nationality, find_spoken, parse_age_field
from classifiers.normalize import token_digits, words_to_int
from classifiers.prices import choose_price, find_prices
from classifiers.reading import read_ad

B = (12, 75)


@pytest.mark.parametrize(("text", "age"), [
    ("Hej, jeg er 22 år og ny i byen", 22), ("age: 24", 24), ("Age 31, sweet", 31), ("23yo brunette", 23),
    ("I'm twenty-two and sweet", 22), ("toogtyve år gammel", 22), ("I am 27 years old", 27),
    ("Alder: 19", 19), ("26-årig pige", 26), ("Sofia (25) ny i byen", 25), ("Young at heart, 35", 35),
    ("jeg er atten år", 18), ("Nineteen years old", 19), ("Mia, 29, Vesterbro", 29),
])
def test_age_forms(text: str, age: int) -> None:
    found = find_ages(text, source="text", bounds=B)
    assert found and found[0].value == age


@pytest.mark.parametrize("text", [
    "Been working for 15 years", "jeg har boet her i 10 år", "All models 18+", "Over 18 only",
    "1500 kr, 170 cm", "open 10-22", "Room 23, floor 4",
])
def test_no_false_age(text: str) -> None:
    assert [m for m in find_ages(text, source="text", bounds=B) if m.strong] == []


@settings(max_examples=120, deadline=None)
@given(st.integers(18, 69), st.sampled_from(["{} år", "age: {}", "{}yo", "I'm {}", "Jeg er {} år gammel",
                                             "Alder {}", "{} years old", "{}-årig"]))
def test_property_age_forms(age: int, form: str) -> None:
    found = find_ages("Sød pige. " + form.format(age) + ". Ring 20 12 34 56", source="text", bounds=B)
    assert found and found[0].value == age


def test_age_field() -> None:
    assert parse_age_field("22 år", B) == 22
    assert parse_age_field("twenty", B) == 20
    assert parse_age_field("n/a", B) is None


@pytest.mark.parametrize(("words", "n"), [(["twenty", "two"], 22), (["toogtyve"], 22), (["atten"], 18),
                                          (["nitten"], 19), (["thirty"], 30), (["fire", "og", "tyve"], 24)])
def test_words_to_int(words: list[str], n: int) -> None:
    assert words_to_int(words) == n


def test_token_digits() -> None:
    assert token_digits("2sixseven") == ("267", True)
    assert token_digits("one9zerofor") == ("1904", True)
    assert token_digits("2O") == ("20", True)
    assert token_digits("lo") is None and token_digits("I") is None and token_digits("hello") is None


@pytest.mark.parametrize(("text", "city", "area"), [
    ("Ny i København, ring nu", "København", None), ("Sweet girl in Copenhagen", "København", None),
    ("Diskret lejlighed på Vesterbro", "Vesterbro", "København"), ("Besøg mig i Aarhus C", "Aarhus", None),
    ("New in Århus", "Aarhus", None), ("Koebenhavn K, privat", "København", None), ("Kbh Ø", "Østerbro", "København"),
    ("Odense, 5000", "Odense", None),
])
def test_city(text: str, city: str, area: str | None, read_settings, resources) -> None:
    r = read_ad("", text, {}, settings=read_settings, resources=resources)
    assert (r.city, r.area) == (city, area)


def test_city_field_wins(read_settings, resources) -> None:
    r = read_ad("", "Tomorrow in Aarhus", {"city": "Aalborg"}, settings=read_settings, resources=resources)
    assert r.city == "Aalborg"


RATES = {"DKK": 1.0, "EUR": 7.46, "SEK": 0.68, "NOK": 0.66}


@pytest.mark.parametrize(("text", "per_hour"), [
    ("30 min: 800 kr, 1 time: 1500 kr", 1500), ("½ time 700,-", 1400), ("150 EUR per hour", 1119),
    ("Hele natten 8000 kr", 1000), ("1.200 kr/t", 1200), ("2000 SEK / time", 1360),
])
def test_prices(text: str, per_hour: float) -> None:
    hit = choose_price(find_prices(text, rates=RATES, night_hours=8), (100, 20000))
    assert hit is not None and abs(hit.dkk_per_hour - per_hour) < 1


def test_spoken_and_nationality() -> None:
    assert find_spoken("I speak English, Romanian and a little Danish") == ["en", "ro", "da"]
    assert find_spoken("Jeg taler dansk og engelsk") == ["da", "en"]
    assert find_spoken("No English") == []
    assert find_nationality("Sweet Romanian girl", "text")[0].value == "RO"
    assert find_nationality("Jeg kommer fra Thailand", "text")[0].value == "TH"
    assert find_nationality("Spansk pige, ny i byen", "text")[0].value == "ES"
    assert find_nationality("English speaking girl", "text") == []
