"""spaCy blank pipelines (``da``, ``en``, fallback ``xx``) with our lexicons compiled into matchers.

Why blank pipelines: no pretrained model can be installed. Tolerance comes from the NORM attribute
instead: every word's norm is folded (case, æ/ø/å and ae/oe/aa, accents), de-leeted (c0nd0m),
squeezed (neeeew -> new) and crudely stemmed (piger/pigerne -> pig, arrived -> arriv). Lexicon
phrases go through the same function, so "nye pigerne", "NEW GIRLS" and "new girl" meet their
phrase. The norm is a vocabulary attribute, computed once per distinct word, so it costs nothing
per token. All lexicons are loaded into every language's pipeline because ads mix languages.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import spacy
from spacy.attrs import LOWER, NORM, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

from classifiers.normalize import fold
from config.lexicon_schema import LexiconSet

log = logging.getLogger(__name__)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SUFFIXES = ("erne", "ende", "ene", "ing", "ede", "er", "en", "et", "ed", "es", "e", "s")
_REPEAT = re.compile(r"(.)\1{2,}")


@lru_cache(maxsize=200_000)
def norm_word(word: str) -> str:
    """norm_word (str): the spelling- and inflection-tolerant form used for matching."""
    w = fold(word)
    if w.isalpha():
        pass
    elif any(c.isalpha() for c in w) and sum(c.isdigit() for c in w) <= len(w) // 2 and len(w) >= 3:
        w = w.translate(_LEET)
    if not w.isalpha():
        return w
    squeezed = _REPEAT.sub(r"\1", w)
    if len(squeezed) >= 3:
        w = squeezed
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


@dataclass
class ReaderNLP:
    """ReaderNLP: one tokenizer with its matchers. ``rules`` maps a match key to (lexicon, indicator)."""

    nlp: Language
    phrase_matcher: PhraseMatcher
    lower_matcher: PhraseMatcher
    matcher: Matcher
    exclusion_matcher: PhraseMatcher
    rules: dict[int, tuple[Any, Any]]
    exclusions: dict[int, str]  # match key -> indicator code whose hits it cancels (any lexicon)
    # Prefilter for the token patterns (the dearest step): every pattern with a required literal word (its
    # "anchor") gets its own small Matcher, run only on a window around tokens that carry that word; the
    # few patterns without an anchor run on the whole doc (``free_matcher``).
    anchors: Any = None  # numpy uint64 array of every anchor word's hash
    anchor_groups: dict[int, list[int]] = field(default_factory=dict)  # word hash -> group indices
    groups: list[tuple[Matcher, int]] = field(default_factory=list)  # (matcher, window)
    free_matcher: Matcher | None = None

    def token_matches(self, doc: Any) -> list[tuple[int, int, int]]:
        """token_matches: Matcher hits, running each pattern only around tokens that carry its anchor word."""
        out: list[tuple[int, int, int]] = []
        if self.free_matcher is not None and len(self.free_matcher):
            out.extend(self.free_matcher(doc))
        if self.anchors is None or not len(self.anchors) or not len(doc):
            return out
        arr = doc.to_array([ORTH, LOWER, NORM])
        rows = np.nonzero(np.isin(arr, self.anchors).any(axis=1))[0]
        if not len(rows):
            return out
        where: dict[int, list[int]] = {}
        for i in rows.tolist():
            gids: set[int] = set()
            for h in arr[i].tolist():
                gids.update(self.anchor_groups.get(h, ()))
            for g in gids:
                where.setdefault(g, []).append(i)
        n = len(doc)
        for g, idx in where.items():
            matcher, w = self.groups[g]
            spans: list[list[int]] = []
            for i in idx:
                a, b = max(0, i - w), min(n, i + w + 1)
                if spans and a <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], b)
                else:
                    spans.append([a, b])
            for a, b in spans:
                out.extend((k, s + a, e + a) for k, s, e in matcher(doc[a:b]))
        return out


def _variants(phrase: str) -> set[str]:
    out = {phrase}
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        if a in phrase:
            out.add(phrase.replace(a, b))
    return out


def _norm_pattern(pattern: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """Token patterns may use NORM with plain words; we put them through ``norm_word``."""
    out = []
    for tok in pattern:
        tok = dict(tok)
        if "NORM" in tok:
            val = tok["NORM"]
            if isinstance(val, str):
                tok["NORM"] = norm_word(val)
            elif isinstance(val, dict):
                tok["NORM"] = {k: ([norm_word(x) for x in v] if k in ("IN", "NOT_IN") and isinstance(v, list)
                                   else v) for k, v in val.items()}
        out.append(tok)
    return out


_ANCHOR_ATTRS = ("NORM", "LOWER", "ORTH", "TEXT")


def _anchor(pattern: list[dict[str, Any]]) -> list[str] | None:
    """The literal words of the most selective required token of a pattern (None: no anchor, or unbounded)."""
    if any(tok.get("OP") in ("*", "+") for tok in pattern):
        return None
    best: list[str] | None = None
    best_cost = float("inf")
    for tok in pattern:
        if tok.get("OP") in ("?", "!"):
            continue
        for attr in _ANCHOR_ATTRS:
            val = tok.get(attr)
            if isinstance(val, str):
                words = [val]
            elif isinstance(val, dict) and set(val) == {"IN"} and isinstance(val["IN"], list) and val["IN"]:
                words = val["IN"]
            else:
                continue
            cost = sum(25 if len(str(x)) <= 3 else 1 for x in words)
            if cost < best_cost:
                best, best_cost = [str(x) for x in words], cost
    return best


def _blank(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.vocab.lex_attr_getters[NORM] = norm_word
    for lex in nlp.vocab:  # lexemes made before the getter was set
        lex.norm_ = norm_word(lex.orth_)
    return nlp


_LEXICONS: dict[str, LexiconSet] = {}


def build_nlp(lang: str, lexicons: LexiconSet, key: str | None = None) -> ReaderNLP:
    """build_nlp (ReaderNLP): a blank ``lang`` pipeline with every lexicon compiled; cached by lexicon key."""
    if lang not in ("da", "en"):
        lang = "xx"
    key = key or lexicons.key
    _LEXICONS.setdefault(key, lexicons)
    return _build(lang, key)


@lru_cache(maxsize=8)
def _build(lang: str, lexicon_key: str) -> ReaderNLP:
    lexicons = _LEXICONS[lexicon_key]
    nlp = _blank(lang)
    phrase_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    exclusion_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    matcher = Matcher(nlp.vocab)
    free_matcher = Matcher(nlp.vocab)
    groups: list[tuple[Matcher, int]] = []
    anchor_groups: dict[int, list[int]] = {}
    rules: dict[int, tuple[Any, Any]] = {}
    exclusions: dict[int, str] = {}
    for lexicon in lexicons.lexicons:
        for ind in lexicon.indicators:
            key_name = f"{lexicon.id}:{ind.id}"
            key = nlp.vocab.strings.add(key_name)
            rules[key] = (lexicon, ind)
            docs = [nlp.make_doc(v) for p in ind.phrases for v in _variants(p)]
            if docs:
                (lower_matcher if ind.attr == "LOWER" else phrase_matcher).add(key_name, docs)
            free = []
            for p in ind.patterns:
                normed = _norm_pattern(p)
                words = _anchor(normed)
                if words is None:
                    free.append(normed)
                    continue
                matcher.add(key_name, [normed])  # the whole set, kept for callers that want one Matcher
                one = Matcher(nlp.vocab)
                one.add(key_name, [normed])
                groups.append((one, len(normed) - 1))
                for w in words:
                    anchor_groups.setdefault(nlp.vocab.strings.add(w), []).append(len(groups) - 1)
            if free:
                free_matcher.add(key_name, free)
            if ind.exclusions:
                ex_name = f"{key_name}:exclusion"
                exclusions[nlp.vocab.strings.add(ex_name)] = ind.code
                exclusion_matcher.add(ex_name, [nlp.make_doc(v) for p in ind.exclusions for v in _variants(p)])
    log.info("built %s pipeline for lexicons %s (%d rules)", lang, lexicons.key, len(rules))
    anchors = np.array(sorted(anchor_groups), dtype=np.uint64)
    return ReaderNLP(nlp, phrase_matcher, lower_matcher, matcher, exclusion_matcher, rules, exclusions, anchors,
                     anchor_groups, groups, free_matcher)
