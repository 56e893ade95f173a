"""Ad language with lingua, loading only the languages we expect (memory and speed, stack note 7).

Why a confidence threshold: short English ads full of Danish names come out Danish; below the
threshold we say "unknown" rather than guess, and the reader then runs all lexicons anyway.
"""

from __future__ import annotations

import logging
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
    return LanguageDetectorBuilder.from_languages(*langs).build()


def detect_language(text: str, *, languages: tuple[str, ...], min_confidence: float, max_chars: int = 2000) -> str:
    """detect_language (str): ISO 639-1 code of the ad's language, or ``unknown`` below ``min_confidence``."""
    sample = text[:max_chars]
    if sum(c.isalpha() for c in sample) < 12:
        return "unknown"
    values = _detector(languages).compute_language_confidence_values(sample)
    if not values or values[0].value < min_confidence:
        return "unknown"
    return values[0].language.iso_code_639_1.name.lower()
