"""The indicator model (classifiers/indicator_model.py): features, windows, training from YAML, hits in readings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.indicator_model import MODEL_ID, sentence_features, windows
from classifiers.reading import Resources, load_resources, read_ad
from config.errors import ConfigError
from config.settings import AppSettings


def _config_copy(tmp_path: Path, read_settings: AppSettings) -> tuple[AppSettings, Path]:
    shutil.copytree(read_settings.config_dir, tmp_path / "config")
    return read_settings.model_copy(update={"config_dir": tmp_path / "config"}), tmp_path / "config"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ny", "i", "byen", "Aalborg", "aalborg", "kun", "24", "/", "7", "girls", "ïn", "?",
                                 "uden", "kondom", "she", "waits", "x", "not", "ikke", "don't", "no", "ingen", ",",
                                 "romanian", "Rumænske", "thai"]),
                max_size=30))
def test_cached_rows_equal_the_sentence_features(resources: Resources, words: list[str]) -> None:
    """The per-word caches must give exactly the rows the training features give."""
    model = resources.model
    assert model is not None
    words = [w.lower() for w in words]
    want = {model.vocab[f] for f in sentence_features(words, model.places, model.negators, model.nationalities)
            if f in model.vocab}
    assert set(model.rows(words)) == want


@pytest.mark.parametrize("text", [
    "1 time 1500 kr, hele natten 7.000 kr. Ring nu!! Kl. 22.30 er fint",
    "a\nb • c | d; e",
    "İSTANBUL girl NEW in town. ok",
    " ".join(f"w{i}" for i in range(100)),  # a run-on text: read in windows
])
def test_windows_cover_every_word_with_true_offsets(text: str) -> None:
    seen = []
    for start, end, words in windows(text, 24):
        assert len(words) <= 24
        piece = text[start:end].lower()
        assert piece.startswith(words[0]) and piece.endswith(words[-1])
        seen += words
    assert set(seen) == {w.lower() for w in re.findall(r"[^\W_]+|[^\w\s]", text) if w not in "•|;"}  # separators end


def test_thousands_and_times_do_not_end_a_sentence() -> None:
    pieces = [s for s, _e, _w in windows("Hele natten 7.000 kr. Ring kl. 22.30", 24)]
    assert len(pieces) == 3  # "Hele natten 7.000 kr." | "Ring kl." | "22.30"


@pytest.mark.parametrize(("text", "code"), [
    ("Hun modtager kun pæne herrer i sin lejlighed", "THIRD_PARTY"),  # third-person voice, no lexicon phrase
    ("I never sleep, call me whenever", "ALWAYS_AVAILABLE"),
])
def test_model_hits_carry_their_sentence_as_evidence(text: str, code: str, read_settings: AppSettings,
                                                    resources: Resources) -> None:
    hits = [h for h in read_ad("", text, {}, settings=read_settings, resources=resources).indicators
            if h["code"] == code]
    assert hits
    for h in hits:
        assert text[h["start"]:h["end"]] == h["text"]
        if h["lexicon_id"] == MODEL_ID:
            assert h["indicator_id"] == f"model_{code.lower()}" and h["text"].strip()


def test_ordinary_ad_sentences_do_not_fire(read_settings: AppSettings, resources: Resources) -> None:
    text = ("Sweet Nadia in Odense. I speak Romanian and English. 1 time 1500 kr, hele natten 7.000 kr. "
            "Call two zero one two three four five six. Kisses, Nadia")
    reading = read_ad("Nadia, 27 - Odense", text, {}, settings=read_settings, resources=resources)
    assert not [h for h in reading.indicators if h["lexicon_id"] == MODEL_ID]


def test_an_analyst_teaches_the_model_with_labelled_sentences(tmp_path: Path, read_settings: AppSettings) -> None:
    """No Python: sentences with a label in config/training/*.yaml, then the model (and stamp) change."""
    settings, config = _config_copy(tmp_path, read_settings)
    before = load_resources(settings)
    probe = "Tjekket af vores vagt ved døren"
    assert "THIRD_PARTY" not in read_ad("", probe, {}, settings=settings, resources=before).codes
    taught = {"version": 1, "items": [
        {"code": "THIRD_PARTY", "lang": "da", "text": t, "expected": "fire"} for t in (
            "Vores vagt tjekker dig ved døren", "Vagten ved døren styrer alt", "En vagt følger hende til døren",
            "Vagt på stedet hele tiden", "Tjekket af vagten først", "Vores vagt tager imod dig ved døren")]}
    (config / "training" / "analyst.yaml").write_text(yaml.safe_dump(taught, allow_unicode=True), encoding="utf-8")
    after = load_resources(settings)
    assert after.stamp != before.stamp  # stored readings are re-read by `adwatch reprocess`
    assert "THIRD_PARTY" in read_ad("", probe, {}, settings=settings, resources=after).codes


def test_model_can_be_switched_off_in_reading_yaml(tmp_path: Path, read_settings: AppSettings) -> None:
    settings, config = _config_copy(tmp_path, read_settings)
    path = config / "reading.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  enabled: true", "  enabled: false"), encoding="utf-8")
    res = load_resources(settings)
    assert res.model is None
    reading = read_ad("", "Hun modtager kun pæne herrer i sin lejlighed", {}, settings=settings, resources=res)
    assert not [h for h in reading.indicators if h["lexicon_id"] == MODEL_ID]


def test_a_bad_training_file_is_a_coded_error(tmp_path: Path, read_settings: AppSettings) -> None:
    settings, config = _config_copy(tmp_path, read_settings)
    (config / "training" / "bad.yaml").write_text(
        "version: 1\nitems:\n- {code: NEW_CODE, lang: da, text: hej, expected: fire}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[C102\] training/bad.yaml: items\[0\].code"):
        load_resources(settings)


def test_a_blob_is_not_evidence(read_settings: AppSettings, resources: Resources) -> None:
    """Hostile input: one huge 'word' or a pasted blob gives no model hit with a 5,000-character evidence."""
    sentence = "The lady you see will meet you"  # read by the model only (no lexicon phrase)
    alone = read_ad("", sentence, {}, settings=read_settings, resources=resources)
    assert [h["text"] for h in alone.indicators if h["lexicon_id"] == MODEL_ID] == [sentence]
    blob = read_ad("", "x" * 5000 + " " + sentence, {}, settings=read_settings, resources=resources)
    assert not [h for h in blob.indicators if h["lexicon_id"] == MODEL_ID]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .!?\n•|;7", max_size=40))
def test_sentence_splitter_equals_the_char_by_char_rule(text: str) -> None:
    """The splitter consumes runs of ordinary characters at once; the sentences must be those of the plain rule
    (one character at a time: anything but . ! and the separators, or . ! before a non-space, non-. ! character)."""
    from classifiers.indicator_model import _SENTENCE

    reference = re.compile(r"(?:[^.!\n•|;]|[.!](?=[^\s.!]))+[.!?]*")
    assert [m.span() for m in _SENTENCE.finditer(text)] == [m.span() for m in reference.finditer(text)]
