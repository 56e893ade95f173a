"""The ``adwatch`` command line. Commands live in ``adwatch/commands/*.py``; each registers itself."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import adwatch.commands

app = typer.Typer(
    name="adwatch",
    no_args_is_help=True,
    add_completion=False,
    help="Find possible victims of trafficking in online sex ads: crawl, read, link, score, and queue "
    "leads for outreach. Settings come from ADWATCH_* environment variables (see docs/configuration.md).",
)


def _register_commands() -> None:
    for module in sorted(pkgutil.iter_modules(adwatch.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"adwatch.commands.{module.name}").register(app)


_register_commands()

if __name__ == "__main__":
    app()
