"""Indicator hits from the lexicons, with negation and decoy handling, each with its evidence.

Why explicit negation: "not new in town", "never without condom", "independent, no agency",
"ikke ny i byen" use the very cue words. A hit is dropped when a lexicon negator stands within
``negation_window`` tokens before it in the same clause (clauses end at punctuation and at the
lexicon's ``clause_breaks``), or when it overlaps one of the indicator's ``exclusions`` ("young at
heart"). Hits keep the lexicon id and version, character offsets and the matched text.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from spacy.strings import StringStore
from spacy.tokens import Doc

from classifiers.nlp import LEX_LENGTH, DocColumns, ReaderNLP, norm_word

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
    """One doc's token columns (``ReaderNLP.columns_of``: offsets, ORTH/NORM hashes, lexeme facts) and its text.

    Why: ``doc[i]`` builds a Token object per access, ``doc[s:e]`` a Span per hit and ``doc.text`` joins every
    token again; the columns are read once per doc and shared with the token pattern evaluator.
    """

    __slots__ = ("dc", "text")

    def __init__(self, dc: DocColumns, text: str) -> None:
        self.dc = dc
        self.text = text

    def span(self, s: int, e: int) -> tuple[int, int]:
        """(start_char, end_char) of tokens s..e-1, as ``doc[s:e]`` gives them."""
        dc = self.dc
        return dc.idx[s], dc.idx[e - 1] + dc.lex[e - 1][LEX_LENGTH]

    def facts(self, i: int) -> tuple[str, bool, bool, int, int, bool, bool, bool]:
        """(text, is_punct, is_space, norm hash, lower hash, is_title, is_lower, is_alpha) of token ``i``."""
        lower, _length, text, punct, space, title, is_lower, alpha = self.dc.lex[i][:8]
        return text, punct, space, self.dc.norm[i], lower, title, is_lower, alpha


@dataclass(frozen=True)
class _NegSets:
    """A lexicon's negators and clause breaks as string hashes (compared with the token columns)."""

    negators: frozenset[int]  # lower-case words and their norms
    breaks: frozenset[int]  # norms
    determiners: frozenset[int]  # lower-case determiner negators
    window: int


class _Inside:
    """The tokens inside a multi-word cue match, worked out on the first question (only a negator asks)."""

    __slots__ = ("matches", "tokens")

    def __init__(self, matches: list[tuple[int, int, int]]) -> None:
        self.matches = matches
        self.tokens: frozenset[int] | None = None

    def __contains__(self, i: int) -> bool:
        if self.tokens is None:
            self.tokens = frozenset(j for _, s, e in self.matches if e - s > 1 for j in range(s, e))
        return i in self.tokens


def _negated(toks: _Tokens, start: int, neg: _NegSets, inside: Container[int] = frozenset()) -> bool:
    """True when a negator stands within ``neg.window`` tokens before ``start`` in the same clause.

    A negator at a token in ``inside`` (a token of some cue's match) belongs to that cue: "taler ikke dansk helt
    ung" or "doesn't speak English BB ok" written without punctuation must not negate the next cue.
    """
    lex, norms = toks.dc.lex, toks.dc.norm
    # lexeme facts (nlp.LexemeFacts): (lower, length, text, is_punct, is_space, is_title, is_lower, is_alpha, ...)
    if start > 0 and lex[start][5]:
        prev = lex[start - 1]
        if prev[6] and prev[7]:
            return False  # a capitalised cue after a lower-case word starts a sentence written without a full stop
    seen = 0
    i = start - 1
    window = neg.window
    while i >= 0 and seen < window:
        lower, _length, text, punct, space = lex[i][:5]
        if (punct and not _PUNCT_BREAK.isdisjoint(text)) or "\n" in text:
            return False
        if space:
            i -= 1
            continue
        norm = norms[i]
        if norm in neg.breaks:
            return False
        if (norm in neg.negators or lower in neg.negators) and i not in inside:
            return not (lower in neg.determiners and seen >= 1)
        seen += 1
        i -= 1
    return False


# A cue asked as a question and answered no ("Uden kondom? Aldrig.", "Duo? Sorry, I don't offer that.", "Are you
# new in town?  A: No"): the writer rejects it. "No problem" / "no worries" after the question is a yes.
_REJECTED = re.compile(r"[^.!?\n]{0,60}?\?[\s\"'”»)]*(?:[-–—:]\s*)?(?:(?:a|svar|answer)\s*[:.]\s*)?"
                       r"(?:no|nope|never|nej|aldrig|nix|sorry|desværre|ikke\s+hos\s+mig|not\s+with\s+me)\b"
                       r"(?!\s*(?:problem|problemo|worries|issue|limits|grænser))", re.I)


def rejected_question(text: str, end: int) -> bool:
    """True when the cue ending at ``end`` sits in a question the writer answers with no."""
    return bool(_REJECTED.match(text, end))


def find_indicators(doc: Doc, reader: ReaderNLP, text: str | None = None) -> list[IndicatorHit]:
    """find_indicators (list[IndicatorHit]): surviving hits in ``doc`` order, one per (indicator, span).

    text (str): the text ``doc`` was made from (saves rebuilding ``doc.text``).
    """
    dc = reader.columns_of(doc)
    matches = list(reader.phrase_matcher(doc)) + list(reader.lower_matcher(doc)) + reader.token_matches(doc, dc)
    if not matches:
        return []
    excluded: dict[str, list[tuple[int, int]]] = {}
    if reader.exclusions:
        for key, s, e in reader.exclusion_matcher(doc):
            excluded.setdefault(reader.exclusions[key], []).append((s, e))
    toks = _Tokens(dc, doc.text if text is None else text)
    inside = _Inside(matches)  # tokens inside a multi-word cue
    negated: dict[tuple[int, int], bool] = {}  # (token, negator sets) -> verdict, shared by hits starting there
    spans: dict[tuple[int, int, int], tuple[Any, Any]] = {}  # (start, end, key) -> (lexicon, indicator)
    info = _rule_info(reader)
    for key, s, e in matches:
        lexicon, ind, code, neg = info[key]
        ex = excluded.get(code) if excluded else None
        if ex and any(s < xe and xs < e for xs, xe in ex):
            continue
        if neg is not None:
            memo = (s, id(neg))
            verdict = negated.get(memo)
            if verdict is None:
                verdict = negated[memo] = _negated(toks, s, neg, inside)
            if verdict:
                continue
        start, end = toks.span(s, e)
        if "?" in toks.text and rejected_question(toks.text, end):
            continue
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
_RULE_INFO: dict[int, tuple[ReaderNLP, dict[int, tuple[Any, Any, str, _NegSets | None]]]] = {}


def _rule_info(reader: ReaderNLP) -> dict[int, tuple[Any, Any, str, _NegSets | None]]:
    """Match key -> (lexicon, indicator, code, negator sets or None when hits are never negated), per reader."""
    got = _RULE_INFO.get(id(reader))
    if got is None or got[0] is not reader:
        got = _RULE_INFO[id(reader)] = (reader, {
            key: (lexicon, ind, ind.code,
                  _negator_sets(lexicon) if ind.negatable and lexicon.negators else None)
            for key, (lexicon, ind) in reader.rules.items()})
    return got[1]
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
