"""Safe rendering of hostile ad text: evidence highlighting from offsets and word-level version diffs.

Every piece of ad text passes through ``markupsafe.escape``; the only markup added is our own ``<mark>``
/ ``<ins>`` / ``<del>`` elements with attribute values that are escaped too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """Span: one piece of evidence in a text: ``[start, end)`` character offsets and its indicator code."""

    start: int
    end: int
    code: str
    detail: str = ""


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """highlight (Markup): ``text`` escaped, with each valid, non-overlapping span wrapped in ``<mark>``.

    Spans out of range (the text changed since extraction) or overlapping an earlier span are skipped;
    the first of overlapping spans wins so that the output is always well-formed.
    """
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < pos or span.end <= span.start or span.end > len(text):
            continue
        out.append(str(escape(text[pos:span.start])))
        title = f"{span.code}: {span.detail}" if span.detail else span.code
        out.append(
            f'<mark class="ev ev-{escape(_css_token(span.code))}" title="{escape(title)}" '
            f'data-code="{escape(span.code)}">{escape(text[span.start:span.end])}</mark>'
        )
        pos = span.end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _css_token(code: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", code.lower())


def word_diff(old: str, new: str) -> Markup:
    """word_diff (Markup): ``new`` with words added since ``old`` in ``<ins>`` and removed ones in ``<del>``."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))
