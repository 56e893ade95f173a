"""``adwatch crawl SITE``: one crawl of one site, by hand (the scheduler runs the same command)."""

from __future__ import annotations

import typer
from rich.table import Table

from adwatch.context import console, load_settings, load_site_or_exit, session_scope
from storage.models import CrawlRun


def crawl(
    site_id: str = typer.Argument(..., help="Site id: a file name under config/sites/ without .yaml."),
    start_url: list[str] = typer.Option(None, "--start-url", help="Crawl these start URLs instead."),
    trigger: str = typer.Option("manual", help="Recorded on the run: manual, schedule, demo."),
) -> None:
    """Crawl one site now and record the run (stats, field coverage, health)."""
    from crawler.runner import run_crawl  # imports Scrapy/Twisted only when crawling

    settings = load_settings()
    site = load_site_or_exit(settings, site_id)
    console.print(f"crawling [bold]{site.id}[/bold] ({site.name}) into {settings.db_url}")
    run_id = run_crawl(settings, site, trigger=trigger, start_urls=start_url or None)
    with session_scope(settings) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        print_run(run)
        if run.status != "finished":
            raise typer.Exit(1)


def print_run(run: CrawlRun) -> None:
    """Print a crawl run's summary and health as a table."""
    table = Table(title=f"crawl run {run.id} of {run.site_id}: {run.status} / health {run.health}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name in ("pages", "ads_seen", "ads_new", "ads_changed", "ads_removed", "photos_stored", "errors"):
        table.add_row(name, str(getattr(run, name)))
    for name, ratio in sorted(run.field_coverage.items()):
        table.add_row(f"coverage {name}", f"{ratio:.0%}")
    console.print(table)
    for message in run.health_messages:
        console.print(f"[yellow]{message}[/yellow]")


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl)
