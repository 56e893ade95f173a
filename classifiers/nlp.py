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
from operator import itemgetter
from typing import Any

import numpy as np
import spacy
from spacy.attrs import IDX, LOWER, NORM, ORTH, SHAPE
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

from classifiers.normalize import fold
from classifiers.pattern_index import PatternIndex, WordKey
from config.lexicon_schema import LexiconSet

log = logging.getLogger(__name__)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SUFFIXES = ("erne", "ende", "ene", "ing", "ede", "er", "en", "et", "ed", "es", "e", "s")
_REPEAT = re.compile(r"(.)\1{2,}")
# A number with a short unit ("5am", "3pm", "24h", "30min") is not leetspeak: "5am" must not read as "sam" ("same").
_NUMBER_UNIT = re.compile(r"\d+[a-z]{1,3}")


@lru_cache(maxsize=200_000)
def norm_word(word: str) -> str:
    """norm_word (str): the spelling- and inflection-tolerant form used for matching."""
    w = fold(word)
    if w.isalpha():
        pass
    elif any(c.isalpha() for c in w) and sum(c.isdigit() for c in w) <= len(w) // 2 and len(w) >= 3 and \
            not _NUMBER_UNIT.fullmatch(w):
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


# ---------------------------------------------------------------- token patterns without the Matcher
# spaCy's Matcher builds a Token object for every token it is given, so each call costs microseconds even
# on a short window. Patterns made only of the predicates below (literal words, lexical flags, LENGTH, and
# the optional "?" operator) are evaluated here on the doc's hash columns instead, with the Matcher's
# semantics: every distinct (start, end) for which some way through the pattern matches. Any other pattern
# still goes to a Matcher. Equality with the Matcher is tested on generated docs (tests/classifiers).
_STR_COLUMNS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "NORM": NORM, "SHAPE": SHAPE}
_FLAGS = {"IS_ALPHA": "is_alpha", "IS_ASCII": "is_ascii", "IS_DIGIT": "is_digit", "IS_LOWER": "is_lower",
          "IS_UPPER": "is_upper", "IS_TITLE": "is_title", "IS_PUNCT": "is_punct", "IS_SPACE": "is_space",
          "IS_STOP": "is_stop", "LIKE_NUM": "like_num", "LIKE_URL": "like_url", "LIKE_EMAIL": "like_email",
          "IS_BRACKET": "is_bracket", "IS_QUOTE": "is_quote", "IS_LEFT_PUNCT": "is_left_punct",
          "IS_RIGHT_PUNCT": "is_right_punct", "IS_CURRENCY": "is_currency"}
_COMPARE = {"==": int.__eq__, "!=": int.__ne__, ">=": int.__ge__, "<=": int.__le__, ">": int.__gt__,
            "<": int.__lt__}
# A token check: ("h", column attr, hashes, wanted) | ("f", flag name, wanted) | ("n", compare, value)
Check = tuple[Any, ...]


def _compile_token(tok: dict[str, Any], strings: Any) -> tuple[bool, tuple[Check, ...]] | None:
    """(optional, checks) of one pattern token, or None when it uses anything the evaluator does not know."""
    op = tok.get("OP")
    if op not in (None, "?"):
        return None
    checks: list[Check] = []
    for attr, val in tok.items():
        if attr == "OP":
            continue
        if attr in _STR_COLUMNS:
            if isinstance(val, str):
                checks.append(("h", _STR_COLUMNS[attr], frozenset({strings.add(val)}), True))
            elif (isinstance(val, dict) and len(val) == 1 and set(val) <= {"IN", "NOT_IN"}
                  and isinstance(next(iter(val.values())), list)
                  and all(isinstance(x, str) for x in next(iter(val.values())))):
                kind, words = next(iter(val.items()))
                checks.append(("h", _STR_COLUMNS[attr], frozenset(strings.add(w) for w in words), kind == "IN"))
            else:
                return None
        elif attr in _FLAGS and isinstance(val, bool):
            checks.append(("f", _FLAGS[attr], val))
        elif attr == "LENGTH" and isinstance(val, int) and not isinstance(val, bool):
            checks.append(("n", int.__eq__, val))
        elif attr == "LENGTH" and isinstance(val, dict) and val and all(
                k in _COMPARE and isinstance(v, int) and not isinstance(v, bool) for k, v in val.items()):
            checks.extend(("n", _COMPARE[k], v) for k, v in val.items())
        else:
            return None
    return op == "?", tuple(checks)


