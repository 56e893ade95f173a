"""The docs cover the configuration surface: settings, indicator codes, commands, pages linked from README."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from adwatch.cli import app
from config.settings import AppSettings

ROOT = Path(__file__).resolve().parents[1]
INDICATOR_CODES = ("MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNDERAGE", "UNPROTECTED",
                   "ALWAYS_AVAILABLE", "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT", "LOW_PRICE")
NETWORK_CODES = ("SHARED_PHONE", "PHOTO_REUSE", "TEMPLATE_TEXT", "CITY_ROTATION", "HIGH_VOLUME", "AGE_INCONSISTENCY")


def _read(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    text = _read("configuration.md")
    names = [f.validation_alias if isinstance(f.validation_alias, str) else f"ADWATCH_{name.upper()}"
             for name, f in AppSettings.model_fields.items()]
    missing = [name for name in names if name not in text]
    assert not missing


def test_every_indicator_code_is_documented() -> None:
    reading, linking = _read("reading.md"), _read("linking.md") + _read("scoring.md")
    assert [c for c in INDICATOR_CODES if c not in reading] == []
    assert [c for c in NETWORK_CODES if c not in linking] == []


def test_readme_opens_with_two_commands_and_links_existing_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert first_block is not None
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2 and "demo" in commands[0] and "test" in commands[1]
    for link in re.findall(r"\]\((docs/[^)]+|bench/[^)]+)\)", readme):
        assert (ROOT / link).exists(), link


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash bootstrap.sh test" in ci


def test_every_command_is_documented() -> None:
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    group = typer.main.get_group(app)
    missing = [f"adwatch {name}" for name in group.commands if f"adwatch {name}" not in docs]
    assert not missing
