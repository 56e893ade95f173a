"""Phones: de-obfuscation, foreign numbers, no false phones from prices, dates, ages, sizes or ids."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.phones import _NARRATED, _narrated_marks, find_phones, parse_field

DK = "+4520123456"
# First words of towns the sets name after a post code (the reader passes the whole gazetteer's).
TOWNS = frozenset({"aalborg", "aarhus", "odense", "københavn", "kolding", "vejle", "esbjerg", "randers", "nørresundby",
                   "frederiksberg", "herning", "horsens", "roskilde", "næstved", "silkeborg", "helsingør"})


@pytest.mark.parametrize(("text", "e164", "obfuscated"), [
    ("for80 2sixseven one9zerofor", "+14802671904", True),  # public US escort-ad case
    ("call 4 8 0 - 2 6 7 - 1 9 0 4", "+14802671904", True),  # spaced one by one: not a Danish 8-digit prefix
    ("4 8 0 2 6 7 1 9 0 4 text me", "+14802671904", True),
    ("2O one2 34 fem6", DK, True),
    # numbers spelled in pairs, as Danes read them out ("otteogtyve" = 28), and English teens/compounds
    ("otteogtyve tolv fireogtredive seksoghalvtreds", "+4528123456", True),
    ("sms: tyve tolv 34 56", DK, True),
    ("call twentyeight twelve 34 56", "+4528123456", True),
    ("call twenty-eight twelve thirty-four fifty-six", "+4528123456", True),
    ("Twenty Eight 12 34 56 (text only)", "+4528123456", True),
    ("Ring 20 12 34 56", DK, False),
    ("ring: 20-12-34-56 efter kl 12", DK, False),
    ("call 20.12.34.56", DK, False),
    ("tlf (+45) 20123456", DK, False),
    ("0045 2012 3456", DK, False),
    ("+45 20 12 34 56", DK, False),
    ("2 0 1 2 3 4 5 6", DK, True),
    ("to nul en to tre fire fem seks", DK, True),
    ("two zero one two three four five six", DK, True),
    ("２０１２３４５６", DK, True),
    ("2️⃣0️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣", DK, True),
    ("2O-l2-34-S6 no", None, None),
    ("20 12 ring 34 56", DK, True),
    ("20 12\n34 56", DK, False),
    ("call 2O.l2.34.56 now", DK, True),
    ("Sms 4l 22 33 44", "+4541223344", True),
    # phone-shaped numbers in ranges libphonenumber does not list as allocated (third digit 0), found on blind ads
    ("Ring: 42 07 88 51", "+4542078851", False),
    ("+45 31 07 52 86", "+4531075286", False),
    ("Txt 93 02 61 48", "+4593026148", False),  # "93" is also a country code: the national reading comes first
    ("Tlf: tre-et / nul-otte / syv-to / fem-fem", "+4531087255", True),
    ("WhatsApp: plus four zero 7 four 1 - 2 3 0 - 9 5 8", "+40741230958", True),  # "plus" spelled out
    ("wa.me/4520123456", DK, False),
    ("<a href='tel:+4520123456'>ring</a>", DK, False),
    ("+40 721 234 567", "+40721234567", False),
    ("+234 803 123 4567", "+2348031234567", False),
    ("+46 70 123 45 67", "+46701234567", False),
    ("0049 170 1234567", "+491701234567", False),
    # session 6, blind-written ads: bare English tens words in a number spoken in words, "x" as a separator
    ("start with sixty, then ninety-one, then twenty, then fourteen", "+4560912014", True),
    ("Booking: twenty-five, zero-four, thirty-eight, seventy-one", "+4525043871", True),
    ("call thirty 4 fifty 6 seventy 8 ninety 1", "+4534567891", True),
    ("Bookings: 2 9 x 6 1 x 4 0 x 7 5 (reception)", "+4529614075", True),
    # a number told in steps, with more filler words between the groups than a run allows
    ("Mit nr starter med 61, så kommer 27, derefter 90, og det slutter med 48.", "+4561279048", True),
    ("My number starts with 22, then 45, then 87 and ends with 13", "+4522458713", True),
    # a lone O right after digits is a zero
    ("Nummer: 2O 8 5 7 4 1 O", "+4520857410", True),
    ("ring 2 2 4 5 8 7 1 O", "+4522458710", True),
    # session 6, blind phone set F: capital letters for digits, lone letters, symbols between groups, dingbat
    # digits, counts of digits, numbers told backwards, "+" and "_" between groups, Romanian words
    ("ring 9Z 4S 1B 6O", "+4592451860", True),
    ("mob 5 l 7 7 O 4 9 2", "+4551770492", True),
    ("SMS/WA ➡️ 5 3 ❤️ 9 9 ❤️ 0 1 ❤️ 4 4", "+4553990144", True),
    ("Cell: ➋➑ ➍➌ ➏➐ ➊➒", "+4528436719", True),
    ("første 4: 9187 / sidste 4: 2254", "+4591872254", True),
    ("read backwards: 2 9 1 0 5 3 6 2", "+4526350192", True),
    ("Tlf: 8 1 + 2 4 + 7 0 + 3 5", "+4581247035", True),
    ("tlf: 9 1 _ 4 4 _ 6 2 _ 0 7", "+4591446207", True),
    ("Sms kun: 5 — 5 — 1 — 9 — 0 — 6 — 2 — 3 pls", "+4555190623", True),
    ("WhatsApp +40 7 sapte 2 trei 4 5 unu 9 0", "+40772345190", True),
])
def test_phone_cases(text: str, e164: str | None, obfuscated: bool | None) -> None:
    hits = find_phones(text, region="DK")
    if e164 is None:
        return
    assert [h.e164 for h in hits] == [e164], hits
    assert hits[0].obfuscated is obfuscated
    assert text[hits[0].start:hits[0].end] == hits[0].raw


@pytest.mark.parametrize("text", [
    "Pris 1.500 kr pr time, 800 kr for 30 min",
    "I'm 25, 170 cm, 55 kg, 1500 DKK",
    "age 25 height 170 weight 55 price 1500",
    "Dato 31.12.2024 kl 22.00-06.00",
    "Åben 10.00-18.00, mandag-fredag",
    "Opdateret 2024-03-12 14:30",
    "Annonce ID: 25123456",
    "Ad #25123456",
    "2100 København Ø, 2200 N",
    "Born 12/03/2001",
    "Price: 2.000,- / 4.000,- night",
    "Tider: 20.00 - 04.00 alle dage",
    "Ring to gange",
    "Ti minutter fra Vesterbro, tyve minutter fra lufthavnen, 1500 kr",
    "Top ten girls, twelve hours a day, otteogtyve år",
    "elleve tolv tretten fjorten femten",
    "twenty-eight years old, thirty-four kg lighter, fifty-six minutes",
])
def test_no_false_phones(text: str) -> None:
    assert find_phones(text, region="DK") == []


@pytest.mark.parametrize("text", [
    "Str 38 40 42 44",
    "Fås i str. 36 38 40 42",
    "BH 75 80 85 90, size 8 10 12 14",
    "Her siden 2023 2024 2025",
    "Aktiv fra 2024 til 2025, og 2019, 2020, 2021",
    "Post nr 8000 Aarhus 8200",
    "Adresse: Vestergade 12, 8000 Aarhus C 8200 N",
    "Har annonceret her siden 2019. Priser som i 2023.",
    "2 x 30 min, 3 x 1 time",
    "twenty girls, fifty euro, ninety minutes, 1500 kr",
    "Prices start with 1500 kr for 1 hour and 2500 for 2 hours.",
    "Jeg starter med 30 min massage, derefter 60 min.",
    "Tonight: Alexa 22, Daria 24, Mona 29, Eva 21, Ivy 27, Lena 25.",  # a roster of ages
    "- Nok 34\n- Ploy 29\n- Mai 41\n- Dao 28",
    "in my 20s and 30s, Bus 18, size 2XL",  # lower-case s is no 5; a word is no lone letter
    "Listing 34471290 · updated 2 hours ago",
    "zwei acht fünf null drei drei neun eins",  # German words without a country code are not read
    "Come back soon ☎",
])
def test_sizes_years_and_post_codes_are_not_phones(text: str) -> None:
    """Lists of sizes after a size label, runs of consecutive years and post codes before a place name."""
    assert find_phones(text, region="DK", places={"aarhus"}) == []


@pytest.mark.parametrize("text", [
    "size 8, 22 45 87 13",
    "Str 38 22 45 87 13",
    "Ring 2245 8713 Aarhus",
    "Tlf 2245 8713 / 8000 Aarhus",
    "8000 Aarhus C. Ring 22 45 87 13",
    "Pris 1500 kr. Str 38.\nRing 22 45 87 13",
])
def test_a_number_next_to_sizes_or_post_codes_is_kept(text: str) -> None:
    """The fences stop where the list ends: a number after a size, or a post code after a number, is read."""
    assert [h.e164 for h in find_phones(text, region="DK", places={"aarhus"})] == ["+4522458713"]


def test_two_numbers_in_a_row() -> None:
    hits = find_phones("Ring 20 12 34 56 eller 22 33 44 55", region="DK")
    assert [h.e164 for h in hits] == [DK, "+4522334455"]


def test_age_before_number_is_not_joined() -> None:
    assert [h.e164 for h in find_phones("I'm 25, call 20 12 34 56", region="DK")] == [DK]


def test_scraped_fields() -> None:
    assert [h.e164 for h in parse_field("tel:+4520123456", region="DK")] == [DK]
    assert [h.e164 for h in parse_field("20 12 34 56", region="DK")] == [DK]
    assert [h.e164 for h in parse_field("4520123456", region="DK")] == [DK]
    assert parse_field("", region="DK") == []


_PREFIXES = ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "40", "41", "42", "50",
             "51", "52", "53", "60", "61", "71", "81", "91", "93")
_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DA = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni")
dk_numbers = st.builds(lambda p, d, rest: p + str(d) + rest, st.sampled_from(_PREFIXES), st.integers(1, 9),
                       st.text("0123456789", min_size=5, max_size=5))


def _render(num: str, style: int) -> str:
    if style == 0:
        return num
    if style == 1:
        return " ".join(num[i:i + 2] for i in range(0, 8, 2))
    if style == 2:
        return "-".join(num[i:i + 2] for i in range(0, 8, 2))
    if style == 3:
        return "+45 " + num[:4] + " " + num[4:]
    if style == 4:
        return " ".join(_EN[int(c)] for c in num)
    if style == 5:
        return " ".join(_DA[int(c)] for c in num)
    if style == 6:
        return " ".join(num)
    return num.replace("0", "O").replace("1", "l") if any(c in "01" for c in num[1:]) else num


words = st.lists(st.sampled_from(["Sweet", "girl", "ring", "mig", "call", "me", "now", "hej", "kys", "Anna",
                                  "diskret", "privat", "tak"]), max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(dk_numbers, st.integers(0, 7), words, words)
def test_property_rendered_number_is_found(num: str, style: int, before: str, after: str) -> None:
    text = f"{before} {_render(num, style)}. {after}"
    assert "+45" + num in [h.e164 for h in find_phones(text, region="DK")]


@settings(max_examples=150, deadline=None)
@given(st.integers(18, 70), st.integers(140, 195), st.integers(40, 110), st.integers(5, 60).map(lambda x: x * 100),
       st.integers(1, 28), st.integers(1, 12), st.integers(2015, 2027))
def test_property_facts_are_not_phones(age: int, cm: int, kg: int, price: int, d: int, m: int, y: int) -> None:
    text = (f"Anna, {age} år, {cm} cm, {kg} kg. Pris {price} kr pr time, {price // 2} kr 30 min. "
            f"Opdateret {d:02d}.{m:02d}.{y}, åben 10-22.")
    assert find_phones(text, region="DK") == []


def test_plain_region_rule_equals_the_library() -> None:
    """The metadata-built Danish rule (no phonenumbers.parse) gives exactly the library's E.164 or None."""
    import random

    from classifiers.phones import _library_parse, _parse, _plain_e164, _plain_rule

    assert _plain_rule("DK") is not None
    rng = random.Random(7)
    fast = 0
    for prefix in range(0, 10000, 3):  # every 4-digit prefix class of an 8-digit national number
        digits = f"{prefix:04d}{rng.randrange(10000):04d}"
        for cand in (digits, "+45" + digits, digits[:7], digits + "9", "+45" + digits + "9", "45" + digits[:6],
                     "+46" + digits):
            plain = _plain_e164(cand, "DK")
            if plain is not None:
                fast += 1
                assert (plain or None) == _library_parse(cand, "DK"), cand
            assert _parse(cand, "DK") == _library_parse(cand, "DK"), cand
    assert fast > 5000  # the rule is really used


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+", min_size=1, max_size=14), st.sampled_from(["DK", "SE", "NO", "US", "DE"]))
def test_property_plain_rule_never_disagrees(candidate: str, region: str) -> None:
    from classifiers.phones import _library_parse, _parse

    assert _parse.__wrapped__(candidate, region) == _library_parse(candidate, region)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["tel:", "TEL:", "sms:", "callto:", "https://wa.me/", "wa.me/", "http://www.wa.me/"]),
       st.sampled_from(["", "+", "00"]), st.text(alphabet="0123456789", min_size=6, max_size=20))