def compile_pattern(pattern: list[dict[str, Any]], strings: Any) -> tuple[tuple[bool, tuple[Check, ...]], ...] | None:
    """compile_pattern: the pattern as (optional, checks) per token, or None when the Matcher must run it."""
    out = []
    for tok in pattern:
        got = _compile_token(tok, strings)
        if got is None:
            return None
        out.append(got)
    return tuple(out) if any(not opt for opt, _ in out) else None


# ---------------------------------------------------------------- compiled patterns as Python functions
# A compiled pattern with k optional tokens is the union of its 2**k fixed-length variants (each optional token
# taken or skipped): the Matcher's set of (start, end) is the set of (s, s + len(v)) for which a variant v matches
# from s. Each variant holds the anchor token (a required one) at a known index, so from an anchor position i the
# variant can only start at i - index. ``codegen`` writes one function per pattern group that tests every
# variant at every anchor position with inline comparisons on the doc's columns (no per-token calls) and returns
# the set of (start, end). The columns (``DocColumns``): ORTH and NORM per token from one ``Doc.to_array`` (a
# token's NORM can differ from its lexeme's), and per token its lexeme's facts (LOWER, length of the text, flags)
# from a per-vocabulary cache, since a Token's lower and flags are its lexeme's.
MAX_OPTIONAL = 6  # more optional tokens than this: the generic evaluator (``_DocView.ends``) runs instead
_CMP_SOURCE = {int.__eq__: "==", int.__ne__: "!=", int.__ge__: ">=", int.__le__: "<=", int.__gt__: ">",
               int.__lt__: "<"}
# Lexeme facts every doc view holds, in this order (negation reads them too); pattern flags are added per pipeline.
LEX_FLAGS = ("is_punct", "is_space", "is_title", "is_lower", "is_alpha")
LEX_LOWER, LEX_LENGTH, LEX_TEXT = 0, 1, 2  # positions in a lexeme fact tuple; flags follow from 3
LEX_SHAPE = -5  # the lexeme's SHAPE hash ("dd-dd"), counted from the end of the tuple


class LexemeFacts(dict):  # type: ignore[type-arg]
    """ORTH hash -> facts of that lexeme, filled on first use: (lower hash, length of the text, the text, *flags,
    SHAPE hash, lexeme NORM hash, literal hashes, literal hashes but NORM's, word key).

    The last four serve ``ReaderNLP.token_matches``: the hashes of the lexeme's ORTH/LOWER/NORM (those of
    ``lit_attrs``) that are in ``literals``, so a doc's literal words are read per token without hashing every
    column value, and their ``PatternIndex`` key (None without an index). A token whose NORM differs from its
    lexeme's (a tokenizer exception) is patched per doc.
    """

    def __init__(self, vocab: Any, flags: tuple[str, ...], literals: frozenset[int] = frozenset(),
                 lit_attrs: tuple[int, ...] = (), index: PatternIndex | None = None) -> None:
        super().__init__()
        self.vocab, self.flags, self.literals, self.lit_attrs = vocab, flags, literals, lit_attrs
        self.index = index

    def __missing__(self, orth: int) -> tuple[Any, ...]:
        lex = self.vocab[orth]
        text = lex.orth_
        base = tuple(h for attr, h in ((ORTH, lex.orth), (LOWER, lex.lower)) if attr in self.lit_attrs
                     and h in self.literals)
        full = base + ((lex.norm,) if NORM in self.lit_attrs and lex.norm in self.literals else ())
        key = self.index.key(full) if self.index is not None else None
        got = self[orth] = (lex.lower, len(text), text, *(bool(getattr(lex, f)) for f in self.flags), lex.shape,
                            lex.norm, full, base, key)
        return got


def _check_source(check: Check, pos: str, flag_at: dict[str, int], consts: dict[str, Any]) -> str:
    """Python source of one token check at position expression ``pos``: O/N are the ORTH/NORM columns, X the
    lexeme facts."""
    kind = check[0]
    if kind == "h":
        _k, attr, hashes, wanted = check
        ref = {ORTH: f"O[{pos}]", NORM: f"N[{pos}]", LOWER: f"X[{pos}][{LEX_LOWER}]",
               SHAPE: f"X[{pos}][{LEX_SHAPE}]"}[attr]
        if len(hashes) == 1:
            return f"{ref} {'==' if wanted else '!='} {next(iter(hashes))}"
        name = f"S{len(consts)}"
        consts[name] = hashes
        return f"{ref} {'in' if wanted else 'not in'} {name}"
    if kind == "f":
        ref = f"X[{pos}][{flag_at[check[1]]}]"
        return ref if check[2] else f"not {ref}"
    return f"X[{pos}][{LEX_LENGTH}] {_CMP_SOURCE[check[1]]} {int(check[2])}"


