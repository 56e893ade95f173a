"""End to end through the CLI, as a user runs it: the demo (crawl two nights of the bundled market over
HTTP, read, link, score), then the ads export contract and the outreach export, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.export_repo import EXPORT_FIELDS
from storage.models import CrawlRun
from storage.models.people import AuditLog

SITES = {"rodelygte": "demo_rodelygte", "nightlist": "demo_nightlist"}


def _cli(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adwatch.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.slow
@pytest.mark.browser  # the demo's click-to-reveal phones go through Chromium
def test_demo_then_exports(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "demo"
    env = {**os.environ, "ADWATCH_DATABASE_URL": db_url, "ADWATCH_DATA_DIR": str(data), "ADWATCH_ENV": "test",
           "COLUMNS": "200"}
    demo = _cli(["demo", "--no-serve", "--ads", "160", "--nights", "2", "--site", "demo_rodelygte",
                 "--site", "demo_nightlist"], env)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-5000:]

    truth = json.loads((data / "demo_truth.json").read_text())["ads"]
    out = tmp_path / "ads.jsonl"
    export = _cli(["export", "ads", "--format", "jsonl", "--out", str(out)], env)
    assert export.returncode == 0, export.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and all(set(r) == set(EXPORT_FIELDS) for r in records)
    by_key = {(r["site"], r["external_id"]): r for r in records}

    # Every ad of these sites that was online on a crawled night is captured.
    expected = [t for t in truth if t["site"] in SITES and set(t["nights"]) & {1, 2}]
    captured = [t for t in expected if (SITES[t["site"]], t["external_id"]) in by_key]
    assert len(captured) >= 0.99 * len(expected), f"{len(captured)}/{len(expected)} ads captured"

    # Ads taken down before night 2 are marked removed, never deleted; the others stay active.
    for t in captured:
        record = by_key[(SITES[t["site"]], t["external_id"])]
        gone = t["removed_at_night"] is not None and t["removed_at_night"] <= 2
        assert record["status"] == ("removed" if gone else "active"), t["external_id"]

    # Phones, including click-to-reveal ones (only a browser sees those), come out in E.164.
    want = {(SITES[t["site"]], t["external_id"], p["e164"]) for t in captured for p in t["phones"]
            if p["placement"] == "contact"}
    got = {(r["site"], r["external_id"], p) for r in records for p in r["phones"]}
    assert len(want & got) >= 0.95 * len(want)
    revealed = {w for w, t in ((w, t) for t in captured for w in [(SITES[t["site"]], t["external_id"])])
                if any(p["style"] == "reveal" for p in t["phones"])}
    assert revealed and all(by_key[key]["phones"] for key in revealed)

    # Photos are stored and grouped; indicators carry their evidence; networks get clusters and scores.
    assert sum(bool(r["images"]) for r in records) > 0.8 * len(records)
    assert all(len(img["sha256"]) == 64 for r in records for img in r["images"])
    hits = [h for r in records for h in r["indicators"]]
    assert hits and all(h["evidence"] for h in hits)
    # Text cues point at their words; LOW_PRICE is computed against the market and says so instead.
    assert all(h["end"] > h["start"] for h in hits if h["code"] != "LOW_PRICE")
    assert any(r["cluster_id"] is not None for r in records)
    assert all(r["risk_score"] is None or 0 <= r["risk_score"] <= 1 for r in records)

    leads_csv = tmp_path / "leads.csv"
    leads = _cli(["export", "leads", "--format", "csv", "--out", str(leads_csv)], env)
    assert leads.returncode == 0, leads.stderr[-3000:]
    rows = list(csv.reader(leads_csv.open()))
    assert rows and rows[0]

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        runs = session.scalars(select(CrawlRun)).all()
        assert len(runs) == 4 and all(run.status == "finished" for run in runs)
        night2 = [run for run in runs if run.id > 2]
        assert all(run.ads_new < run.ads_seen for run in night2)  # incremental: most ads known already
        actions = set(session.scalars(select(AuditLog.action)))
        assert {"export.ads", "export.leads"} <= actions
    engine.dispose()
