"""Evidence highlighting and version diffs build markup only around escaped ad text."""

from __future__ import annotations

import pytest

from dashboard.templating import safe_url
from dashboard.text import Span, highlight, word_diff


def test_highlight_wraps_spans_and_escapes_everything() -> None:
    text = "<b>new in town</b> & call my manager"
    out = str(highlight(text, [Span(3, 14, "MOVEMENT", "movement_new_in_town (indicators_en v4)"),
                               Span(text.index("call"), len(text), "THIRD_PARTY")]))
    assert out.startswith("&lt;b&gt;<mark class=\"ev ev-movement\"")
    assert ">new in town</mark>&lt;/b&gt; &amp; <mark class=\"ev ev-third_party\"" in out
    assert out.endswith(">call my manager</mark>")
    assert "<b>" not in out


@pytest.mark.parametrize("spans", [
    [Span(0, 5, "A"), Span(3, 8, "B")],   # overlapping: the first wins
    [Span(5, 50, "A")],                    # past the end: skipped
    [Span(4, 4, "A"), Span(6, 2, "B")],    # empty or reversed: skipped
])
def test_highlight_always_well_formed(spans: list[Span]) -> None:
    out = str(highlight("0123456789", spans))
    assert out.count("<mark") == out.count("</mark>") <= 1
    assert out.replace("</mark>", "").split(">")[-1].endswith("9") or out.endswith("9")


def test_hostile_code_cannot_break_the_attribute() -> None:
    out = str(highlight("abc", [Span(0, 3, '"><script>alert(1)</script>')]))
    assert "<script>" not in out and "&#34;&gt;&lt;script&gt;" in out


def test_word_diff() -> None:
    out = str(word_diff("only a few days <i>", "for a week <i>"))
    assert "<del>only</del>" in out and "<ins>for</ins>" in out and "&lt;i&gt;" in out


@pytest.mark.parametrize(("url", "ok"), [
    ("https://board.example/ad/1", True), ("http://x.example", True), ("javascript:alert(1)", False),
    (" JaVaScRiPt:alert(1)", False), ("data:text/html,<script>", False), ("//evil.example", False), ("", False),
])
def test_safe_url(url: str, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok
