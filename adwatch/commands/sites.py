"""``adwatch sites``: list, validate and try site configurations."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from adwatch.context import console, load_settings, load_site_or_exit
from config.errors import ConfigError
from config.site_schema import load_sites

sites_app = typer.Typer(no_args_is_help=True, help="Site configurations (config/sites/*.yaml).")


@sites_app.command("list")
def sites_list() -> None:
    """List configured sites with their schedule and rendering."""
    settings = load_settings()
    try:
        sites = load_sites(settings.sites_dir)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    table = Table("id", "name", "enabled", "schedule", "listing", "ad", "start URLs")
    for site in sites.values():
        table.add_row(site.id, site.name, str(site.enabled), site.schedule, site.listing.render, site.ad.render,
                      "\n".join(site.start_urls))
    console.print(table)


@sites_app.command("check")
def sites_check(
    site_id: str = typer.Argument(..., help="Site id (file name without .yaml)."),
    offline: bool = typer.Option(False, help="Only validate the YAML; fetch nothing."),
    start_url: str = typer.Option(None, help="Try this listing URL instead of the first start URL."),
    ad_url: str = typer.Option(None, help="Try this ad page (e.g. one with a 'show number' button) and no listing."),
) -> None:
    """Validate a site file, then try it on one live listing page and one ad, showing every selector's result."""
    settings = load_settings()
    site = load_site_or_exit(settings, site_id)
    console.print(f"[green]{site_id}: configuration valid[/green]")
    if offline:
        return
    from crawler.check import check_site

    if start_url:
        site = site.with_start_urls([start_url])
    report = check_site(settings, site, ad_url=ad_url)
    if not ad_url:
        table = Table("field", "found", title=f"listing {report.listing_url}")
        table.add_row("rendered", "yes (browser)" if report.listing_rendered else "no (HTTP)")
        table.add_row("ad links", f"{len(report.ad_links)}: " + ", ".join(report.ad_links[:3]))
        table.add_row("next page", ", ".join(report.next_pages) or "-")
        table.add_row("follow", f"{len(report.follow)}: " + ", ".join(report.follow[:3]))
        console.print(table)
    ad = Table("field", "found", title=f"ad {report.ad_url}")
    for name, value in report.fields.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        ad.add_row(name, "[red]nothing[/red]" if value in (None, [], "") else shown)
    console.print(ad)
    for error in report.errors:
        console.print(f"[red]{error}[/red]")
    if report.errors or not (report.ad_links or ad_url) or not report.fields:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(sites_app, name="sites")
