"""Post-crawl checks (the Spidermon idea): every crawl is a test run of the site's configuration.

A selector that silently stops matching after a layout change shows up here as a field whose coverage
fell, and the run is marked unhealthy with a message that names the field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from config.site_schema import SiteDefinition

CONFIGURED_FIELDS = ("title", "phones", "emails", "handles", "name", "age", "city", "price", "posted_at")


@dataclass
class RunHealth:
    """RunHealth: the verdict ('ok' or 'unhealthy'), its reasons, and the coverage per field."""

    health: str
    messages: list[str] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)


def configured_fields(site: SiteDefinition) -> list[str]:
    """configured_fields (list): the fields this site's YAML gives selectors for."""
    names = ["body"]
    for name in CONFIGURED_FIELDS:
        value = getattr(site.ad, name)
        if value:
            names.append(name)
    if site.ad.photos:
        names.append("photos")
    return names


def assess_run(*, site: SiteDefinition, ads_parsed: int, filled: Counter[str], finish_reason: str,
               stats: dict[str, Any], previous: list[Any]) -> RunHealth:
    """assess_run (RunHealth): compare one run with the site's expectations and with earlier runs."""
    messages: list[str] = []
    coverage = {name: round(filled[name] / ads_parsed, 4) if ads_parsed else 0.0
                for name in configured_fields(site)}
    exp = site.expect
    if finish_reason != "finished":
        messages.append(f"[E010] the crawl ended early: {finish_reason}")
    if ads_parsed < exp.min_items:
        messages.append(f"[E011] {ads_parsed} ads parsed, expected at least {exp.min_items}")
    for name, minimum in exp.field_coverage.items():
        got = coverage.get(name, 0.0)
        if got < minimum:
            messages.append(f"[E012] field '{name}' found on {got:.0%} of ads, expected at least {minimum:.0%}: "
                            "its selector may no longer match the page (layout change?)")
    last = next((run for run in previous if run.ads_seen), None)
    if last is not None:
        if ads_parsed < last.ads_seen * (1 - exp.max_drop_ratio):
            messages.append(f"[E013] {ads_parsed} ads parsed, {last.ads_seen} in run {last.id}: "
                            f"a fall of more than {exp.max_drop_ratio:.0%}")
        for name, before in (last.field_coverage or {}).items():
            now = coverage.get(name)
            if now is not None and before >= 0.2 and now < before * 0.5 and name not in exp.field_coverage:
                messages.append(f"[E014] field '{name}' fell from {before:.0%} to {now:.0%} of ads since run "
                                f"{last.id}: its selector may no longer match")
    pages = int(stats.get("response_received_count", 0)) or 1
    errors = int(stats.get("log_count/ERROR", 0))
    if errors / pages > exp.max_error_ratio:
        messages.append(f"[E015] {errors} errors for {pages} responses (over {exp.max_error_ratio:.0%})")
    incomplete = int(stats.get("adwatch/browser_actions_incomplete", 0))
    rendered = int(stats.get("adwatch/pages_rendered", 0))
    if incomplete > max(1, 0.02 * rendered):
        messages.append(f"[E016] {incomplete} of {rendered} browser pages kept without the result of their actions "
                        f"(e.g. a revealed phone) after every retry: the site's own requests are failing")
    gate_failed = int(stats.get("adwatch/age_gate_failed", 0))
    if gate_failed:
        messages.append(f"[E017] the age gate was shown {gate_failed} times but its form (age_gate.submit) was not "
                        f"found on it: the gate page changed")
    return RunHealth("unhealthy" if messages else "ok", messages, coverage)
