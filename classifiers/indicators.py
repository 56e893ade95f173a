"""Indicator hits from the lexicons, with negation and decoy handling, each with its evidence.

Why explicit negation: "not new in town", "never without condom", "independent, no agency",
"ikke ny i byen" use the very cue words. A hit is dropped when a lexicon negator stands within
``negation_window`` tokens before it in the same clause (clauses end at punctuation and at the
lexicon's ``clause_breaks``), or when it overlaps one of the indicator's ``exclusions`` ("young at
heart"). Hits keep the lexicon id and version, character offsets and the matched text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.attrs import IDX, LENGTH
from spacy.strings import StringStore
from spacy.tokens import Doc

from classifiers.nlp import ReaderNLP, norm_word

_PUNCT_BREAK = frozenset(".!?;:\n,()[]|•*-–—/")


@dataclass(frozen=True)
class IndicatorHit:
    """IndicatorHit: one cue found; ``start``/``end`` are character offsets in the read text."""

    code: str
    indicator_id: str
    lexicon_id: str
    lexicon_version: int
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "indicator_id": self.indicator_id, "lexicon_id": self.lexicon_id,
                "lexicon_version": self.lexicon_version, "start": self.start, "end": self.end, "text": self.text}


# Determiner negators ("no limits", "ingen grænser") negate the noun right after them, not a cue two
# words further on ("No limits First time in Denmark", "no calls just arrived").
_DETERMINERS = frozenset({"no", "ingen", "intet", "none", "zero"})


class _Tokens:
    """One doc's character offsets (read at once) and, on demand, the token facts negation needs.

    Why: ``doc[i]`` builds a Token object per access, ``doc[s:e]`` a Span per hit and ``doc.text`` joins every
    token again; ``to_array`` of two columns is cheaper, and the few tokens before a hit are read once even
    when several hits share them.
    """

    __slots__ = ("_facts", "doc", "idx", "text")

    def __init__(self, doc: Doc, text: str) -> None:
        self.doc = doc
        self.text = text
        self.idx: list[int] = doc.to_array([IDX, LENGTH]).ravel().tolist() if len(doc) else []  # idx, length, ...
        self._facts: dict[int, tuple[str, bool, bool, int, int, bool, bool, bool]] = {}

    def span(self, s: int, e: int) -> tuple[int, int]:
        """(start_char, end_char) of tokens s..e-1, as ``doc[s:e]`` gives them."""
        idx = self.idx
        return idx[2 * s], idx[2 * e - 2] + idx[2 * e - 1]

    def facts(self, i: int) -> tuple[str, bool, bool, int, int, bool, bool, bool]:
        """(text, is_punct, is_space, norm hash, lower hash, is_title, is_lower, is_alpha) of token ``i``."""
        got = self._facts.get(i)
        if got is None:
            tok = self.doc[i]
            got = self._facts[i] = (tok.text, tok.is_punct, tok.is_space, tok.norm, tok.lower, tok.is_title,
                                    tok.is_lower, tok.is_alpha)
        return got


@dataclass(frozen=True)
class _NegSets:
    """A lexicon's negators and clause breaks as string hashes (compared with the token columns)."""

    negators: frozenset[int]  # lower-case words and their norms
    breaks: frozenset[int]  # norms
    determiners: frozenset[int]  # lower-case determiner negators
    window: int


def _negated(toks: _Tokens, start: int, neg: _NegSets, inside: frozenset[int] = frozenset()) -> bool:
    """True when a negator stands within ``neg.window`` tokens before ``start`` in the same clause.

    A negator at a token in ``inside`` (a token of some cue's match) belongs to that cue: "taler ikke dansk helt
    ung" or "doesn't speak English BB ok" written without punctuation must not negate the next cue.
    """
    if start > 0 and toks.facts(start)[5]:
        prev = toks.facts(start - 1)
        if prev[6] and prev[7]:
            return False  # a capitalised cue after a lower-case word starts a sentence written without a full stop
    seen = 0
    i = start - 1
    window = neg.window
    while i >= 0 and seen < window:
        text, punct, space, norm, lower = toks.facts(i)[:5]
        if (punct and not _PUNCT_BREAK.isdisjoint(text)) or "\n" in text:
            return False
        if space:
            i -= 1
            continue
        if norm in neg.breaks:
            return False
        if (norm in neg.negators or lower in neg.negators) and i not in inside:
            return not (lower in neg.determiners and seen >= 1)
        seen += 1
        i -= 1
    return False


def find_indicators(doc: Doc, reader: ReaderNLP, text: str | None = None) -> list[IndicatorHit]:
    """find_indicators (list[IndicatorHit]): surviving hits in ``doc`` order, one per (indicator, span).

    text (str): the text ``doc`` was made from (saves rebuilding ``doc.text``).
    """
    matches = list(reader.phrase_matcher(doc)) + list(reader.lower_matcher(doc)) + reader.token_matches(doc)
    if not matches:
        return []
    excluded: dict[str, list[tuple[int, int]]] = {}
    if reader.exclusions:
        for key, s, e in reader.exclusion_matcher(doc):
            excluded.setdefault(reader.exclusions[key], []).append((s, e))
    toks = _Tokens(doc, doc.text if text is None else text)
    inside = frozenset(i for _, s, e in matches if e - s > 1 for i in range(s, e))  # tokens inside a multi-word cue
    negated: dict[tuple[int, int], bool] = {}  # (token, negator sets) -> verdict, shared by hits starting there
    spans: dict[tuple[int, int, int], tuple[Any, Any]] = {}  # (start, end, key) -> (lexicon, indicator)
    for key, s, e in matches:
        lexicon, ind = reader.rules[key]
        ex = excluded.get(ind.code)
        if ex and any(s < xe and xs < e for xs, xe in ex):
            continue
        if ind.negatable and lexicon.negators:
            neg = _negator_sets(lexicon)
            memo = (s, id(neg))
            verdict = negated.get(memo)
            if verdict is None:
                verdict = negated[memo] = _negated(toks, s, neg, inside)
            if verdict:
                continue
        start, end = toks.span(s, e)
        spans[(start, end, key)] = (lexicon, ind)
    # One hit per (indicator, span); keep the longest of overlapping hits of the same indicator.
    out: list[IndicatorHit] = []
    kept: dict[str, list[tuple[int, int]]] = {}
    done: set[tuple[str, int, int]] = set()
    for (start, end, _key), (lexicon, ind) in sorted(spans.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if (ind.id, start, end) in done:
            continue
        done.add((ind.id, start, end))
        same = kept.setdefault(ind.id, [])
        if any(a <= start < b for a, b in same):
            continue
        same.append((start, end))
        out.append(IndicatorHit(ind.code, ind.id, lexicon.id, lexicon.version, start, end, toks.text[start:end]))
    return out


_NEG_CACHE: dict[tuple[str, int], _NegSets] = {}
_HASHES = StringStore()  # string hashes do not depend on the store: one store computes them for every vocab


def _negator_sets(lexicon: Any) -> _NegSets:
    key = (lexicon.id, lexicon.version)
    found = _NEG_CACHE.get(key)
    if found is None:
        words = lexicon.negators
        negs = {w.lower() for w in words} | {norm_word(w) for w in words}
        breaks = {norm_word(w) for w in lexicon.clause_breaks}
        found = _NEG_CACHE[key] = _NegSets(frozenset(_HASHES.add(w) for w in negs),
                                           frozenset(_HASHES.add(w) for w in breaks),
                                           frozenset(_HASHES.add(w) for w in _DETERMINERS), lexicon.negation_window)
    return found