def codegen(program: tuple[tuple[bool, tuple[Check, ...]], ...], at: int, flag_at: dict[str, int]) -> Any:
    """codegen: ``f(O, N, X, n, anchors) -> set[(start, end)]`` for a compiled pattern anchored at token ``at``.

    flag_at maps a flag name to its index in a lexeme fact tuple. None when the pattern has more than
    ``MAX_OPTIONAL`` optional tokens (the generic evaluator then runs).
    """
    opts = [j for j, (opt, _c) in enumerate(program) if opt]
    if len(opts) > MAX_OPTIONAL or program[at][0]:
        return None
    consts: dict[str, Any] = {}
    variants: dict[tuple[int, ...], None] = {}
    for mask in range(1 << len(opts)):
        skip = {opts[b] for b in range(len(opts)) if mask >> b & 1}
        variants[tuple(j for j in range(len(program)) if j not in skip)] = None
    blocks = []
    for toks in variants:
        a, size = toks.index(at), len(toks)
        conds = ["s >= 0" if a else "", f"s + {size} <= n"]
        for off, j in enumerate(toks):
            pos = "s" if off == 0 else f"s + {off}"
            conds += [_check_source(c, pos, flag_at, consts) for c in program[j][1]]
        cond = " and ".join(c for c in conds if c)
        blocks.append(f"        s = i - {a}\n        if {cond}:\n            out.add((s, s + {size}))")
    src = "def _group(O, N, X, n, anchors):\n    out = set()\n    for i in anchors:\n" + "\n".join(blocks) + \
        "\n    return out\n"
    namespace = dict(consts)
    # The source holds only ints (hashes, offsets, LENGTH values) and names; word sets are passed as constants.
    exec(compile(src, "<token pattern>", "exec"), namespace)
    fn = namespace["_group"]
    fn.source = src
    return fn


_LOWER_OF = itemgetter(LEX_LOWER)
_SHAPE_OF = itemgetter(LEX_SHAPE)
_NORM_OF = itemgetter(-4)
_LITS_OF = itemgetter(-3)
_KEY_OF = itemgetter(-1)


class DocColumns:
    """One doc's token columns: ORTH and NORM hashes, character offsets, and each token's lexeme facts."""

    __slots__ = ("idx", "lex", "n", "norm", "orth")

    def __init__(self, doc: Any, facts: LexemeFacts) -> None:
        self.n = len(doc)
        if self.n:
            self.orth, self.norm, self.idx = doc.to_array([ORTH, NORM, IDX]).T.tolist()
        else:
            self.orth, self.norm, self.idx = [], [], []
        self.lex: list[tuple[Any, ...]] = list(map(facts.__getitem__, self.orth))

    def literal_words(self, literals: frozenset[int], norm: bool) -> list[tuple[int, ...]]:
        """Per token: its ORTH/LOWER/NORM hashes that are in ``literals`` (those of the facts' ``lit_attrs``).

        norm (bool): NORM is one of them; a token whose NORM is not its lexeme's gets its own.
        """
        lits = list(map(_LITS_OF, self.lex))
        if norm:
            self._patch_norms(lits, lambda words: words, literals)
        return lits

    def _patch_norms(self, values: list[Any], make: Any, literals: frozenset[int]) -> None:
        """Replace, at each token whose NORM is not its lexeme's, ``values[i]`` by ``make(its literal words)``."""
        lex = self.lex
        lex_norms = list(map(_NORM_OF, lex))
        if lex_norms != self.norm:
            for i, (a, b) in enumerate(zip(lex_norms, self.norm, strict=True)):
                if a != b:
                    values[i] = make(lex[i][-2] + ((b,) if b in literals else ()))

    def word_keys(self, index: PatternIndex, literals: frozenset[int], norm: bool) -> list[WordKey]:
        """Per token: its ``PatternIndex`` key (None: no literal word), patched like ``literal_words``."""
        keys = list(map(_KEY_OF, self.lex))
        if norm:
            self._patch_norms(keys, index.key, literals)
        return keys

    def column(self, attr: int) -> list[int]:
        """The ORTH, LOWER, NORM or SHAPE hash of every token."""
        if attr == ORTH:
            return self.orth
        if attr == NORM:
            return self.norm
        return list(map(_SHAPE_OF if attr == SHAPE else _LOWER_OF, self.lex))