def test_property_link_field_fast_path_equals_find_phones(prefix: str, plus: str, digits: str) -> None:
    """parse_field's shortcut for a bare tel:/wa.me link gives what the full reader gives."""
    from classifiers.phones import _LINK_FIELD

    value = prefix + plus + digits
    slow = find_phones(value, region="DK", source="field")
    if _LINK_FIELD.fullmatch(value) and slow:
        assert parse_field(value, region="DK") == slow, value
    for v in ("tel:+4520123456", "https://wa.me/4520123456", "tel:20123456"):
        assert parse_field(v, region="DK") == find_phones(v, region="DK", source="field")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["2023", "2024", "str", "8000", "Aarhus", "x", "፩፪፫፬", "٢٠٢٤", "²⁰²⁵", "①②", "38",
                                 "40", "siden", "til", "22", "45", "87", "13", "\n", ",", "-"]), max_size=24))
def test_property_fences_never_raise_on_odd_digits(words: list[str]) -> None:
    """Size, year and post-code fences meet non-ASCII digits (Ethiopic, Arabic-Indic, superscript) without error."""
    for hit in find_phones(" ".join(words), region="DK", places={"aarhus"}):
        assert hit.e164.startswith("+")


@pytest.mark.parametrize(("name", "min_precision", "min_recall"), [
    ("dev_phones_f.yaml", 0.98, 0.88),  # session 6; unseen 0.927 / 0.653
    ("dev_phones_f2.yaml", 0.97, 0.79),  # session 7; unseen 0.863 / 0.702
    ("dev_phones_f3.yaml", 0.99, 0.97),  # session 7; unseen 0.937 / 0.967
])
def test_dev_phones_f(name: str, min_precision: float, min_recall: float) -> None:
    """Blind-written contact snippets (dev sets F and F2): every way of hiding a number, and decoys."""
    items = yaml.safe_load((Path(__file__).with_name(name)).read_text(encoding="utf-8"))["items"]
    tp = fp = fn = 0
    for it in items:
        got = {h.e164 for h in find_phones(it["text"], region="DK", places=TOWNS)}
        want = set(it["phones"] or [])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= min_precision and recall >= min_recall, (precision, recall)


