"""Lexicon validation gives coded, located errors instead of silently matching nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.lexicon_schema import load_lexicons

GOOD = """id: test_en
version: 1
language: en
indicators:
  - id: t_one
    code: MOVEMENT
    description: A test indicator for the schema.
    phrases: [new in town]
    examples: {positive: [new in town], negative: [old town]}
"""


def _write(tmp_path: Path, text: str, lang: str = "en", name: str = "a.yaml") -> Path:
    folder = tmp_path / "lexicons" / lang
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "lexicons"


def test_good_lexicon_loads(tmp_path: Path) -> None:
    lexicons = load_lexicons(_write(tmp_path, GOOD))
    assert lexicons.versions() == {"test_en": 1}
    assert lexicons.key.startswith("test_en@1#")


@pytest.mark.parametrize(("mutation", "code"), [
    (("phrases: [new in town]", "phrasez: [new in town]"), "C102"),
    (("phrases: [new in town]", "patterns: [[{LOWR: new}]]"), "C103"),
    (("code: MOVEMENT", "code: MOVING"), "C102"),
    (("negative: [old town]", "negative: []"), "C102"),
    (("version: 1", "version: [1"), "C101"),
    (("language: en", "language: da"), "C106"),
])
def test_bad_lexicon_is_reported_with_code(tmp_path: Path, mutation: tuple[str, str], code: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_lexicons(_write(tmp_path, GOOD.replace(*mutation)))
    assert f"[{code}]" in str(err.value)
    assert "a.yaml" in str(err.value)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, name="a.yaml")
    with pytest.raises(ConfigError, match=r"\[C104\]"):
        load_lexicons(_write(tmp_path, GOOD, name="b.yaml"))


def test_no_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[C105\]"):
        load_lexicons(tmp_path)
