"""``adwatch alerts``: e-mail saved-search alerts now (the nightly processing does it after each run)."""

from __future__ import annotations

import typer

from adwatch.context import console, load_settings


def alerts() -> None:
    """E-mail each analyst how many new ads match their saved searches (needs ADWATCH_SMTP_HOST)."""
    from adwatch.nightly import send_alerts

    result = send_alerts(load_settings())
    if result.disabled:
        console.print("[yellow]ADWATCH_SMTP_HOST is not set: no e-mail sent (the overview still flags new "
                      "matches)[/yellow]")
        return
    console.print(f"alert e-mails: [green]{result.sent} sent[/green], {result.nothing_new} with nothing new, "
                  f"{len(result.failed)} failed")
    for reason in result.failed:
        console.print(f"[red]  {reason}[/red]")
    if result.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts)
