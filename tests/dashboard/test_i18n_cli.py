"""Translations cover every interface string; ``adwatch users`` manages accounts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adwatch.cli import app as cli
from dashboard.auth import verify_password
from dashboard.i18n import catalog, pick_language, translator
from storage import people_repo
from storage.db import make_engine, make_session_factory

TEMPLATES = Path(__file__).resolve().parents[2] / "dashboard" / "templates"
STRING = re.compile(r"_\('((?:[^'\\]|\\.)*)'")


def test_danish_catalog_covers_every_template_string() -> None:
    da = catalog("da")
    missing = sorted({m for p in TEMPLATES.glob("*.html") for m in STRING.findall(p.read_text())} - set(da))
    assert not missing, f"strings without a Danish translation: {missing}"
    for source, target in da.items():  # placeholders survive translation
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", target)), source


def test_translator_and_language_choice() -> None:
    assert translator("da")("Leads") == "Sager"
    assert translator("en")("Leads") == "Leads"
    assert translator("da")("last {n} days", n=7) == "seneste 7 dage"
    assert pick_language(session_lang=None, user_lang=None, accept_language="en-GB,en;q=0.8") == "en"
    assert pick_language(session_lang="en", user_lang="da", accept_language=None) == "en"
    assert pick_language(session_lang=None, user_lang=None, accept_language="fr") == "da"


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ADWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ADWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ADWATCH_ENV", "test")
    return sqlite_url


def test_users_cli(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "add", "karin", "--role", "analyst", "--password-stdin"],
                           input="a very long password\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["users", "add", "karin", "--role", "analyst", "--password-stdin"],
                         input="a very long password\n").exit_code == 1  # name taken
    assert runner.invoke(cli, ["users", "add", "x1", "--role", "boss", "--password-stdin"],
                         input="a very long password\n").exit_code == 2
    assert runner.invoke(cli, ["users", "add", "x2", "--role", "outreach", "--password-stdin"],
                         input="short\n").exit_code == 2
    listing = runner.invoke(cli, ["users", "list"])
    assert "karin\tanalyst\tactive\tnever" in listing.output
    assert runner.invoke(cli, ["users", "disable", "karin"]).exit_code == 0
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as session:
        user = people_repo.get_user_by_name(session=session, username="karin")
        assert user is not None and not user.active and user.session_epoch == 1
        assert verify_password(user.password_hash, "a very long password")
        assert user.password_hash.startswith("$argon2id$")
    engine.dispose()
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1
