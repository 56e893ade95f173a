"""Helpers every command shares: settings, a migrated engine, a console."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config.errors import ConfigError
from config.settings import AppSettings
from config.site_schema import SiteDefinition, load_site
from storage.db import ensure_schema, make_engine, make_session_factory

console = Console(stderr=True, soft_wrap=True)  # coded messages stay on one greppable line


def load_settings() -> AppSettings:
    """load_settings (AppSettings): settings from the environment, with logging set up once."""
    settings = AppSettings()
    handler = RichHandler(console=console, show_path=False)
    handler.setLevel(settings.log_level)  # libraries that set their own loggers to DEBUG (Scrapy) stay quiet
    logging.basicConfig(level=settings.log_level, format="%(message)s", handlers=[handler], force=True)
    return settings


def open_engine(settings: AppSettings) -> Engine:
    """open_engine (Engine): engine on the configured DB, migrated first when it is new or behind."""
    engine = make_engine(settings.db_url)
    if ensure_schema(engine):
        logging.getLogger(__name__).info("database migrated to the newest schema: %s",
                                         engine.url.render_as_string(hide_password=True))
    return engine


@contextmanager
def session_scope(settings: AppSettings) -> Iterator[Session]:
    engine = open_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def load_site_or_exit(settings: AppSettings, site_id: str) -> SiteDefinition:
    """load_site_or_exit (SiteDefinition): the site's validated YAML, or its coded errors and exit code 2."""
    import typer

    try:
        return load_site(settings.sites_dir, site_id)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