class _DocView:
    """Hash columns of one doc plus Token objects made only for the positions a flag check reads."""

    __slots__ = ("cols", "doc", "n", "tokens")

    def __init__(self, doc: Any, cols: dict[int, list[int]]) -> None:
        self.doc, self.n, self.tokens = doc, len(doc), {}
        self.cols = cols  # attr id -> one list per column

    def ok(self, checks: tuple[Check, ...], j: int) -> bool:
        """Token ``j`` passes every check."""
        for check in checks:
            kind = check[0]
            if kind == "h":
                if (self.cols[check[1]][j] in check[2]) != check[3]:
                    return False
                continue
            tok = self.tokens.get(j)
            if tok is None:
                tok = self.tokens[j] = self.doc[j]
            if kind == "f":
                if getattr(tok, check[1]) != check[2]:
                    return False
            elif not check[1](len(tok.text), check[2]):
                return False
        return True

    def ends(self, pattern: tuple[tuple[bool, tuple[Check, ...]], ...], start: int) -> set[int]:
        """Every end of a way through ``pattern`` from token ``start`` (the Matcher's set of matches there)."""
        states = {start}
        n = self.n
        for optional, checks in pattern:
            nxt = {j + 1 for j in states if j < n and self.ok(checks, j)}
            if optional:
                nxt |= states
            if not nxt:
                return nxt
            states = nxt
        return states

    def fixed(self, pattern: tuple[tuple[bool, tuple[Check, ...]], ...], start: int) -> bool:
        """A pattern without optional tokens matches the tokens from ``start`` (the caller checks the bounds)."""
        ok = self.ok
        return all(ok(checks, start + j) for j, (_opt, checks) in enumerate(pattern))


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
    # "anchor") gets its own small Matcher, run only on a window around a token that carries that word, and
    # only when the pattern's other required literal words occur in the doc (one set check over the doc's
    # ORTH/LOWER/NORM hashes) and at their possible offsets from that token. These checks are necessary
    # conditions only; the Matcher still decides, so the hits equal the full Matcher's (tested). Patterns
    # without an anchor run on the whole doc (``free_matcher``).
    anchors: Any = None  # numpy uint64 array of every anchor word's hash
    anchor_groups: dict[int, list[int]] = field(default_factory=dict)  # word hash -> group indices
    groups: list[tuple[Matcher, int]] = field(default_factory=list)  # (matcher, window)
    free_matcher: Matcher | None = None
    required: list[tuple[frozenset[int], ...]] = field(default_factory=list)  # per group: required word sets
    checks: list[tuple[tuple[int, int, frozenset[int]], ...]] = field(default_factory=list)  # (min, max offset, words)
    literals: frozenset[int] = frozenset()  # every hash in any required set
    group_anchor: list[frozenset[int]] = field(default_factory=list)  # per group: its anchor word hashes
    columns: list[int] = field(default_factory=lambda: [ORTH, LOWER, NORM])  # token attrs the literals use
    # per group: (compiled pattern, anchor's index in it, min and max tokens before the anchor) or None
    compiled: list[Any] = field(default_factory=list)
    group_keys: list[int] = field(default_factory=list)  # per group: its match key
    facts: Any = None  # LexemeFacts of this vocabulary
    programs: list[Any] = field(default_factory=list)  # per group: ``codegen`` function or None
    index: PatternIndex | None = None  # required-set bits and anchor sets per group (made on first use)

    @property
    def plan(self) -> list[tuple[Any, frozenset[int], Any, int]]:
        """Per group: (required word sets, anchor word hashes, program or None, match key), made once."""
        got = self.__dict__.get("_plan")
        if got is None or len(got) != len(self.groups):
            programs = self.programs or [None] * len(self.groups)
            got = self.__dict__["_plan"] = list(zip(self.required, self.group_anchor, programs, self.group_keys,
                                                    strict=True))
        return got

    def columns_of(self, doc: Any) -> DocColumns:
        """columns_of (DocColumns): the doc's token columns, shared by the pattern evaluator and negation."""
        if self.index is None:  # a reader made without ``_build``
            self.index = PatternIndex(self.required, self.group_anchor)
            flags = self.facts.flags if self.facts is not None else LEX_FLAGS
            self.facts = LexemeFacts(self.nlp.vocab, flags, self.literals, tuple(self.columns), self.index)
        return DocColumns(doc, self.facts)

    def token_matches(self, doc: Any, dc: DocColumns | None = None) -> list[tuple[int, int, int]]:
        """token_matches: Matcher hits, running each pattern only around tokens that carry its anchor word.

        dc (DocColumns): the doc's columns when the caller already read them (``columns_of``).
        """
        out: list[tuple[int, int, int]] = []
        if self.free_matcher is not None and len(self.free_matcher):
            out.extend(self.free_matcher(doc))
        n = len(doc)
        if not self.groups or not n:
            return out
        if dc is None:
            dc = self.columns_of(doc)
        # Which groups can match, and at which anchor tokens, from each token's lexeme (pattern_index).
        index = self.index
        assert index is not None  # made by columns_of
        runs, candidates = index.plan(dc.word_keys(index, self.literals, NORM in self.columns))
        view: _DocView | None = None
        plan = self.plan
        for g, idx in runs:
            program = plan[g][2]
            key = plan[g][3]
            if program is not None:
                got = program(dc.orth, dc.norm, dc.lex, n, idx)
                if got:
                    out.extend([(key, st, e) for st, e in sorted(got)])
                continue
            compiled = self.compiled[g] if self.compiled else None
            if compiled is not None:
                if view is None:
                    view = _DocView(doc, {attr: dc.column(attr) for attr in (ORTH, LOWER, NORM, SHAPE)})
                out.extend(self._evaluate(view, g, compiled, set(idx)))
                continue
            lit = [dc.column(a) for a in self.columns]
            strided = [h for t in zip(*lit, strict=True) for h in t]
            out.extend(self._run_matcher(doc, strided, len(lit), n, g, set(idx)))
        # Patterns of one indicator run as separate groups; the Matcher reports a (key, start, end) once even
        # when several of the key's patterns match it, so do we.
        return list(dict.fromkeys(out)) if candidates > 1 else out

    def _evaluate(self, view: _DocView, g: int, compiled: tuple[Any, int, int, int],
                  anchors: set[int]) -> list[tuple[int, int, int]]:
        """Matches of compiled group ``g`` starting where its anchor token can sit at one of ``anchors``."""
        pattern, at, min_pre, max_pre = compiled
        key = self.group_keys[g]
        anchor_checks = pattern[at][1]
        if min_pre == max_pre == at and all(not opt for opt, _ in pattern):  # one way through: no sets needed
            size = len(pattern)
            return [(key, i - at, i - at + size) for i in sorted(anchors) if i >= at and i - at + size <= view.n
                    and view.ok(anchor_checks, i) and view.fixed(pattern, i - at)]
        starts = {st for i in anchors if view.ok(anchor_checks, i)
                  for st in range(max(0, i - max_pre), i - min_pre + 1)}
        return [(key, st, e) for st in sorted(starts) for e in sorted(view.ends(pattern, st)) if e > st]

    def _run_matcher(self, doc: Any, flat: list[int], stride: int, n: int, g: int,
                     anchors: set[int]) -> list[tuple[int, int, int]]:
        """Matcher hits of group ``g`` on windows around the anchors whose other words sit at a possible offset."""
        checks = self.checks[g]
        matcher, w = self.groups[g]
        spans: list[list[int]] = []
        for i in sorted(anchors):
            ok = True
            for lo, hi, words in checks:
                for j in range(max(0, i + lo), min(n, i + hi + 1)):
                    if not words.isdisjoint(flat[stride * j:stride * j + stride]):
                        break
                else:
                    ok = False
                    break
            if not ok:
                continue
            a, b = max(0, i - w), min(n, i + w + 1)
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        out: list[tuple[int, int, int]] = []
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


