"""A sentence classifier per indicator code, trained here from labelled sentences, as a second reader beside
the lexicons.

Why: the lexicons find the wording they name and little else. On the held-out round r5, written by someone who
never saw them, all lexicons score macro-F1 0.73; with this model (a linear model over normalised words, word
pairs and character n-grams, trained on the earlier rounds and the lexicons' own examples) 0.86 (docs/reading.md,
"Indicator model"). It learns from ``config/training/*.yaml`` and every lexicon family's examples at load time:
nothing is downloaded or shipped as weights, and an analyst teaches it by adding a labelled sentence. A hit
names its sentence as evidence, and ``explain`` lists the words that weighed most.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np

from classifiers.nlp import norm_word
from config.lexicon_schema import IndicatorModelConfig, LexiconSet
from config.training_schema import MODEL_CODES, TrainingSet

MODEL_ID = "indicator_model"
# Words and single symbols ("?" after "uden kondom" is a refusal, "/" in "24/7"); digits stay one token.
# Possessive quantifiers (``++``, ``*+``) here and in other whole-text scans: these patterns never backtrack into a
# repeat (nothing after it can fail), so the matches are those of the greedy forms, and sre keeps no backtracking
# state per character (-10 % of the scan's instructions; tests compare with the greedy forms).
_TOKEN = re.compile(r"[^\W_]++(?:['’][^\W_]++)*+|[^\w\s]")  # "don't" stays one word (a negator)
# Sentence ends: . and ! before a space or the end (not "8.000 kr", "kl. 22.30"), line breaks, and the bullets
# and separators ads use instead of punctuation. Not "?": ads answer their own questions ("Uden kondom? Glem
# det!", "Grænser? har jeg ikke"), and the answer decides.
_SENTENCE = re.compile(r"(?:[^.!\n•|;]++|[.!](?=[^\s.!]))++[.!?]*+")


def _char_grams(norm: str) -> list[str]:
    padded = f"<{norm}>"
    return [padded[i:i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


@lru_cache(maxsize=200_000)
def _word_features(word: str) -> tuple[str, tuple[str, ...]]:
    """(norm, features of the word alone): the word itself and, for words, its character 3-5-grams."""
    norm = norm_word(word)
    grams = _char_grams(norm) if norm.isalpha() and len(norm) > 1 else []
    return norm, (f"w:{norm}", *grams)


_PLACE = ("<place>", ("w:<place>",))
# Nationality and country words (config/people.yaml) read as one token: nationality is context, never a risk factor
# on its own, so the model must not learn "Romanian" as a cue ("Romanian ladies" teaches the plural, not the origin).
_NAT = ("<nat>", ("w:<nat>",))
# A window longer than this is not prose (a pasted blob, one 5,000-letter "word"): not scored, no evidence blob.
MAX_WINDOW_CHARS = 600
# Determiners negate the next word only ("no limits" is a cue, "no limits? no" is not our business here);
# other negators the next NEGATION_SCOPE words up to a punctuation mark (as in indicators.py).
_DETERMINERS = frozenset({"no", "ingen", "intet", "none", "zero"})
NEGATION_SCOPE = 3


def _negated(word: str) -> tuple[str, tuple[str, ...]]:
    norm = "not_" + norm_word(word)
    return norm, (f"w:{norm}",)


def negator_words(lexicons: LexiconSet) -> frozenset[str]:
    """negator_words: every lexicon's negators, lower case (the model marks the words they govern)."""
    return frozenset(w.lower() for lx in lexicons.lexicons for w in lx.negators)


def _scope(word: str, negators: frozenset[str]) -> int:
    if word in negators or word.endswith(("n't", "n’t")):
        return 1 if word in _DETERMINERS else NEGATION_SCOPE
    return 0


def sentence_features(words: list[str], places: frozenset[str] = frozenset(),
                      negators: frozenset[str] = frozenset(), nationalities: frozenset[str] = frozenset()) -> list[str]:
    """sentence_features: word, word-pair and character n-gram features of one sentence (training and reading).

    A place name (one-word gazetteer alias) becomes ``<place>``: "arrived in Aalborg" teaches the *pattern*, and
    "Freja, 36 – Aalborg" must not inherit MOVEMENT from the town's letters; nationality and country words become
    ``<nat>`` for the same reason (and because nationality must never weigh on its own). Words a negator governs become
    ``not_<word>`` without n-grams, so "I do not offer BB" does not share "bb" with "BB possible".
    """
    feats: list[str] = []
    norms: list[str] = []
    scope = 0
    for w in words:
        if scope and w[0].isalnum():
            norm, own = _negated(w)
            scope -= 1
        else:
            norm, own = _PLACE if w in places else _NAT if w in nationalities else _word_features(w)
            scope = _scope(w, negators) if w[0].isalnum() else 0
        norms.append(norm)
        feats.extend(own)
    feats.extend(f"b:{a} {b}" for a, b in pairwise(norms))
    return feats


