"""The CLI as an operator uses it: help, config validation with coded errors, audited exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from adwatch.cli import app
from config.settings import CONFIG_DIR
from storage.crawl_repo import AdRecord, ensure_site, save_ads, start_run
from storage.db import make_engine, make_session_factory
from storage.models.people import AuditLog

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> str:
    monkeypatch.setenv("ADWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("ADWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ADWATCH_ENV", "test")
    return db_url


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "crawl", "sites", "process", "reprocess", "export", "serve", "users", "db", "config"):
        assert name in result.output


def test_config_check_names_file_key_and_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (config / "sites" / "broken_site.yaml").write_text(
        "id: broken_site\nname: B\nstart_urls: ['http://evil.example/']\nallowed_domains: ['127.0.0.1']\n"
        "listing: {item_links: 'a::attr(href)', nxt: 'a.next'}\nad: {body: 'main['}\n", encoding="utf-8")
    monkeypatch.setenv("ADWATCH_CONFIG_DIR", str(config))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "[C010]" in result.output and "broken_site.yaml" in result.output
    assert "listing.nxt" in result.output  # the misspelt key is named, not ignored


def test_sites_dir_of_ones_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """ADWATCH_SITES_DIR points at a folder of site files; lexicons and the rest stay the packaged ones."""
    sites = tmp_path / "my_sites"
    sites.mkdir()
    shutil.copy(CONFIG_DIR / "sites" / "demo_nightlist.yaml", sites / "nattevagt.yaml")
    text = (sites / "nattevagt.yaml").read_text(encoding="utf-8").replace("id: demo_nightlist", "id: nattevagt")
    (sites / "nattevagt.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("ADWATCH_SITES_DIR", str(sites))
    result = runner.invoke(app, ["sites", "check", "nattevagt", "--offline"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["sites", "check", "demo_nightlist", "--offline"]).exit_code != 0  # not in that folder


def test_process_with_an_incomplete_config_folder_says_what_is_missing(env: str, monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    (tmp_path / "partial" / "sites").mkdir(parents=True)
    monkeypatch.setenv("ADWATCH_CONFIG_DIR", str(tmp_path / "partial"))
    result = runner.invoke(app, ["process", "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "[C105]" in result.output and "ADWATCH_SITES_DIR" in result.output


def test_export_ads_writes_contract_and_audits(env: str, tmp_path: Path) -> None:
    engine = make_engine(env)
    with make_session_factory(engine)() as session:
        ensure_site(session=session, site_id="site_x", name="X")
        run = start_run(session=session, site_id="site_x", trigger="test")
        save_ads(session=session, site_id="site_x", run_id=run.id, records=[AdRecord(
            external_id="1", url="http://127.0.0.1/ad/1", content_sha256="a" * 64, title="=HYPERLINK(1)",
            text="hello", raw_fields={})])
    out = tmp_path / "ads.jsonl"
    result = runner.invoke(app, ["export", "ads", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["external_id"] == "1" and record["phones"] == [] and record["cluster_id"] is None
    csv_out = tmp_path / "ads.csv"
    assert runner.invoke(app, ["export", "ads", "--format", "csv", "--out", str(csv_out)]).exit_code == 0
    assert "'=HYPERLINK(1)" in csv_out.read_text()  # a spreadsheet will not run it
    with make_session_factory(engine)() as session:
        audits = session.scalars(select(AuditLog).where(AuditLog.action == "export.ads")).all()
        assert len(audits) == 2 and audits[0].detail["rows"] == 1
    engine.dispose()
