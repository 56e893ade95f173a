"""Interface translations: English source strings are the keys; ``locales/da.json`` holds the Danish.

Templates call ``_("Review queue")`` or ``_("{n} new ads", n=3)``. A missing Danish entry falls back to
English (and a test lists every string used in templates that has no Danish entry).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT_LANGUAGE = "da"

Translator = Callable[..., str]


@cache
def catalog(lang: str) -> dict[str, str]:
    """catalog (dict): source string -> translation for ``lang`` (empty for English)."""
    path = LOCALES_DIR / f"{lang}.json"
    if lang == "en" or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def translator(lang: str) -> Translator:
    """translator (callable): ``_(msg, **kwargs)`` for ``lang``; kwargs fill ``{name}`` placeholders."""
    messages = catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)

    def _(msg: str, **kwargs: object) -> str:
        text = messages.get(msg) or msg
        return text.format(**kwargs) if kwargs else text

    return _


def pick_language(*, session_lang: str | None, user_lang: str | None, accept_language: str | None) -> str:
    """pick_language (str): the explicit choice, else the user's setting, else the browser's, else Danish."""
    for lang in (session_lang, user_lang):
        if lang in LANGUAGES:
            return lang  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
