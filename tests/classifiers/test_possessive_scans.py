"""Whole-text scans written with possessive quantifiers find exactly what their greedy forms find.

Why: ``++``/``*+`` are a speed change only (sre keeps no backtracking state); a pattern where something after a
repeat could fail would match differently, so each rewritten scan is compared with its former greedy form.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import indicator_model, language, normalize, phones

# (scan, its former greedy pattern)
_SCANS = [
    (indicator_model._TOKEN, r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]"),
    (indicator_model._SENTENCE, r"(?:[^.!\n•|;]+|[.!](?=[^\s.!]))+[.!?]*"),
    (language._WORD, r"[^\W\d_]+(?:'[a-z]+)?"),
    (phones._TOKEN, r"[^\W_]+"),
    (normalize._WORD_RE, r"\w+"),
]
_ALPHABET = "aZæØ1٣_ '’.!?;|•\n\t-xİı"


def _same(text: str) -> None:
    for scan, greedy in _SCANS:
        assert [m.span() for m in scan.finditer(text)] == [m.span() for m in re.finditer(greedy, text)], \
            (greedy, text)
        assert scan.findall(text) == re.findall(greedy, text), (greedy, text)


@pytest.mark.parametrize("text", [
    "", "don't", "don'", "don't'x", "'tis", "a’b’c d'", "rock'n'roll 24/7!", "Ny i byen. Ring nu!! 8.000 kr..",
    "kl. 22.30; hej • du | mig\nny linje?! ", "twenty_two o'clock", "İstanbul ıi", "٣٣ år", "...", "a.b!c",
])
def test_possessive_scans_on_chosen_texts(text: str) -> None:
    _same(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_property_possessive_scans_equal_greedy(text: str) -> None:
    _same(text)