@pytest.mark.parametrize(("text", "e164"), [
    # a digit said twice or three times
    ("text me: double six, triple two, four, one, oh", "+4566222410"),
    ("Ring: dobbelt otte, fem, tredobbelt nul, syv, to", "+4588500072"),
    ("ring 3 double 1 4 5 triple 9", "+4531145999"),
    # a Danish two-digit number in three words; accented and Nordic digit words
    ("sms: otte og tyve, fire og halvtreds, tolv, to og tres", "+4528541262"),
    ("tlf: to ét – fire fem – seks syv – otte ni", "+4521456789"),
    ("ring meg: pluss fire sju, ni to, åtte en, fem fem, tre tre", "+4792815533"),
    ("+40 șapte 2 8 - opt 4 1 - 9 nouă 3", "+40728841993"),
    # single digits joined by x inside one word; a URL-encoded plus
    ("remove the x: 3x1x7x7x2x0x5x4", "+4531772054"),
    ("viber://chat?number=%2B40723456789", "+40723456789"),
    # dash pairs of single digits while a number is under way are no time ranges
    ("+40 7 two 2 - 3 five 4 - 1 9 9", "+40722354199"),
    # a plain number before a price list that starts with "1 time"
    ("Ring 61 72 83 94 – 1 time 1500 kr, 2 timer 2800 kr.", "+4561728394"),
    # Danish "min" (my) before a contact word is no unit
    ("Tlf 42 17 90 33 min telefon er også på signal", "+4542179033"),
    # the parts of a number named out of order
    ("Ender med 58 19. Starter med 27 40.", "+4527405819"),
    ("begins with 41, ends with 7730, and the middle is 62", "+4541627730"),
    ("first half: 30 92\n(no calls after 22)\nsecond half: 71 64", "+4530927164"),
    # a letter-digit group before a dot is no clock; a Cyrillic O for zero
    ("tlf: 62.5O.l4.37", "+4562501437"),
    ("Тел: +359 88 4О1 7236", "+359884017236"),
])
def test_session_7_phone_forms(text: str, e164: str) -> None:
    """Forms found on blind set F2 (session 7), each written here anew."""
    assert [h.e164 for h in find_phones(text, region="DK", places={"aalborg", "kolding"})] == [e164]


