"""``adwatch process`` / ``reprocess`` / ``eval`` / ``config check``: the reading stage and its lexicons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from sqlalchemy import select

from adwatch.context import console, load_settings, session_scope
from config.errors import ConfigError
from config.settings import AppSettings
from storage.models.crawl import Ad
from storage.models.reading import AdReading as AdReadingRow
from storage.models.reading import IndicatorHit

if TYPE_CHECKING:  # the reader (spaCy, scikit-learn) is imported by the commands that read, not by every CLI start
    from classifiers.evaluation import EvalReport
    from classifiers.reading_stage import Stats

config_app = typer.Typer(no_args_is_help=True, help="Validate configuration (lexicons and their examples).")


def run_reading(settings: AppSettings, *, reprocess: bool = False, progress: bool = True) -> Stats:
    """run_reading (Stats): the reading stage on the configured database (the nightly pipeline calls this)."""
    from classifiers.reading_stage import process_readings

    with session_scope(settings) as session:
        return process_readings(session, settings, reprocess=reprocess, progress=progress)


def _print_stats(stats: Stats) -> None:
    console.print(f"[green]read {stats.read} ad versions[/green] in {stats.seconds:.1f}s "
                  f"({stats.ads_per_second:.0f}/s); {stats.partial} partial, {stats.errors} errors, "
                  f"{stats.contacts} contacts, {stats.hits} indicator hits, {stats.low_price} LOW_PRICE")
    if stats.by_code:
        console.print("hits by code: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.by_code.items())))


_JOBS_HELP = "Processes reading ads (0 = one per core); default ADWATCH_READ_JOBS."


def process(no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar (cron logs)."),
            reading_only: bool = typer.Option(False, "--reading-only", help="Skip linking/scoring/leads."),
            jobs: int | None = typer.Option(None, "--jobs", "-j", min=0, help=_JOBS_HELP)) -> None:
    """Process new ads: read them (contacts, facts, indicators), then link, cluster, score, open leads."""
    _process(reprocess=False, progress=not no_progress, reading_only=reading_only, jobs=jobs)


def reprocess(no_progress: bool = typer.Option(False, "--no-progress"),
              reading_only: bool = typer.Option(False, "--reading-only"),
              jobs: int | None = typer.Option(None, "--jobs", "-j", min=0, help=_JOBS_HELP)) -> None:
    """Re-read every stored ad version (after a lexicon or reader change), then link and score again."""
    _process(reprocess=True, progress=not no_progress, reading_only=reading_only, jobs=jobs)


def _process(*, reprocess: bool, progress: bool, reading_only: bool, jobs: int | None = None) -> None:
    settings = load_settings()
    if jobs is not None:
        settings = settings.model_copy(update={"read_jobs": jobs})
    try:
        if reading_only:
            _print_stats(run_reading(settings, reprocess=reprocess, progress=progress))
            return
        from adwatch.nightly import process_all

        result = process_all(settings, reprocess=reprocess, progress=progress)
    except ConfigError as exc:  # e.g. ADWATCH_CONFIG_DIR without lexicons/: say what is missing, no traceback
        for problem in exc.problems:
            console.print(f"[red]{problem}[/red]")
        console.print("The config folder must hold sites/, lexicons/, gazetteer/, training/ and the YAML files of the "
                      "packaged config/ (copy it, or set only ADWATCH_SITES_DIR for site files of your own).")
        raise typer.Exit(2) from exc
    _print_stats(result.reading)
    console.print(f"[green]linked[/green] {result.linking}")


def _load_truth(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["ads"] if isinstance(data, dict) else data)


def eval_command(truth: Path = typer.Option(..., "--truth", exists=True, dir_okay=False,
                                            help="Ground truth JSON: a list of ad records or {ads: [...]}."),
                 show_errors: int = typer.Option(10, help="Print this many wrong ads.")) -> None:
    """Score stored readings against ground truth (phones, indicators, age, city)."""
    from classifiers.evaluation import evaluate
    from classifiers.reading import load_resources

    settings = load_settings()
    res = load_resources(settings)
    records = _load_truth(truth)
    pairs = []
    missing = 0
    with session_scope(settings) as session:
        for rec in records:
            ad = session.scalars(select(Ad).where(Ad.site_id == rec.get("site"),
                                                  Ad.external_id == str(rec.get("external_id")))).first()
            row = None
            if ad is not None and ad.current_version_id is not None:
                row = session.scalars(select(AdReadingRow).where(AdReadingRow.ad_version_id == ad.current_version_id,
                                                                 AdReadingRow.stamp == res.stamp)).first()
            if row is None:
                missing += 1
                continue
            codes = set(session.scalars(select(IndicatorHit.code).where(IndicatorHit.reading_id == row.id)))
            pred = dict(row.facts) | {"indicators": sorted(codes), "city": row.city, "area": row.area}
            pairs.append((rec, pred))

    def canon(name: str) -> str:
        place = res.gazetteer.lookup(name)
        return (place.name if place else name).lower()

    report = evaluate(pairs, canon_city=canon)
    print_report(report)
    if missing:
        console.print(f"[yellow]{missing} truth ads had no current reading (not crawled or not processed)[/yellow]")
    for err in report.errors[:show_errors]:
        console.print(err)


def print_report(report: EvalReport) -> None:
    """Print an evaluation as rich tables."""
    table = Table(title=f"Reading evaluation ({report.n_ads} ads)")
    for col in ("what", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(col, justify="right" if col != "what" else "left")

    def add(name: str, prf: Any) -> None:
        table.add_row(name, f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}", str(prf.tp), str(prf.fp),
                      str(prf.fn))

    add("phones (all)", report.phones)
    for style, prf in sorted(report.phones_by_style.items()):
        add(f"  phone style {style}", prf)
    add("emails", report.emails)
    add("handles", report.handles)
    for code, prf in sorted(report.indicators.items()):
        add(f"indicator {code}", prf)
    console.print(table)
    console.print(f"indicator macro-F1 {report.macro_f1:.3f}; age accuracy {report.age_accuracy:.3f} "
                  f"({report.age_total}); city accuracy {report.city_accuracy:.3f} ({report.city_total})")


@config_app.command("check")
def config_check() -> None:
    """Validate every config file (sites, lexicons, gazetteer, people, scoring) and run every lexicon example."""
    from pydantic import ValidationError

    from classifiers.lexicon_check import run_examples
    from classifiers.reading import load_resources
    from config.errors import pydantic_problems
    from config.scoring_schema import load_scoring
    from config.site_schema import load_sites

    settings = load_settings()
    problems: list[str] = []
    try:
        sites = load_sites(settings.sites_dir)
        console.print(f"sites: {len(sites)} valid ({', '.join(sorted(sites))})")
    except ConfigError as exc:
        problems.extend(exc.problems)
    try:
        load_scoring(settings.config_dir)
        console.print("scoring.yaml: valid")
    except ValidationError as exc:
        problems.extend(pydantic_problems("C301", settings.config_dir / "scoring.yaml", exc))
    try:
        res = load_resources(settings)
    except ConfigError as exc:
        problems.extend(exc.problems)
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)
    results = run_examples(res, settings)
    bad = [r for r in results if not r.ok]
    for r in bad:
        want = "should fire" if r.polarity == "positive" else f"should not fire (fired on {list(r.found)})"
        console.print(f"[red][C110] {r.lexicon_id}: {r.indicator_id}: {r.code} {want}: {r.sentence!r}[/red]")
    console.print(f"lexicons {res.lexicons.versions()}: {len(results) - len(bad)}/{len(results)} examples ok")
    if res.model is not None:
        console.print(f"indicator model: trained on {res.model.trained_on} sentences, {len(res.model.vocab)} features, "
                      f"threshold {res.model.threshold} ({res.model.key})")
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("process")(process)
    app.command("reprocess")(reprocess)
    app.command("eval")(eval_command)
    app.add_typer(config_app, name="config")
