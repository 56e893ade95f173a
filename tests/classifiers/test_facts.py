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
    # found on blind-written ads: someone else's age, "Name NN", an emoji or "only" after the number
    ("Victoria is 24, from Latvia", 24), ("She is 30 and speaks only Vietnamese", 30), ("Hun er 19 og sød", 19),
    ("Sweet Mei 21 – Nørrebro", 21), ("Hello skat, jeg er Andreea 23.", 23), ("Sofia 22 from Moldova", 22),
    ("julia 24\nno english", 24), ("Ruby here, 30 🙂", 30), ("Lucy, 18 only, very young", 18),
    # session 6: the age of the one person named by a noun for her, "nyfyldt"
    ("Vi har en ung pige på 19 i Frederikshavn", 19), ("A girl of 22 from Riga", 22), ("Lady (45) i Vejle", 45),
    # session 7: a self-introduction, "lige blevet", a bare "y", CJK years, a name in a line of capitals
    ("Jeg hedder Birgit og er 47.", 47), ("hej jeg hedder sanne er 36 bor i vejle", 36), ("girl 19 y from Odense", 19),
    ("min søster er lige blevet 18", 18), ("新来 24岁 Kina pige", 24), ("SEXY BRUNETTE MONICA 29 IN HERNING", 29),
    ("I have a young girl, 16, new and shy", 16), ("jeg er nyfyldt 18", 18),
])
def test_age_forms(text: str, age: int) -> None:
    found = find_ages(text, source="text", bounds=B)
    assert found and found[0].value == age


@pytest.mark.parametrize("text", [
    "Been working for 15 years", "jeg har boet her i 10 år", "All models 18+", "Over 18 only",
    "1500 kr, 170 cm", "open 10-22", "Room 23, floor 4",
    # a number with a unit after "only"/"kun"/"I am" is a distance, duration or count (found on held-out text)
    "Kun 17 km fra Aarhus", "only 17 km from Odense", "I am 15 minutes from the station", "kun 16 min fra byen",
    "only 12 days left", "jeg er her kun 14 dage", "only 17 € extra", "I'm 16 meters from the beach",
    "She is 15 minutes away", "Hun er 10 min fra stationen", "Klokken er 22 nu", "It is 22:00",
    "pige på 160 cm", "pige på 2. sal", "Girl, 1500 kr", "lady of 55 kg",
    # session 7: how long, not how old
    "Jeg har bo i Danmark 12 år, snakke dansk", "har boet i Horsens 14 år", "I have lived in Odense 16 years",
])
def test_no_false_age(text: str) -> None:
    assert [m for m in find_ages(text, source="text", bounds=B) if m.strong] == []


@pytest.mark.parametrize("text", ["str. 38, 40, 42, 44", "Åben 10-22, alle dage", "BH 75, 80, 85"])
def test_a_number_in_a_list_of_numbers_is_no_weak_age(text: str) -> None:
    """", 40," after another number is an item of a size list or a range, not "Anna, 24,"."""
    assert find_ages(text, source="text", bounds=B) == []


@pytest.mark.parametrize("title", ["Anna 17 km fra Aarhus", "Mia 15 min fra Odense", "Istedgade 45, 2. sal",
                                   "Size 38, weight 55 kg", "Vejle 24 timer", "Hotel 25 min", "Husk 24 timers afbud",
                                   "Odense until 18.3, then Vejle 19–21.3"])
def test_title_number_with_a_unit_is_no_weak_age(title: str) -> None:
    assert [m.value for m in find_ages(title, source="title", bounds=B)] == []


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


