"""``adwatch serve`` (dashboard + nightly scheduler), ``adwatch purge`` (retention now)."""

from __future__ import annotations

import typer

from adwatch.context import console, load_settings, open_engine


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface for the dashboard."),
    port: int = typer.Option(8000, help="Dashboard port."),
    scheduler: bool = typer.Option(True, help="Run the nightly crawl scheduler in this process."),
    workers: int = typer.Option(1, min=1, max=32, help="Dashboard worker processes (the scheduler runs once, here)."),
) -> None:
    """Serve the dashboard and run each enabled site's crawl on its schedule (then processing)."""
    from adwatch.scheduler import build_scheduler
    from dashboard.app import serve_dashboard

    settings = load_settings()
    open_engine(settings).dispose()  # migrate before anything reads
    sched = build_scheduler(settings) if scheduler else None
    if sched is not None:
        sched.resume()
        for job in sched.get_jobs():
            console.print(f"scheduled [bold]{job.id}[/bold]: next run {job.next_run_time}")
    try:
        serve_dashboard(settings, host=host, port=port, workers=workers)
    finally:
        if sched is not None:
            sched.shutdown(wait=False)


def purge() -> None:
    """Purge raw pages and photos older than ADWATCH_RETENTION_DAYS (not those of open leads)."""
    from adwatch.nightly import purge as run_purge

    result = run_purge(load_settings(), actor="cli")
    console.print(f"purged {result.pages} raw pages and {result.photos} photos older than {result.cutoff:%Y-%m-%d}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("purge")(purge)
