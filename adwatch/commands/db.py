"""``adwatch db``: database migrations."""

from __future__ import annotations

import typer

from adwatch.context import console, load_settings
from storage.db import current_revision, head_revision, make_engine, upgrade

db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations (other commands do this automatically on a new database)."""
    settings = load_settings()
    upgrade(settings.db_url, revision)
    console.print(f"[green]database at revision {revision}[/green]")


@db_app.command("status")
def db_status() -> None:
    """Show the database's revision and the newest one."""
    settings = load_settings()
    engine = make_engine(settings.db_url)
    console.print(f"url: {engine.url.render_as_string(hide_password=True)}")
    console.print(f"current: {current_revision(engine)}  head: {head_revision()}")
    engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
