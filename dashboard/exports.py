"""CSV exports (outreach list, audit log). Routes audit every export before streaming it.

Cells are neutralised against spreadsheet formula injection: ad text is hostile input, and a cell that
begins with ``=``, ``+``, ``-``, ``@`` or a control character is prefixed with a quote so Excel or
LibreOffice shows it as text instead of evaluating it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from storage.models.people import AuditLog

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> str:
    """safe_cell (str): ``value`` as text, quoted when a spreadsheet would treat it as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else (json.dumps(value, ensure_ascii=False, default=str)
                                                 if isinstance(value, dict | list) else str(value))
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """to_csv (str): a CSV document (RFC 4180, CRLF) with every cell passed through ``safe_cell``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def csv_response(table: tuple[Sequence[str], Iterable[Sequence[Any]]], *, filename: str) -> Response:
    """csv_response (Response): a download of ``(header, rows)`` as UTF-8 CSV with a BOM (for Excel)."""
    header, rows = table
    body = "\ufeff" + to_csv(header, rows)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def audit_rows(entries: Iterable[AuditLog]) -> tuple[list[str], list[list[Any]]]:
    header = ["id", "at", "username", "action", "object_type", "object_id", "ip", "detail"]
    rows = [[e.id, e.at.isoformat(), e.username, e.action, e.object_type, e.object_id, e.ip, e.detail]
            for e in entries]
    return header, rows


OUTREACH_HEADER = ["lead_id", "status", "assigned_to", "language", "contacts", "cities", "ads", "partners",
                   "updated_at", "note"]


def outreach_rows(leads: Iterable[Any]) -> tuple[list[str], list[list[Any]]]:
    """outreach_rows: one row per lead for the outreach list (``LeadView`` objects from people_repo)."""
    rows = [[lead.id, lead.status, lead.assignee or "", lead.language or "",
             "; ".join(c.value for c in lead.contacts), "; ".join(lead.cities), len(lead.ad_ids),
             "; ".join(lead.partners), lead.updated_at.isoformat() if lead.updated_at else "", lead.note or ""]
            for lead in leads]
    return OUTREACH_HEADER, rows
