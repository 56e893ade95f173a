"""Generalisations made after scoring against unseen text: ids and handle suffixes are not phones, a
unit-looking token in a link does not fence a number, determiner negators have a short scope, and the
token-pattern prefilter returns what the full Matcher returns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifiers.nlp import build_nlp
from classifiers.phones import find_phones
from classifiers.reading import Resources, load_resources, read_ad
from config.settings import AppSettings


@pytest.mark.parametrize("text, want", [
    ("snapchat denisa_66 Annonce nr. 478580", []),
    ("TG @daria.59\nAnnonce nr. 985659", []),
    ("Ad no. 20123456 call 31 41 51 61", ["+4531415161"]),
    ("tlf. nr. 20 12 34 56", ["+4520123456"]),
    ("mia_22 20 12 34 56", ["+4520123456"]),
    ("Mit nummer 2 9 4 8 2 9 1 9 t.me/nikolett_38", ["+4529482919"]),
    ("Call 2 9 4 8 2 9 1 9 wa.me/x", ["+4529482919"]),
])
def test_ids_handles_and_links_around_numbers(text: str, want: list[str]) -> None:
    assert [h.e164 for h in find_phones(text, region="DK")] == want


@pytest.mark.parametrize("text, code, fires", [
    ("No limits First time in Denmark", "MOVEMENT", True),
    ("sms only, no calls Just arrived in Aarhus", "MOVEMENT", True),
    ("Ingen grænser ny pige i byen", "MOVEMENT", True),
    ("No new girls here, I work alone", "MULTIPLE_PERSONS", False),
    ("I am not new in town", "MOVEMENT", False),
    ("Ikke ny i byen, jeg bor her", "MOVEMENT", False),
    ("NEW IN HORSENS this week", "MOVEMENT", True),
    ("NY I VALBY", "MOVEMENT", True),
    ("Our driver brings her to your hotel", "THIRD_PARTY", True),
    ("Vores chauffør kører hende ud", "THIRD_PARTY", True),
    ("naturlig service uden – ring", "UNPROTECTED", True),
    ("Massage uden tidspres", "UNPROTECTED", False),
])
def test_scope_word_order_and_euphemisms(text: str, code: str, fires: bool, read_settings: AppSettings,
                                         resources: Resources) -> None:
    assert (code in read_ad("", text, {}, settings=read_settings, resources=resources).codes) == fires


def test_prefiltered_token_patterns_equal_full_matcher(resources: Resources) -> None:
    texts = ["Only 3 days in Odense, she is waiting", "kun 2 dage her, hun venter", "3 girls available, 5 piger",
             "Lige fyldt 18 og barely 18", "without a condom, uden kondom", "We have new young girls",
             "nothing to see here " * 30]
    for lang in ("da", "en", "xx"):
        reader = build_nlp(lang, resources.lexicons)
        for t in texts:
            doc = reader.nlp.make_doc(t)
            assert sorted(reader.token_matches(doc)) == sorted(reader.matcher(doc)), (lang, t)


def test_trigger_gates_keep_every_form() -> None:
    """The cheap trigger checks (normalize.Lowered) only skip regexes that cannot match."""
    import re

    from classifiers.facts import _PERSON, _PERSON_WORDS, find_ages, find_nationality, find_spoken
    from classifiers.normalize import lowered
    from classifiers.prices import find_prices

    assert all(re.fullmatch(_PERSON, w) for w in _PERSON_WORDS)
    for text, age in [("26-årig pige", 26), ("22yo", 22), ("Age:23", 23), ("I'm 24", 24), ("Just turned 19", 19),
                      ("toogtyve år", 22), ("19 y.o.", 19), ("AGE 31", 31)]:
        assert [m.value for m in find_ages(text, source="", bounds=(12, 75), key=lowered(text))][:1] == [age], text
    for text, code in [("Nationality:Romanian", "RO"), ("Sexy rumænske piger", "RO"), ("I'm Thai", "TH"),
                       ("Romanian brunettte", "RO"), ("I come from Romania", "RO")]:
        assert [m.value for m in find_nationality(text, "", None, lowered(text))][:1] == [code], text
    assert find_spoken("ENGLISH-SPEAKING, Jeg taler dansk", None, lowered("ENGLISH-SPEAKING, Jeg taler dansk")) \
        == ["da", "en"]
    text = "1 time 1200 KR"
    assert find_prices(text, rates={"DKK": 1.0}, night_hours=8, key=lowered(text))[0].amount == 1200
    assert not lowered("İstanbul").exact  # lower() and re.IGNORECASE disagree here: never skip


def test_prefiltered_token_patterns_on_more_texts(resources: Resources) -> None:
    texts = ["She is new, she waiting", "manager answers the phone", "Many young girls and 2 ladies",
             "new in Copenhagen, NEW IN TOWN", "vi har to søde piger", "hun er ny og ung", "18 years young",
             "kun 3 nætter", "3 dage kun", "i 2 dage", "uden kondom, service uden."]
    for lang in ("da", "en", "xx"):
        reader = build_nlp(lang, resources.lexicons)
        for t in texts:
            doc = reader.nlp.make_doc(t)
            assert sorted(reader.token_matches(doc)) == sorted(reader.matcher(doc)), (lang, t)


def _pattern_words(resources: Resources) -> list[str]:
    """Every literal word of every lexicon token pattern, plus numbers, case variants and separators."""
    words: set[str] = set()
    for lexicon in resources.lexicons.lexicons:
        for ind in lexicon.indicators:
            for pattern in ind.patterns:
                for tok in pattern:
                    for attr in ("LOWER", "NORM", "ORTH", "TEXT"):
                        val = tok.get(attr)
                        if isinstance(val, str):
                            words.add(val)
                        elif isinstance(val, dict):
                            words.update(str(x) for x in val.get("IN", []))
    base = sorted(words)
    return base + [w.title() for w in base[:40]] + [w.upper() for w in base[:40]] + [
        "3", "18", "three", "ODENSE", "Odense", "x", ",", ".", "!", "-", "\n", "  ", "kondom", "girls", "ab",
        "2-3", "10-12", "3–4"]


def test_compiled_token_patterns_equal_matcher_on_generated_docs(resources: Resources) -> None:
    """Patterns run without the Matcher (nlp.compile_pattern) give the Matcher's (key, start, end) set."""
    import random

    words = _pattern_words(resources)
    rng = random.Random(11)
    for lang in ("da", "en", "xx"):
        reader = build_nlp(lang, resources.lexicons)
        assert any(c is not None for c in reader.compiled)
        for _ in range(700):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 14)))
            doc = reader.nlp.make_doc(text)
            assert sorted(reader.token_matches(doc)) == sorted(reader.matcher(doc)), (lang, text)


