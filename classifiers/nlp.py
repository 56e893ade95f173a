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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.attrs import NORM
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
            if ind.patterns:
                matcher.add(key_name, [_norm_pattern(p) for p in ind.patterns])
            if ind.exclusions:
                ex_name = f"{key_name}:exclusion"
                exclusions[nlp.vocab.strings.add(ex_name)] = ind.code
                exclusion_matcher.add(ex_name, [nlp.make_doc(v) for p in ind.exclusions for v in _variants(p)])
    log.info("built %s pipeline for lexicons %s (%d rules)", lang, lexicons.key, len(rules))
    return ReaderNLP(nlp, phrase_matcher, lower_matcher, matcher, exclusion_matcher, rules, exclusions)
