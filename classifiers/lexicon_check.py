"""Run every lexicon example through the full reader: positives must fire their code, negatives not.

Why the full reader and not only the matcher: UNDERAGE and OBFUSCATED_CONTACT examples are also
read by the age and phone readers, and negation or decoys can only be judged end to end.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifiers.reading import Resources, read_ad
from config.settings import AppSettings


@dataclass(frozen=True)
class ExampleResult:
    """ExampleResult: one example sentence and whether it behaved as its lexicon says."""

    lexicon_id: str
    indicator_id: str
    code: str
    polarity: str  # positive | negative
    sentence: str
    ok: bool
    found: tuple[str, ...]


def run_examples(resources: Resources, settings: AppSettings) -> list[ExampleResult]:
    """run_examples (list[ExampleResult]): every example of every indicator, read as an ad text."""
    results = []
    for lexicon in resources.lexicons.lexicons:
        for ind in lexicon.indicators:
            for polarity, sentences in (("positive", ind.examples.positive), ("negative", ind.examples.negative)):
                for sentence in sentences:
                    reading = read_ad("", sentence, {}, settings=settings, resources=resources)
                    hits = tuple(sorted({h["text"] for h in reading.indicators if h["code"] == ind.code}))
                    ok = bool(hits) if polarity == "positive" else not hits
                    results.append(ExampleResult(lexicon.id, ind.id, ind.code, polarity, sentence, ok, hits))
    return results
