"""config/people.yaml: spoken-language names and nationality words, validated and extendable by analysts."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.facts import People, find_nationality, find_spoken, load_people
from config.errors import ConfigError
from config.lexicon_schema import load_people_config

REPO_PEOPLE = Path(__file__).resolve().parents[2] / "config" / "people.yaml"


def test_shipped_file_is_valid_and_used_by_default() -> None:
    cfg = load_people_config(REPO_PEOPLE)
    assert {"da", "en", "ro", "th"} <= set(cfg.languages)
    assert {"DK", "RO", "NG", "TH"} <= set(cfg.nationalities)
    assert find_spoken("I speak English and a little Romanian") == ["en", "ro"]
    assert find_spoken("Taler dansk, ikke engelsk") == ["da"]
    assert [m.value for m in find_nationality("Sød rumænsk pige", "")] == ["RO"]
    assert [m.value for m in find_nationality("Beautiful girl from Nigeria", "")] == ["NG"]


@pytest.mark.parametrize("bad, fragment", [
    ("version: 1\nlanguages: {dansk: [dansk]}\nnationalities: {}\n", "ISO 639-1"),
    ("version: 1\nlanguages: {da: [Dansk]}\nnationalities: {}\n", "lower case"),
    ("version: 1\nlanguages: {da: [dansk]}\nnationalities: {Rom: {adjectives: [romanian]}}\n", "ISO 3166"),
    ("version: 1\nlanguages: {da: [dansk]}\nnationalities: {RO: {adjectives: [romanian], typo: []}}\n", "typo"),
    ("version: 1\nlanguages: {da: [dansk\n", "C101"),
])
def test_invalid_files_fail_with_coded_errors(tmp_path: Path, bad: str, fragment: str) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_people_config(path)
    assert fragment in str(err.value)


def test_analyst_extends_languages_and_nationalities(tmp_path: Path) -> None:
    src = REPO_PEOPLE.read_text(encoding="utf-8")
    src = src.replace("  da: [danish, dansk]", "  da: [danish, dansk, danese]")
    eritrea = "\n  ER: {adjectives: [eritrean, eritreisk], countries: [eritrea]}"
    src = src.replace("nationalities:", "nationalities:" + eritrea, 1)
    path = tmp_path / "people.yaml"
    path.write_text(src, encoding="utf-8")
    people = load_people(path)
    assert isinstance(people, People)
    assert find_spoken("Parlo italiano. Languages: danese, english", people) == ["da", "en"]
    assert [m.value for m in find_nationality("Sød eritreisk pige", "", people)] == ["ER"]
    assert [m.value for m in find_nationality("I come from Eritrea", "", people)] == ["ER"]
    assert find_nationality("Sød eritreisk pige", "") == []  # the shipped file does not know it