# ---------------------------------------------------------------- positional regex runs equal plain finditer
# Ages, nationality, spoken languages, prices and places try their regexes only where a match can start
# (normalize.finditer_at). These tests compare with the plain scans on generated texts and a demo market.
_POS_VOCAB = ["22", "5", "19", "år", "-", "årig", "aar", "yo", "y.o.", "y/o", "yrs.", "years", "jaar", "age",
              "Age:", "alder", "I'm", "i", "am", "im", "jeg er", "kun", "only", "just turned", "turned", "lige fyldt",
              "knap", "barely", "twenty", "two", "toogtyve", "to og tyve", "twenty-two", "experience", "siden",
              "Nationality:", "origin", "from", "fra", "born in", "kommer fra", "Romanian", "rumænsk", "rumænske",
              "Thai", "Romania", "pige", "girl", "sweet", "speak", "speaking", "Languages:", "taler", "English",
              "dansk", "500", "1.500", "1 500", "2'000", "1500,-", ",-", "kr", "KR.", "DKK", "€", "EUR", "$", "£",
              "time", "København", "Kbh", "Ø", "Vesterbro", "Aarhus", "C", "St.", "ÅR", "İ", "x", "\n", ",", ".",
              " - ", "|", ")", "!", "½", "30 min", "1 time", "/h", "per hour", "Timer", "nat", "I AM", "i'm",
              "mia.dk", "at", " AT ", "(at)", "snabel-a", "@", "gmail", "dot", "com", "%",
              "Snap", "snapchat:", "of", "OF", "👻", "telegram", "TG", "@anna_22", "id:", "line", "Anna", "julia",
              "Istedgade", "Størrelse", "Mei", "Andreea", "Abcdefghijklmnop", "x2Anna", "42", "45", "07",
              "is", "er", "she", "Hun", "Victoria", "klokken", "prisen", "\t", "sixty", "Twenty", "eight", "thirty",
              "4", "ſixty", "ninety-one", "FORTY", "fourty", "seventy"]


def _positional_equal(text: str) -> None:
    from classifiers.contacts import _EMAIL, _LABEL_RE, _email_starts, _label_matches
    from classifiers.facts import (
        _AGE_NOUN,
        _AGE_STRONG,
        _AGE_THIRD,
        _AGE_WEAK,
        _SPEAK_RE,
        _SPEAK_TRIGGERS,
        _age_noun_matches,
        _age_starts,
        _name_age_starts,
        _nat_starts,
        _third_starts,
        load_gazetteer,
        load_people,
    )
    from classifiers.normalize import finditer_at, lowered
    from classifiers.phones import _EN_TENS_PAIR, _tens_pairs
    from classifiers.prices import _DURATIONS, _DURATIONS_LOW, _MONEY, _money_starts
    from config.settings import AppSettings

    spans = lambda ms: [m.span() for m in ms]  # noqa: E731
    assert spans(finditer_at(_AGE_WEAK[3], text, _name_age_starts(text))) == spans(_AGE_WEAK[3].finditer(text)), text
    assert spans(finditer_at(_AGE_THIRD, text, _third_starts(text))) == spans(_AGE_THIRD.finditer(text)), text
    assert spans(_tens_pairs(text)) == spans(_EN_TENS_PAIR.finditer(text)), text
    key = lowered(text)
    if not key.exact:  # such texts always take the plain scans
        return
    for k, rx in enumerate(_AGE_STRONG):
        assert spans(finditer_at(rx, text, _age_starts(k, key))) == spans(rx.finditer(text)), (k, text)
    assert spans(_age_noun_matches(text, key)) == spans(_AGE_NOUN.finditer(text)), text
    for (rx, _), rx_low in zip(_DURATIONS, _DURATIONS_LOW, strict=True):  # prices._duration on key.low
        assert spans(rx_low.finditer(key.low)) == spans(rx.finditer(text)), (rx.pattern, text)
    people = load_people()
    for k, rx in enumerate(people.nat_patterns):
        assert spans(finditer_at(rx, text, _nat_starts(k, people, key))) == spans(rx.finditer(text)), (k, text)
    assert spans(finditer_at(_SPEAK_RE, text, key.positions(_SPEAK_TRIGGERS))) == spans(_SPEAK_RE.finditer(text))
    assert spans(finditer_at(_MONEY, text, _money_starts(key))) == spans(_MONEY.finditer(text)), text
    assert spans(finditer_at(_EMAIL, text, _email_starts(text, key.low))) == spans(_EMAIL.finditer(text)), text
    assert spans(_label_matches(text, key)) == spans(_LABEL_RE.finditer(text)), text
    gaz = load_gazetteer(AppSettings(env="test").config_dir / "gazetteer" / "dk.yaml")
    plain = [(m.value, m.start, m.end) for m in gaz.find(text, "")]
    assert [(m.value, m.start, m.end) for m in gaz.find(text, "", key)] == plain, text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_POS_VOCAB), st.sampled_from(["", " ", " ", "  ", "-", "\n", ". ", ", "])),
                min_size=1, max_size=12))
def test_property_positional_scans_equal_plain(parts: list[tuple[str, str]]) -> None:
    _positional_equal("".join(w + sep for w, sep in parts))


