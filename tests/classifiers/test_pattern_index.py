"""``pattern_index.PatternIndex`` (which token pattern groups run, and at which anchor tokens) gives what the set
checks it replaced gave: a group runs when each of its required word sets meets the doc's words and its anchor
word is in the doc, at the tokens carrying an anchor word."""

from __future__ import annotations

import random

from classifiers.pattern_index import PatternIndex


def _reference(required: list[tuple[frozenset[int], ...]], anchor: list[frozenset[int]],
               tokens: list[tuple[int, ...]]) -> tuple[list[tuple[int, list[int]]], int]:
    """The per-doc set logic of ``ReaderNLP.token_matches`` before the index."""
    present = {h for t in tokens for h in t}
    candidates = [g for g in range(len(required)) if not anchor[g].isdisjoint(present)]
    runs = []
    for g in candidates:
        if all(not present.isdisjoint(r) for r in required[g]):
            runs.append((g, [i for i, t in enumerate(tokens) if not anchor[g].isdisjoint(t)]))
    return runs, len(candidates)


def test_plan_equals_set_checks_on_random_groups_and_docs() -> None:
    rng = random.Random(4)
    words = list(range(1, 40))
    for _ in range(60):
        required, anchor = [], []
        for _g in range(rng.randint(1, 30)):
            sets = tuple(frozenset(rng.sample(words, rng.randint(1, 4))) for _ in range(rng.randint(1, 4)))
            required.append(sets)
            anchor.append(rng.choice(sets))  # the anchor is one of the group's required tokens
        index = PatternIndex(required, anchor)
        for _doc in range(30):
            tokens = [tuple(rng.sample(words, rng.randint(0, 2))) for _ in range(rng.randint(0, 25))]
            keys = [index.key(t) for t in tokens]
            assert index.plan(keys) == _reference(required, anchor, tokens)


def test_a_word_without_a_required_set_has_no_key() -> None:
    index = PatternIndex([(frozenset({1}), frozenset({2, 3}))], [frozenset({1})])
    assert index.key(()) is None
    assert index.key((3,)) == (0b10, ())
    assert index.key((1, 3)) == (0b11, (0,))
    assert index.plan([index.key((1,)), None, index.key((2,))]) == ([(0, [0])], 1)
    assert index.plan([index.key((1,))]) == ([], 1)  # the second required set is missing
