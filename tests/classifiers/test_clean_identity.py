"""``normalize.clean`` skips its offset map when every special character maps to itself; the cleaned text and
every original span must be those of the per-character path (kept here as the reference)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.normalize import _SPECIAL, _TAG, CleanText, _cached_char_map, clean


def _reference(text: str) -> CleanText:
    """The per-character path of ``clean``, always building the offset map."""
    text_t = _TAG.sub(lambda m: " " * len(m.group()), text) if "<" in text else text
    parts: list[str] = []
    omap: list[int] = []
    last = 0
    for m in _SPECIAL.finditer(text_t):
        i = m.start()
        parts.append(text_t[last:i])
        omap.extend(range(last, i))
        rep = _cached_char_map(text_t[i])
        parts.append(rep)
        omap.extend([i] * len(rep))
        last = i + 1
    parts.append(text_t[last:])
    omap.extend(range(last, len(text_t)))
    return CleanText("".join(parts), omap, len(text))


_CHARS = st.sampled_from(list("ab1 .\n\t<>æøåÆØÅé½😘\ufe0f\u200b\u00ad２①İß\x00\x85\u2028ﬁ"))


@given(st.lists(_CHARS, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_clean_equals_per_character_reference(text: str) -> None:
    got, want = clean(text), _reference(text)
    assert got.text == want.text
    for s in range(len(got.text) + 1):
        for e in range(s, len(got.text) + 1):
            assert got.orig_span(s, e) == want.orig_span(s, e), (text, s, e)


def test_danish_text_needs_no_offset_map() -> None:
    assert clean("Søde piger i Århus 😘").omap is None
    assert clean("½ time").omap is not None