def _literal_words(tok: dict[str, Any]) -> list[list[str]]:
    """The literal word sets a token requires (one list per attribute that pins it to words)."""
    out = []
    for attr in _ANCHOR_ATTRS:
        val = tok.get(attr)
        if isinstance(val, str):
            out.append([val])
        elif isinstance(val, dict) and set(val) == {"IN"} and isinstance(val["IN"], list) and val["IN"]:
            out.append([str(x) for x in val["IN"]])
    return out


def _required_sets(pattern: list[dict[str, Any]], strings: Any) -> tuple[frozenset[int], ...]:
    """Hash sets of every required (no OP) literal token: a match needs one word of each set in the doc."""
    return tuple(frozenset(strings.add(w) for w in words) for tok in pattern if "OP" not in tok
                 for words in _literal_words(tok))


def _offset_checks(pattern: list[dict[str, Any]], at: int, strings: Any) -> tuple[tuple[int, int, frozenset[int]], ...]:
    """(min, max offset from the anchor token, words) of every other required literal token.

    Optional tokens ("?", and "!" which consumes none) widen the range; only no-OP tokens count as consumed.
    """
    out = []
    for j, tok in enumerate(pattern):
        if j == at or "OP" in tok:
            continue
        lo_j, hi_j = (at + 1, j) if j > at else (j + 1, at)
        between = pattern[lo_j:hi_j]
        need = sum(1 for t in between if "OP" not in t) + 1
        most = len(between) + 1
        lo, hi = (need, most) if j > at else (-most, -need)
        out.extend((lo, hi, frozenset(strings.add(w) for w in words)) for words in _literal_words(tok))
    return tuple(out)


