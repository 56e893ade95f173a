"""Ad language with lingua, loading only the languages we expect (memory and speed, stack note 7).

Why a confidence threshold: short English ads full of Danish names come out Danish; below the
threshold we say "unknown" rather than guess, and the reader then runs all lexicons anyway.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _detector(names: tuple[str, ...]) -> LanguageDetector:
    langs = []
    for name in names:
        try:
            langs.append(getattr(Language, name.upper()))
        except AttributeError:
            log.warning("[E101] unknown lingua language %r in reading.yaml, ignored", name)
    if len(langs) < 2:
        langs = [Language.DANISH, Language.ENGLISH]
    # Preloaded: otherwise each n-gram model loads lazily during the first ~1,000 ads (~1 ms each then).
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


# Cheap first pass: function words that are frequent in one language and rare in the others we load.
# Only a clear majority decides; anything doubtful goes to lingua.
_DA_WORDS = ("jeg og ikke mig dig til af er meget kun hos være eller min mit din dit vores hun han jer bare også nu "
             "lige her ude inde hvis som fra")
_EN_WORDS = "the and you with for is am my me your are i i'm im not only just will can this be call here from"
_OTHER_WORDS = "och jag inte är till mycket ich und nicht bin der die das ist mit ein eine sunt eu și si pentru cu nu"
_STOP = {"da": frozenset(_DA_WORDS.split(" ")), "en": frozenset(_EN_WORDS.split(" "))}
_OTHER = frozenset(_OTHER_WORDS.split(" "))
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")


def _by_stopwords(sample: str, languages: tuple[str, ...]) -> str | None:
    counts = {"da": 0, "en": 0}
    other = 0
    for w in _WORD.findall(sample.lower()):
        if w in _OTHER:
            other += 1
        for lang, words in _STOP.items():
            if w in words:
                counts[lang] += 1
    if other:
        return None
    (top, n), (_, m) = sorted(counts.items(), key=lambda kv: -kv[1])
    if n >= 4 and n >= 4 * m and _NAMES[top] in languages:
        return top
    return None


_NAMES = {"da": "danish", "en": "english"}


def detect_language(text: str, *, languages: tuple[str, ...], min_confidence: float, max_chars: int = 2000) -> str:
    """detect_language (str): ISO 639-1 code of the ad's language, or ``unknown`` below ``min_confidence``."""
    sample = text[:max_chars]
    letters = 0
    for c in sample:  # stops at the 12th letter
        if c.isalpha():
            letters += 1
            if letters >= 12:
                break
    else:
        return "unknown"
    quick = _by_stopwords(sample, tuple(x.lower() for x in languages))
    if quick is not None:
        return quick
    values = _detector(languages).compute_language_confidence_values(sample)
    if not values or values[0].value < min_confidence:
        return "unknown"
    return values[0].language.iso_code_639_1.name.lower()