@pytest.mark.parametrize("text", [
    "Tour: Aalborg 14/2, Kolding 15/2 - 17/2, skostr 39",
    "Tider 31.12: 21:00-03:00, 2500 kr",
    "Booking 24.12.2026 kl. 19.30-20.30",
    "Vi er to (hun 31, han 36) · 168/185 cm · 22.-24. marts i Kolding",
    "Measurements: 90-60-90, Age 27 · 5 ft 7",
    "Ring efter kl 15 eller kl 20",
    "Postnr 9000 Aalborg · 9220 Aalborg Øst · 9400 Nørresundby",
    "I offer double service and triple fun, 60 min 1500 kr",
    "Klinik – CVR 41 27 35 08\nreg. 8411 konto 0098765432",
    "Gavekort nr. 62 41 80 33 kan indløses",
    "Stats: 88-61-90, shoe 39",
    "Invoice 2025-0419 sent by mail",
])
def test_session_7_fences(text: str) -> None:
    """Dates without a year, time ranges after a label, heights sharing a unit, ages after a label or a pronoun."""
    assert find_phones(text, region="DK", places={"aalborg", "kolding", "nørresundby"}) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["starts with", "Starter med", "ends with", "the middle is", "i midten", "Midten er",
                                 "second half", "anden halvdel", "sidste cifre er", "weekend", "send", "Last part:",
                                 "first digits are", "22", "45", " ", "\n", ".", "İ", "then"]), max_size=14))
def test_narrated_marks_equal_the_plain_scan(words: list[str]) -> None:
    """The cues of a number told in parts are looked for only where a hint word stands: same matches."""
    text = " ".join(words)
    assert [m.span() for m in _narrated_marks(text, text.lower())] == [m.span() for m in _NARRATED.finditer(text)]
