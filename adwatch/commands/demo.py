"""``adwatch demo``: the bundled synthetic market, crawled, processed and shown in the dashboard."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from adwatch.context import console, load_settings


def demo(
    ads: int = typer.Option(600, help="Synthetic ads in the demo market."),
    nights: int = typer.Option(2, min=1, max=3, help="Nights to crawl (the second shows incremental crawling)."),
    seed: int = typer.Option(7, help="Seed of the synthetic market."),
    site: list[str] = typer.Option(None, "--site", help="Only these demo sites (default: all three)."),
    data_dir: Path = typer.Option(None, help="Where the demo's SQLite DB and photos go (default var/demo)."),
    serve: bool = typer.Option(True, help="Serve the dashboard when done."),
    port: int = typer.Option(8000, help="Dashboard port."),
) -> None:
    """Start the demo ad site on 127.0.0.1, crawl it, read/link/score it, then serve the dashboard."""
    from adwatch.demo import demo_settings, run_demo

    load_settings()  # logging
    settings = demo_settings(data_dir)
    console.print(f"demo data in [bold]{settings.data_dir}[/bold], database {settings.db_url}")
    result = run_demo(settings, ads=ads, seed=seed, nights=nights, sites=site or None)
    failed = {k: v for k, v in result.crawls.items() if v != 0}
    table = Table("user", "password", title="demo accounts (passwords change on every demo run)")
    for name, password in result.passwords.items():
        table.add_row(name, password)
    console.print(table)
    if failed:
        console.print(f"[red]crawls that failed: {failed}[/red]")
    if serve:
        from dashboard.app import serve_dashboard

        console.print(f"[bold green]dashboard: http://127.0.0.1:{port}/[/bold green]  (Ctrl-C stops)")
        serve_dashboard(settings, host="127.0.0.1", port=port)
    elif failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
