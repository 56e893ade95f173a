"""Every lexicon example is a test: positives fire their code, negatives do not (habit 3)."""

from __future__ import annotations

import pytest

from classifiers.reading import read_ad
from config.lexicon_schema import load_lexicons
from config.settings import CONFIG_DIR


def _examples() -> list[tuple[str, str, str, str]]:
    out = []
    for lexicon in load_lexicons(CONFIG_DIR / "lexicons").lexicons:
        for ind in lexicon.indicators:
            out += [(ind.id, ind.code, "positive", s) for s in ind.examples.positive]
            out += [(ind.id, ind.code, "negative", s) for s in ind.examples.negative]
    return out


@pytest.mark.parametrize(("indicator_id", "code", "polarity", "sentence"), _examples(),
                         ids=lambda v: v if len(str(v)) < 30 else str(v)[:30])
def test_lexicon_example(indicator_id, code, polarity, sentence, read_settings, resources) -> None:
    reading = read_ad("", sentence, {}, settings=read_settings, resources=resources)
    fired = [h for h in reading.indicators if h["code"] == code]
    if polarity == "positive":
        assert fired, f"{indicator_id}: {code} should fire on {sentence!r}"
        for h in fired:
            assert sentence[h["start"]:h["end"]] == h["text"]
    else:
        assert not fired, f"{indicator_id}: {code} fired on negative {sentence!r}: {fired}"