def test_compile_pattern_leaves_unknown_features_to_the_matcher() -> None:
    import spacy

    from classifiers.nlp import compile_pattern

    strings = spacy.blank("en").vocab.strings
    assert compile_pattern([{"LOWER": "new"}, {"IS_TITLE": True, "OP": "?"}, {"LENGTH": {">=": 3}}], strings)
    for pattern in ([{"LOWER": "new"}, {"LOWER": {"REGEX": "^to"}}], [{"LOWER": "new"}, {"IS_ALPHA": True, "OP": "+"}],
                    [{"LOWER": "new"}, {"POS": "NOUN"}], [{"LOWER": "new", "OP": "?"}], [{"_": {"x": 1}}]):
        assert compile_pattern(pattern, strings) is None, pattern


def test_find_indicators_with_text_equals_without(resources: Resources) -> None:
    from classifiers.indicators import find_indicators

    reader = build_nlp("en", resources.lexicons)
    for text in ("Not new in town, but we have new girls", "Only 3 days in Odense! no condom", "NEW IN AALBORG"):
        doc = reader.nlp.make_doc(text)
        assert find_indicators(doc, reader, text) == find_indicators(doc, reader)


@pytest.mark.parametrize(("text", "youth"), [
    ("Very young and fresh, 19 years old", True),
    ("Youthful and very young at 45 years old", False),
    ("Meget ung og frisk pige, 22 år", True),
    ("Ungdommelig og meget ung, 38 år", False),
])
def test_youth_wording_is_dropped_when_the_ad_states_a_grown_age(text: str, youth: bool, read_settings: AppSettings,
                                                                 resources: Resources) -> None:
    """YOUTH is about a minor hidden behind "young" wording; a stated 30+ makes it marketing (reading.yaml)."""
    reading = read_ad("", text, {}, settings=read_settings, resources=resources)
    assert reading.age is not None
    assert ("YOUTH" in reading.codes) is youth


def test_youth_age_limit_comes_from_reading_yaml(tmp_path: Path, read_settings: AppSettings) -> None:
    shutil.copytree(read_settings.config_dir, tmp_path / "config")
    path = tmp_path / "config" / "reading.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("youth_max_stated_age: 30", "youth_max_stated_age: 50"),
                    encoding="utf-8")
    settings = read_settings.model_copy(update={"config_dir": tmp_path / "config"})
    reading = read_ad("", "Youthful and very young at 45 years old", {}, settings=settings,
                      resources=load_resources(settings))
    assert "YOUTH" in reading.codes
