"""``adwatch export``: the ads export contract (JSONL/CSV) and the outreach lead list; every export audited."""

from __future__ import annotations

import csv
import getpass
import json
import re
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import Progress
from sqlalchemy import func, select

from adwatch.context import console, load_settings, session_scope
from storage.export_repo import EXPORT_FIELDS, iter_ad_exports
from storage.models import Ad
from storage.models.people import AuditLog

export_app = typer.Typer(no_args_is_help=True, help="Export ads (analysis) or leads (outreach list).")


class AdFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


_PLAIN_NUMBERS = re.compile(r"[+-]?[\d\s;,+().-]*")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: =, +, -, @ prefixes are quoted with ',
    except plain numbers and phone lists (+45 …), which no spreadsheet evaluates as code."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    risky = text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBERS.fullmatch(text)
    return "'" + text if risky else text


def _audit(session, action: str, out: Path, count: int, **detail: object) -> None:  # type: ignore[no-untyped-def]
    session.add(AuditLog(username=f"cli:{getpass.getuser()}", action=action, object_type="export",
                         object_id=str(out)[:64], detail={"rows": count, "file": str(out), **detail}))
    session.commit()


@export_app.command("ads")
def export_ads(
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: AdFormat = typer.Option(AdFormat.jsonl, "--format", help="jsonl (one JSON object per ad) or csv."),
    site: str = typer.Option(None, help="Only this site."),
    status: str = typer.Option(None, help="Only 'active' or 'removed' ads."),
) -> None:
    """Write every ad with its extracted contacts, facts, indicators, cluster, risk score and images."""
    settings = load_settings()
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with session_scope(settings) as session, out.open("w", encoding="utf-8", newline="") as fh, Progress(
        console=console, transient=True
    ) as progress:
        total_q = select(func.count(Ad.id))
        if site:
            total_q = total_q.where(Ad.site_id == site)
        if status:
            total_q = total_q.where(Ad.status == status)
        task = progress.add_task("exporting ads", total=session.scalar(total_q))
        writer = csv.writer(fh) if fmt == AdFormat.csv else None
        if writer:
            writer.writerow(EXPORT_FIELDS)
        for record in iter_ad_exports(session=session, site=site, status=status):
            if writer:
                writer.writerow([safe_cell(record[name]) for name in EXPORT_FIELDS])
            else:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
            progress.advance(task)
        _audit(session, "export.ads", out, count, format=fmt.value, site=site, status=status)
    console.print(f"[green]exported {count} ads[/green] to {out}")


@export_app.command("leads")
def export_leads(
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    fmt: str = typer.Option("csv", "--format", help="csv (the only format for outreach lists)."),
) -> None:
    """Write the outreach list: only the fields outreach needs (contacts, cities, languages, reasons)."""
    from classifiers.leads import export_leads_csv

    if fmt != "csv":
        console.print("[red]only --format csv is supported for leads[/red]")
        raise typer.Exit(2)
    settings = load_settings()
    with session_scope(settings) as session:
        count = export_leads_csv(session, out)
        _audit(session, "export.leads", out, count, format=fmt)
    console.print(f"[green]exported {count} leads[/green] to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
