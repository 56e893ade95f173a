"""``adwatch link`` (nightly link/cluster/score/leads stage) and ``adwatch train`` (model from analyst labels)."""

from __future__ import annotations

import typer

from adwatch.context import console, load_settings, session_scope

LINK_BUSY_EXIT = 75  # EX_TEMPFAIL: another link stage is running; try again later


def link(wait: bool = typer.Option(True, "--wait/--no-wait",
                                   help="If another link stage is running: wait for it, or exit with code 75.")
         ) -> None:
    """Link new ads into networks, apply analysts' merge/split decisions, score them and open or refresh leads."""
    from classifiers.link_stage import LinkStageBusy, run_linking

    settings = load_settings()
    try:
        with session_scope(settings) as session:
            stats = run_linking(session, settings, wait=wait)
    except LinkStageBusy as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        raise typer.Exit(LINK_BUSY_EXIT) from exc
    console.print(f"[green]linked[/green] {stats}")


def train(version: str = typer.Option(None, help="Model version name (default logreg.<timestamp>).")) -> None:
    """Train a calibrated model from analysts' labels and write its model card."""
    from classifiers.training import train_from_labels

    settings = load_settings()
    with session_scope(settings) as session:
        model = train_from_labels(session, settings, version=version)
    console.print(f"[green]trained[/green] {model.version}: {model.card['metrics_holdout_25pct']}")
    console.print("set model_version in config/scoring.yaml to use it")


def register(app: typer.Typer) -> None:
    app.command("link")(link)
    app.command("train")(train)
