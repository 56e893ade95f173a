"""Indicator hits from the lexicons, with negation and decoy handling, each with its evidence.

Why explicit negation: "not new in town", "never without condom", "independent, no agency",
"ikke ny i byen" use the very cue words. A hit is dropped when a lexicon negator stands within
``negation_window`` tokens before it in the same clause (clauses end at punctuation and at the
lexicon's ``clause_breaks``), or when it overlaps one of the indicator's ``exclusions`` ("young at
heart"). Hits keep the lexicon id and version, character offsets and the matched text.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _negated(doc: Doc, start: int, window: int, negators: frozenset[str], breaks: frozenset[str]) -> bool:
    if start > 0 and doc[start].is_title and doc[start - 1].is_lower and doc[start - 1].is_alpha:
        return False  # a capitalised cue after a lower-case word starts a new sentence written without a full stop
    seen = 0
    i = start - 1
    while i >= 0 and seen < window:
        tok = doc[i]
        if (tok.is_punct and (set(tok.text) & _PUNCT_BREAK)) or "\n" in tok.text:
            return False
        if tok.is_space:
            i -= 1
            continue
        if tok.norm_ in breaks:
            return False
        if tok.norm_ in negators or tok.lower_ in negators:
            return not (tok.lower_ in _DETERMINERS and seen >= 1)
        seen += 1
        i -= 1
    return False


def find_indicators(doc: Doc, reader: ReaderNLP) -> list[IndicatorHit]:
    """find_indicators (list[IndicatorHit]): surviving hits in ``doc`` order, one per (indicator, span)."""
    matches = list(reader.phrase_matcher(doc)) + list(reader.lower_matcher(doc)) + reader.token_matches(doc)
    if not matches:
        return []
    excluded: list[tuple[str, int, int]] = []
    if reader.exclusions:
        for key, s, e in reader.exclusion_matcher(doc):
            excluded.append((reader.exclusions[key], s, e))
    hits: dict[tuple[str, int, int], IndicatorHit] = {}
    for key, s, e in matches:
        lexicon, ind = reader.rules[key]
        if any(code == ind.code and s < xe and xs < e for code, xs, xe in excluded):
            continue
        if ind.negatable and lexicon.negators:
            negs, breaks = _negator_sets(lexicon)
            if _negated(doc, s, lexicon.negation_window, negs, breaks):
                continue
        span = doc[s:e]
        hit = IndicatorHit(ind.code, ind.id, lexicon.id, lexicon.version, span.start_char, span.end_char, span.text)
        hits[(ind.id, hit.start, hit.end)] = hit
    # Keep the longest of overlapping hits of the same indicator.
    out: list[IndicatorHit] = []
    for hit in sorted(hits.values(), key=lambda h: (h.start, -(h.end - h.start))):
        if any(o.indicator_id == hit.indicator_id and o.start <= hit.start < o.end for o in out):
            continue
        out.append(hit)
    return out


_NEG_CACHE: dict[tuple[str, int], tuple[frozenset[str], frozenset[str]]] = {}


def _negator_sets(lexicon: object) -> tuple[frozenset[str], frozenset[str]]:
    key = (lexicon.id, lexicon.version)  # type: ignore[attr-defined]
    found = _NEG_CACHE.get(key)
    if found is None:
        negs = frozenset(w.lower() for w in lexicon.negators) | frozenset(  # type: ignore[attr-defined]
            norm_word(w) for w in lexicon.negators)  # type: ignore[attr-defined]
        breaks = frozenset(norm_word(w) for w in lexicon.clause_breaks)  # type: ignore[attr-defined]
        found = _NEG_CACHE[key] = (negs, breaks)
    return found