@pytest.mark.parametrize("text", [
    "he is 22", "Victoria\tis  24 år", "HUN er 19", "x2Anna is 22", "Anna_ is 22", "klokken er 22", "Prisen er 20",
    "she is only twenty-two", "Maria is\n23", "Ab is 22 and Abcdefghijklmnopq is 23", "Mia  er kun 18", "is 22",
    "Ring twenty-eight thirty 4 fifty one ninety-one", "FOURTY-TWO, Forty 2, sixty-six", "seventy‐one eighty 9",
    "twentyone twenty-1 thirty-12", "ſixty-one İstanbul forty-two", "Seventy-Seven eighty-eight ninety nine",
    "Sød Pige på 19, girl of 22, Lady aged 25, kvinden (31) og TØSEN, 20", "xgirl, 22 pigen 23 woman,19 Teen (18)",
])
def test_positional_scans_on_chosen_texts(text: str) -> None:
    _positional_equal(text)


def test_positional_scans_equal_plain_on_demo_market() -> None:
    from classifiers.normalize import clean
    from crawler.demo_site import build_corpus  # tests only: classifiers must not import crawler

    corpus = build_corpus(seed=5, n_ads=300, n_nights=1)
    for ad in corpus.ads:
        if ad.present(1):
            c = ad.content(1)
            _positional_equal(clean(f"{c.title}\n\n{c.body}").text)


@pytest.mark.parametrize(("text", "several"), [
    ("Today working:\n- Nok (34)\n- Ploy (29)\n- Mai (41)", True),
    ("Now in Aalborg: Mia (23), Vanessa (26), Tanya (21).", True),
    ("Bulgarian girls Maria 23 & Eli 21.", True),
    ("Sofie (24) her. Jeg er 24 år og bor på Vesterbro.", False),  # one person's age, twice
    ("Alder: 29 | Højde: 172 cm | Str: 38", False),  # a size after a label is no second age
    ("Maja, 27 år. Ring på to otte – fem nul – 19 – 43", False),  # a piece of a phone is no second age
    # session 7: a duration, a notice period or a date range is no second age
    ("Nok 45 år, thai massage.\nJeg har bo i Danmark 12 år, snakke dansk godt.", False),
    ("Pia, 46, Haslev.\nHusk 24 timers afbud.", False),
    ("Monique, 38, from Utrecht.\nAarhus until 20.12, then Copenhagen 21–23.12.", False),
])
def test_a_roster_of_ages_is_several_persons(read_settings, resources, text: str, several: bool) -> None:
    """Two or more different ages written after names or in brackets offer several persons (MULTIPLE_PERSONS)."""
    r = read_ad("", text, {}, settings=read_settings, resources=resources)
    found = [h for h in r.indicators if h["indicator_id"] == "several_ages"]
    assert bool(found) == several, found
    for h in found:
        assert text[h["start"]:h["end"]] == h["text"]


@pytest.mark.parametrize(("text", "third_party", "several"), [
    ("We are Lise (35) and Peter (41), a real couple from Odense. Contact us by mail.", False, True),
    ("Vi er et par (hun 31, han 36) og tilbyder massage. Skriv til os.", False, True),
    ("Vi er et par. Kontakt os om vores piger.", True, True),  # "our girls" is a house, couple or not
    ("Contact us for booking, our ladies are waiting.", True, True),
])
def test_a_couple_speaking_as_we_is_no_third_party(read_settings, resources, text: str, third_party: bool,
                                                   several: bool) -> None:
    """An ad a couple writes about themselves: their "we"/"us" is the two persons offered, not a booker."""
    codes = {h["code"] for h in read_ad("", text, {}, settings=read_settings, resources=resources).indicators}
    assert ("THIRD_PARTY" in codes) == third_party and ("MULTIPLE_PERSONS" in codes) == several, codes


@pytest.mark.parametrize(("text", "third_party"), [
    ("Lotus Spa Randers: three new masseuses this month, Nok, Mai and Fah.", True),
    ("Massageklinik i Vejle – 4 piger klar hver dag.", True),
    ("Me and my friend at our little studio, duo possible.", False),  # the women write about themselves
    ("Sofie, 31, private studio in Odense.", False),  # one woman
])
def test_a_house_offering_several_women_is_third_party(read_settings, resources, text: str,
                                                       third_party: bool) -> None:
    """A business offering several women writes the ad for them (THIRD_PARTY, reader rule house_offers_several)."""
    hits = read_ad("", text, {}, settings=read_settings, resources=resources).indicators
    assert any(h["code"] == "THIRD_PARTY" for h in hits) == third_party, hits
