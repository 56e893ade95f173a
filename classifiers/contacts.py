"""Emails and messaging handles (WhatsApp, Telegram, Signal, Snapchat, Instagram, OnlyFans, ...).

Why: for outreach these are often the only channel, and for linking the same handle across ads is as
strong as a shared phone. Values are normalised (lower case, no ``@``) so they compare across ads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from classifiers.normalize import _FOLD_SPECIAL, Lowered, finditer_at, occurrences

_TLDS = ("com", "dk", "net", "org", "se", "no", "de", "ro", "eu", "info", "co.uk", "uk", "pl", "bg", "hu",
         "ru", "ua", "io", "me", "nl", "fr", "es", "it", "biz", "online", "cz", "lv", "lt")
_AT = r"(?:\s*@\s*|\s*[\(\[\{<]\s*(?:at|snabel-?a)\s*[\)\]\}>]\s*|\s+(?:at|snabel-?a|snabela)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[\(\[\{<]\s*(?:dot|punktum|prik)\s*[\)\]\}>]\s*|\s+(?:dot|punktum|prik)\s+)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])(?P<user>[a-z0-9][a-z0-9._%+-]{{1,63}})(?P<at>{_AT})(?P<host>[a-z0-9][a-z0-9-]{{1,62}}"
    rf"(?:{_DOT}[a-z0-9-]{{2,62}})*?)(?P<dot>{_DOT})(?P<tld>{'|'.join(re.escape(t) for t in _TLDS)})\b",
    re.I,
)
_PLAIN_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,10}\b", re.I)

_HANDLE = r"@?(?P<v>[a-z0-9][a-z0-9_.]{1,30}[a-z0-9_])"
_URLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("telegram", re.compile(r"(?:t\.me|telegram\.me|telegram\.dog)/" + _HANDLE, re.I)),
    ("instagram", re.compile(r"instagram\.com/" + _HANDLE, re.I)),
    ("onlyfans", re.compile(r"onlyfans\.com/" + _HANDLE, re.I)),
    ("snapchat", re.compile(r"snapchat\.com/add/" + _HANDLE, re.I)),
    ("twitter", re.compile(r"(?:twitter|x)\.com/" + _HANDLE, re.I)),
    ("kik", re.compile(r"kik\.me/" + _HANDLE, re.I)),
)
_LABELS: dict[str, str] = {
    "telegram": "telegram", "tg": "telegram", "telegrammet": "telegram",
    "snapchat": "snapchat", "snap": "snapchat", "sc": "snapchat", "👻": "snapchat",
    "instagram": "instagram", "insta": "instagram", "ig": "instagram",
    "onlyfans": "onlyfans", "of": "onlyfans", "fansly": "fansly",
    "signal": "signal", "kik": "kik", "skype": "skype", "wickr": "wickr", "wechat": "wechat", "line": "line",
    "threema": "threema", "session": "session",
}
# A label alone may be an ordinary word ("line", "session", "of"): then a colon or @ is required.
_WEAK_LABELS = frozenset({"line", "session", "of", "sc", "ig", "tg", "signal", "snap", "👻"})
_LABEL_RE = re.compile(
    r"(?<![\w])(?P<label>" + "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True))
    + r")(?![\w])(?P<sep>\s*(?:me|mig|id|name|navn|user)?\s*(?:[:=\-–>]|på|on)?\s*(?:👉\s*)?)(?P<at>@?)"
    r"(?P<v>[a-z0-9][a-z0-9_.]{1,30}[a-z0-9_])",
    re.I,
)
_STOP = frozenset([
    "me", "mig", "only", "kun", "also", "også", "and", "og", "or", "eller", "for", "til", "here", "her",
    "now", "nu", "via", "on", "på", "is", "er", "the", "den", "det", "my", "min", "mit", "with", "med",
    "me:", "available", "tilgængelig", "please", "venligst", "contact", "kontakt", "write", "skriv",
    "add", "tilføj", "follow", "følg", "number", "nummer", "no", "nej", "ikke", "not", "sms", "call",
    "ring", "too", "og", "app", "account", "konto", "profile", "profil", "link", "message", "besked",
    "dm", "chat", "video", "photos", "fotos", "pics", "billeder",
])


@dataclass(frozen=True)
class ContactHit:
    """ContactHit: an email or handle; ``kind`` is ``email`` or the messaging service."""

    kind: str
    value: str
    raw: str
    start: int
    end: int
    obfuscated: bool


def find_emails(text: str) -> list[ContactHit]:
    """find_emails (list[ContactHit]): plain and spelled-out ("name at gmail dot com") addresses."""
    hits: list[ContactHit] = []
    if "@" in text:
        for m in _PLAIN_EMAIL.finditer(text):
            hits.append(ContactHit("email", m.group().lower().rstrip("."), m.group(), m.start(), m.end(), False))
    low = text.lower()
    if any(w in low for w in (" at ", "(at)", "[at]", "snabel", "{at}", "<at>", " @ ", "@ ", " @")):
        exact = len(low) == len(text) and not _FOLD_SPECIAL.search(text)
        for m in finditer_at(_EMAIL, text, _email_starts(text, low)) if exact else _EMAIL.finditer(text):
            if any(h.start <= m.start() < h.end for h in hits):
                continue
            host = re.sub(_DOT, ".", m.group("host"), flags=re.I)
            value = f"{m.group('user')}@{host}.{m.group('tld')}".lower()
            plain = "@" in m.group("at") and "." in m.group("dot") and " " not in m.group()
            if not plain:
                hits.append(ContactHit("email", value, m.group(), m.start(), m.end(), True))
    return hits


# What the user part of _EMAIL may hold (it reads case-insensitively; non-ASCII letters that match a letter
# under IGNORECASE, such as the Kelvin sign, are taken as user characters by ``_email_starts`` too).
_USER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_MAX_USER = 64


def _email_starts(text: str, low: str) -> list[int]:
    """Offsets where an _EMAIL match can start (``low``: ``text.lower()``, same offsets, no _FOLD_SPECIAL char).

    Why: the pattern opens with a look-behind, so sre tried it at every character (~30 µs an ad) for any ad
    with " at " in it. Every match has an "at" part (``@``, a bracket, or whitespace and "at"/"snabel") right
    after its user part, which holds only user characters: so it starts where that run of user characters
    starts, or right after a ``%`` in it (the only user character the look-behind allows before a start).
    A test compares with plain ``finditer``.
    """
    ends: list[int] = []
    for sign in "@([{<":
        i = text.find(sign)
        while i >= 0:
            ends.append(i)
            i = text.find(sign, i + 1)
    for word in ("at", "snabel"):
        i = low.find(word, 1)
        while i >= 0:
            if low[i - 1].isspace():
                ends.append(i)
            i = low.find(word, i + 1)
    starts: list[int] = []
    for u in ends:
        while u > 0 and text[u - 1].isspace():
            u -= 1
        r = u
        while r > 0 and u - r < _MAX_USER and _user_char(text[r - 1]):
            r -= 1
            if text[r] == "%":
                starts.append(r + 1)
        starts.append(r)
    return starts


def _user_char(c: str) -> bool:
    return c in _USER_CHARS or (not c.isascii() and c.isalnum())


# Labels that are whole words (every _LABEL_RE match starts with one of them, or with the ghost emoji).
_LABEL_WORDS = frozenset(w for w in _LABELS if w.isalnum())
_SIGN_LABELS = tuple(w for w in _LABELS if not w.isalnum())
# Literal (lower-case) text every match of the _URLS regex at the same index contains.
_URL_HINTS = (("t.me/", "telegram.me/", "telegram.dog/"), ("instagram.com/",), ("onlyfans.com/",),
              ("snapchat.com/add/",), ("twitter.com/", "x.com/"), ("kik.me/",))


_HANDLE_MARK = re.compile(r"[\d_.]")


def _label_matches(text: str, key: Lowered | None) -> Iterable[re.Match[str]]:
    """``_LABEL_RE.finditer(text)``, tried only where a label stands when ``key`` is exact.

    Why: the pattern opens with a look-behind, so sre tried it at every character (~30 µs) whenever a label
    word such as "snap" or "of" was in the ad. A match starts with a label that is a whole word (or the ghost
    emoji), so its whole-word occurrences are all the places it can start; a test compares with ``finditer``.
    """
    if key is None or not key.exact:
        return _LABEL_RE.finditer(text)
    starts = [p for w in key.words.intersection(_LABEL_WORDS) for p in key.word_positions(w)]
    return finditer_at(_LABEL_RE, text, starts + occurrences(text, _SIGN_LABELS))


def find_handles(text: str, key: Lowered | None = None) -> list[ContactHit]:
    """find_handles (list[ContactHit]): messaging handles from profile links and labels ("Snap: anna_22").

    key (Lowered): the text's shared trigger key; label handles are read only when a label word is in it.
    """
    hits: list[ContactHit] = []
    labels = key is None or key.has_word(_LABEL_WORDS) or any(w in text for w in _SIGN_LABELS)
    for (kind, rx), hints in zip(_URLS, _URL_HINTS, strict=True) if "/" in text else ():
        if key is not None and not key.has(hints):
            continue
        for m in rx.finditer(text):
            hits.append(ContactHit(kind, m.group("v").lower().rstrip("."), m.group(), m.start(), m.end(), False))
    for m in _label_matches(text, key) if labels else ():
        label = m.group("label").lower()
        value = m.group("v").lower().rstrip("._")
        if value in _STOP or value.isdigit() or any(h.start <= m.start("v") < h.end for h in hits):
            continue
        if m.group("v").lower() in _LABELS:
            continue
        strong_sep = ":" in m.group("sep") or "=" in m.group("sep") or m.group("at") == "@"
        if label in _WEAK_LABELS and not strong_sep and m.group("label") != "👻":
            continue
        if not strong_sep and not _HANDLE_MARK.search(value) and len(value) < 4:
            continue
        # "I'm on Snapchat and Instagram": an ordinary word after the label is not a handle.
        if not strong_sep and value.isalpha() and value in _COMMON_WORDS:
            continue
        hits.append(ContactHit(_LABELS[label], value, m.group(), m.start(), m.end(), False))
    seen: set[tuple[str, str]] = set()
    out = []
    for h in sorted(hits, key=lambda h: h.start):
        if (h.kind, h.value) not in seen:
            seen.add((h.kind, h.value))
            out.append(h)
    return out


_COMMON_WORDS = frozenset([
    "and", "og", "or", "eller", "but", "men", "i", "jeg", "you", "du", "we", "vi", "am", "er", "is",
    "are", "at", "in", "på", "to", "til", "for", "with", "med", "from", "fra", "only", "kun", "also",
    "too", "as", "this", "that", "denne", "dette", "det", "den", "he", "she", "hun", "han", "they",
    "de", "if", "hvis", "when", "når", "where", "hvor", "please", "just", "bare", "new", "ny", "nye",
    "girl", "pige", "girls", "piger", "sexy", "hot", "sweet", "sød", "lækker", "call", "ring", "write",
    "skriv", "text", "sms", "whatsapp", "telegram", "signal", "snapchat", "instagram", "onlyfans",
    "viber",
])
