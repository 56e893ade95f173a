"""Token patterns compiled to Python functions (nlp.codegen) and the per-lexeme token facts (nlp.LexemeFacts)
give what spaCy's Matcher and Token objects give, for any pattern an analyst may write in the supported subset."""

from __future__ import annotations

import random
from typing import Any

import pytest
import spacy
from spacy.matcher import Matcher

from classifiers.nlp import (
    LEX_FLAGS,
    LEX_LENGTH,
    LEX_LOWER,
    LEX_SHAPE,
    LEX_TEXT,
    MAX_OPTIONAL,
    DocColumns,
    LexemeFacts,
    _anchor,
    codegen,
    compile_pattern,
)

_WORDS = ["new", "New", "NEW", "in", "to", "town", "Odense", "ODENSE", "3", "three", "18", "girls", "Girls", "ab",
          "we", "have", "only", "days", "-", ",", ".", "!", "\n", "don't", "I'm", "can't", "bl.a.", "c0nd0m", "kr.",
          "x", "xyz", "abcd", "løbe", "ÆBLE", "n't", "2-3", "10-12", "3–4", "Ab-cd"]

_PATTERNS: list[list[dict[str, Any]]] = [
    [{"LOWER": "new"}, {"LOWER": {"IN": ["in", "to"]}}, {"IS_TITLE": True}],
    [{"LOWER": "new"}, {"LOWER": {"NOT_IN": ["in", "to"]}}, {"IS_UPPER": True, "LENGTH": {">=": 3}}],
    [{"LIKE_NUM": True}, {"LOWER": "girls"}],
    [{"ORTH": "New"}, {"IS_ALPHA": True, "OP": "?"}, {"IS_PUNCT": True, "OP": "?"}, {"TEXT": "Odense"}],
    [{"LOWER": "we"}, {"LOWER": "have"}, {"IS_ALPHA": True, "OP": "?"}, {"IS_ALPHA": True, "OP": "?"},
     {"NORM": {"IN": ["girl", "girls"]}}],
    [{"LENGTH": 2, "OP": "?"}, {"LOWER": "only"}, {"LENGTH": {"<": 3, "!=": 1}}, {"IS_SPACE": True, "OP": "?"}],
    [{"NORM": "condom"}, {"IS_DIGIT": False}, {"IS_LOWER": True, "IS_ASCII": True}],
    [{"LOWER": "in"}, *[{"IS_ALPHA": True, "OP": "?"} for _ in range(MAX_OPTIONAL + 1)], {"LOWER": "town"}],
    [{"IS_STOP": True, "OP": "?"}, {"LOWER": {"IN": ["days", "town"]}}, {"LIKE_URL": False, "IS_QUOTE": False}],
    [{"SHAPE": {"IN": ["d-d", "dd-dd", "d–d"]}}, {"IS_ALPHA": True, "OP": "?"}, {"LOWER": "girls"}],
    [{"SHAPE": {"NOT_IN": ["d-d"]}}, {"LOWER": "new"}, {"SHAPE": "Xx-xx", "OP": "?"}],
]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_codegen_equals_matcher_on_random_docs(lang: str) -> None:
    nlp = spacy.blank(lang)
    rng = random.Random(5)
    flags = (*LEX_FLAGS, "is_upper", "like_num", "is_digit", "is_ascii", "is_stop", "like_url", "is_quote")
    facts = LexemeFacts(nlp.vocab, flags)
    flag_at = {f: k + 3 for k, f in enumerate(flags)}
    compiled = []
    for pattern in _PATTERNS:
        program = compile_pattern(pattern, nlp.vocab.strings)
        assert program is not None, pattern
        at = _anchor(pattern)
        fn = codegen(program, at[0] if at else 0, flag_at)
        assert (fn is None) == (sum(opt for opt, _ in program) > MAX_OPTIONAL), pattern
        matcher = Matcher(nlp.vocab)
        matcher.add("p", [pattern])
        compiled.append((fn, matcher, at[0] if at else 0))
    for _ in range(400):
        doc = nlp.make_doc(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 16))))
        dc = DocColumns(doc, facts)
        for fn, matcher, _at in compiled:
            if fn is None:
                continue
            want = {(s, e) for _k, s, e in matcher(doc)}
            assert fn(dc.orth, dc.norm, dc.lex, dc.n, set(range(len(doc)))) == want, doc.text


def test_lexeme_facts_equal_token_attributes() -> None:
    rng = random.Random(3)
    for lang in ("da", "en", "xx"):
        nlp = spacy.blank(lang)
        facts = LexemeFacts(nlp.vocab, LEX_FLAGS)
        for _ in range(200):
            doc = nlp.make_doc(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 12))))
            dc = DocColumns(doc, facts)
            assert dc.n == len(doc)
            for i, tok in enumerate(doc):
                got = dc.lex[i]
                assert (dc.orth[i], dc.norm[i], dc.idx[i]) == (tok.orth, tok.norm, tok.idx)
                assert (got[LEX_LOWER], got[LEX_LENGTH], got[LEX_TEXT]) == (tok.lower, len(tok.text), tok.text)
                assert got[3:3 + len(LEX_FLAGS)] == tuple(getattr(tok, f) for f in LEX_FLAGS)
                assert got[LEX_SHAPE] == tok.shape


def test_literal_words_follow_token_norms_of_tokenizer_exceptions() -> None:
    """A token whose NORM comes from a tokenizer exception ("n't" -> "not") gets its own literal words."""
    from spacy.attrs import LOWER, NORM

    nlp = spacy.blank("en")
    strings = nlp.vocab.strings
    literals = frozenset(strings.add(w) for w in ("not", "n't", "do", "new", "am", "'m", "i"))
    rng = random.Random(7)
    for attrs in ((LOWER, NORM), (NORM,), (LOWER,)):
        facts = LexemeFacts(nlp.vocab, LEX_FLAGS, literals, attrs)
        for _ in range(100):
            doc = nlp.make_doc(" ".join(rng.choice(["don't", "I'm", "new", "NEW", "not", "do", "x"])
                                        for _ in range(rng.randint(1, 8))))
            got = DocColumns(doc, facts).literal_words(literals, NORM in attrs)
            want = [tuple(h for attr, h in ((LOWER, t.lower), (NORM, t.norm)) if attr in attrs and h in literals)
                    for t in doc]
            assert [set(x) for x in got] == [set(x) for x in want], doc.text
    assert any(t.norm != nlp.vocab[t.orth].norm for t in nlp.make_doc("don't"))  # the case is exercised