def windows(text: str, size: int) -> Iterator[tuple[int, int, list[str]]]:
    """(start, end, lower-case words) of each sentence; sentences longer than ``size`` words in half-overlapping
    windows, so a run-on ad with no punctuation is not read as one bag of every word it has."""
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        low = sentence.lower()
        # lower() can change a string's length ("İ"): then offsets come from the original's tokens
        words = _TOKEN.findall(low) if len(low) == len(sentence) else [w.lower() for w in _TOKEN.findall(sentence)]
        if not words:
            continue
        if len(words) <= size:
            lead = len(sentence) - len(sentence.lstrip())
            yield m.start() + lead, m.start() + len(sentence.rstrip()), words
            continue
        spans = [t.span() for t in _TOKEN.finditer(sentence)]  # same tokens as ``words``, original offsets
        step = max(1, size // 2)
        for i in range(0, len(words) - size + step, step):
            j = min(i + size, len(words))
            yield m.start() + spans[i][0], m.start() + spans[j - 1][1], words[i:j]
            if j == len(words):
                break


# A word's cached reading by the model: (norm, rows of its own features, negation scope it opens, is a word, rows of
# the word pairs it starts by next norm).
_Entry = tuple[str, tuple[int, ...], int, bool, dict[str, int]]
_NO_PAIRS: dict[str, int] = {}


@dataclass(frozen=True)
class IndicatorModel:
    """IndicatorModel: one logistic regression per code over binary sentence features."""

    vocab: dict[str, int]
    weights: np.ndarray  # (features, codes)
    bias: np.ndarray  # (codes,)
    codes: tuple[str, ...]
    threshold: float
    window_words: int
    key: str  # changes when the training data or settings do (part of the reading stamp)
    places: frozenset[str]  # lower-case one-word place names, read as <place>
    negators: frozenset[str]  # lower-case lexicon negators
    nationalities: frozenset[str]  # lower-case nationality and country words, read as <nat>
    version: int  # the training files' highest version, stored with each hit as its lexicon version
    trained_on: int  # sentences learnt from (labelled, neutral and lexicon examples)
    # word -> (norm, vocabulary rows of its own features, negation scope it opens, is a word, pair rows after it);
    # "\0" + word -> the same for the word under a negator (filled on use); norm -> {next norm: row of that word
    # pair} (the last field of an entry).
    _words: dict[str, _Entry] = field(default_factory=dict, compare=False, repr=False)
    _next: dict[str, dict[str, int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for feat, row in self.vocab.items():
            if feat.startswith("b:"):
                a, b = feat[2:].split(" ", 1)
                self._next.setdefault(a, {})[b] = row

    def _entry(self, w: str) -> _Entry:
        """(norm, vocabulary rows of the word's own features, negation scope it opens, is a word, pair rows after
        it) for one word."""
        norm, own = _PLACE if w in self.places else _NAT if w in self.nationalities else _word_features(w)
        word = w[0].isalnum()
        rows = tuple(self.vocab[f] for f in own if f in self.vocab)
        entry = (norm, rows, _scope(w, self.negators) if word else 0, word, self._next.get(norm, _NO_PAIRS))
        self._words[w] = entry
        return entry

    def rows(self, words: list[str]) -> list[int]:
        """rows: the vocabulary rows of one sentence's features (each once), as ``sentence_features`` gives them.

        Why cached per word: a word's norm and n-grams are looked up once per model, not once per occurrence;
        the set of rows equals that of ``sentence_features`` (tested).
        """
        cache = self._words
        out: set[int] = set()
        update, add = out.update, out.add
        after: dict[str, int] = _NO_PAIRS  # pair rows after the previous word's norm (none before the first word)
        scope = 0
        for w in words:
            entry = cache.get(w)
            if entry is None:
                entry = self._entry(w)
            if scope and entry[3]:
                scope -= 1
                negated = cache.get("\0" + w)
                if negated is None:
                    norm, own = _negated(w)
                    negated = cache["\0" + w] = (norm, tuple(self.vocab[f] for f in own if f in self.vocab), 0, True,
                                                  self._next.get(norm, _NO_PAIRS))
                entry = negated
            else:
                scope = entry[2]
            update(entry[1])
            row = after.get(entry[0])
            if row is not None:
                add(row)
            after = entry[4]
        return list(out)

    def probabilities(self, words: list[str]) -> np.ndarray:
        """probabilities (array): P(code) for one sentence, in ``codes`` order."""
        rows = self.rows(words)
        score = self.bias + (self.weights[rows].sum(axis=0) if rows else 0.0)
        return 1.0 / (1.0 + np.exp(-score))

    def hits(self, text: str) -> list[tuple[str, int, int, float]]:
        """hits: (code, start, end, probability) of every sentence window at or above the threshold.

        All windows of the text are scored in one numpy call (``reduceat`` over their rows).
        """
        spans, rows, offsets = [], [], []
        for start, end, words in windows(text, self.window_words):
            if end - start > MAX_WINDOW_CHARS:
                continue
            r = self.rows(words)
            if r:
                spans.append((start, end))
                offsets.append(len(rows))
                rows.extend(r)
        if not spans:
            return []
        # fromiter + take: the same rows as ``weights[rows]``, without numpy inspecting a list of ~600 ints
        # element by element first (~15 vs ~30 µs per ad)
        picked = self.weights.take(np.fromiter(rows, dtype=np.intp, count=len(rows)), axis=0)
        scores = np.add.reduceat(picked, np.fromiter(offsets, dtype=np.intp, count=len(offsets)), axis=0) + self.bias
        probs = 1.0 / (1.0 + np.exp(-scores))
        return [(self.codes[j], *spans[i], float(probs[i, j])) for i, j in zip(*np.nonzero(probs >= self.threshold),
                                                                               strict=True)]

    def explain(self, sentence: str, code: str, top: int = 3) -> list[tuple[str, float]]:
        """explain: the features present in ``sentence`` that pushed ``code`` up most (for analysts)."""
        j = self.codes.index(code)
        words = [t.group().lower() for t in _TOKEN.finditer(sentence)]
        feats = sentence_features(words, self.places, self.negators, self.nationalities)
        present = {f: self.weights[self.vocab[f], j] for f in feats if f in self.vocab}
        return sorted(((f, float(w)) for f, w in present.items()), key=lambda x: -x[1])[:top]


def training_rows(training: TrainingSet, lexicons: LexiconSet) -> list[tuple[str, str | None]]:
    """(text, code or None) rows: labelled sentences, the lexicons' examples (decoys and neutral: None)."""
    rows: list[tuple[str, str | None]] = []
    for f in training.files:
        rows += [(it.text, it.code if it.expected == "fire" else None) for it in f.items]
        rows += [(s, None) for s in f.neutral]
    for lexicon in lexicons.lexicons:
        for ind in lexicon.indicators:
            if ind.code not in MODEL_CODES:
                continue
            rows += [(s, ind.code) for s in ind.examples.positive]
            rows += [(s, None) for s in ind.examples.negative]
    return rows


def train(rows: Iterable[tuple[str, str | None]], cfg: IndicatorModelConfig, key: str, version: int = 1,
          places: frozenset[str] = frozenset(), negators: frozenset[str] = frozenset(),
          nationalities: frozenset[str] = frozenset()) -> IndicatorModel:
    """train (IndicatorModel): one L2 logistic regression per code (sklearn, deterministic), balanced classes."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab: dict[str, int] = {}
    indptr, indices, labels = [0], [], []
    for text, code in rows:
        words = [t.group().lower() for t in _TOKEN.finditer(text)]
        feats = {vocab.setdefault(f, len(vocab)) for f in sentence_features(words, places, negators, nationalities)}
        indices.extend(sorted(feats))
        indptr.append(len(indices))
        labels.append(code)
    x = csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(labels), len(vocab)))
    codes = tuple(c for c in MODEL_CODES if c in labels)
    weights = np.zeros((len(vocab), len(codes)), dtype=np.float64)
    bias = np.zeros(len(codes))
    for j, code in enumerate(codes):
        y = np.array([lab == code for lab in labels])
        fit = LogisticRegression(C=cfg.regularisation, class_weight="balanced", max_iter=5000).fit(x, y)
        weights[:, j] = fit.coef_[0]
        bias[j] = fit.intercept_[0]
    return IndicatorModel(vocab, weights, bias, codes, cfg.threshold, cfg.window_words, key, places, negators,
                          nationalities, version, len(labels))


def _digest(words: list[str]) -> str:
    return hashlib.sha256("\n".join(words).encode()).hexdigest()[:8]


_TRAINED: dict[str, IndicatorModel] = {}  # key -> model: tests and config reloads train each data set once


def load_model(training: TrainingSet, lexicons: LexiconSet, cfg: IndicatorModelConfig,
               places: frozenset[str] = frozenset(),
               nationalities: frozenset[str] = frozenset()) -> IndicatorModel | None:
    """load_model: the trained model (cached per training data, lexicons and settings), or None when disabled."""
    if not cfg.enabled:
        return None
    key = f"{MODEL_ID}#{training.key}.{lexicons.key.rsplit('#', 1)[-1]}.{cfg.threshold}.{cfg.regularisation}." \
          f"{cfg.window_words}.{_digest(sorted(places))}.{_digest(sorted(nationalities))}"
    if key not in _TRAINED:
        if len(_TRAINED) >= 4:
            _TRAINED.pop(next(iter(_TRAINED)))
        _TRAINED[key] = train(training_rows(training, lexicons), cfg, key, max(f.version for f in training.files),
                              places, negator_words(lexicons), nationalities)
    return _TRAINED[key]