def _anchor(pattern: list[dict[str, Any]]) -> tuple[int, list[str]] | None:
    """(index, literal words) of the most selective required token of a pattern (None: no anchor, or unbounded)."""
    if any(tok.get("OP") not in (None, "?", "!") for tok in pattern):
        return None
    best: tuple[int, list[str]] | None = None
    best_cost = float("inf")
    for j, tok in enumerate(pattern):
        if "OP" in tok:
            continue
        for words in _literal_words(tok):
            cost = sum(25 if len(str(x)) <= 3 else 1 for x in words)
            if cost < best_cost:
                best, best_cost = (j, words), cost
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
    required: list[tuple[frozenset[int], ...]] = []
    checks: list[tuple[tuple[int, int, frozenset[int]], ...]] = []
    group_anchor: list[frozenset[int]] = []
    compiled: list[Any] = []
    group_keys: list[int] = []
    attrs_used: set[str] = set()
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
                found = _anchor(normed)
                if found is None:
                    free.append(normed)
                    continue
                matcher.add(key_name, [normed])  # the whole set, kept for callers that want one Matcher
                one = Matcher(nlp.vocab)
                one.add(key_name, [normed])
                groups.append((one, len(normed) - 1))
                group_keys.append(key)
                program = compile_pattern(normed, nlp.vocab.strings)
                pre = normed[:found[0]]
                compiled.append(None if program is None else
                                (program, found[0], sum(1 for t in pre if "OP" not in t), len(pre)))
                if program is not None:
                    attrs_used.update(a for tok in normed for a in _ANCHOR_ATTRS if a in tok)
                required.append(_required_sets(normed, nlp.vocab.strings))
                checks.append(_offset_checks(normed, found[0], nlp.vocab.strings))
                group_anchor.append(frozenset(nlp.vocab.strings.add(w) for w in found[1]))
                attrs_used.update(a for tok in normed if "OP" not in tok for a in _ANCHOR_ATTRS if a in tok)
                for w in found[1]:
                    anchor_groups.setdefault(nlp.vocab.strings.add(w), []).append(len(groups) - 1)
            if free:
                free_matcher.add(key_name, free)
            if ind.exclusions:
                ex_name = f"{key_name}:exclusion"
                exclusions[nlp.vocab.strings.add(ex_name)] = ind.code
                exclusion_matcher.add(ex_name, [nlp.make_doc(v) for p in ind.exclusions for v in _variants(p)])
    log.info("built %s pipeline for lexicons %s (%d rules)", lang, lexicons.key, len(rules))
    anchors = np.array(sorted(anchor_groups), dtype=np.uint64)
    literals = frozenset(h for req in required for r in req for h in r)
    columns = [attr for name, attr in (("ORTH", ORTH), ("LOWER", LOWER), ("NORM", NORM))
               if name in attrs_used or (name == "ORTH" and "TEXT" in attrs_used)] or [NORM]
    flags = LEX_FLAGS + tuple(sorted({c[1] for got in compiled if got is not None for _o, cs in got[0] for c in cs
                                      if c[0] == "f"} - set(LEX_FLAGS)))
    flag_at = {f: k + 3 for k, f in enumerate(flags)}
    programs = [None if got is None else codegen(got[0], got[1], flag_at) for got in compiled]
    index = PatternIndex(required, group_anchor)
    return ReaderNLP(nlp, phrase_matcher, lower_matcher, matcher, exclusion_matcher, rules, exclusions, anchors,
                     anchor_groups, groups, free_matcher, required, checks, literals, group_anchor, columns, compiled,
                     group_keys, LexemeFacts(nlp.vocab, flags, literals, tuple(columns), index), programs, index)
