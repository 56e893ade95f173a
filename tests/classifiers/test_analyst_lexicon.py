"""An analyst adds a phrase (with an example) to a lexicon YAML in a copy of config/, re-runs the stage
and sees new hits, without touching Python: the new lexicon version changes the stamp, so
``process_readings(reprocess=False)`` re-reads the stored versions. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.reading import load_resources, read_ad
from classifiers.reading_stage import process_readings
from config.settings import AppSettings
from storage.models.crawl import Ad, AdVersion, Site
from storage.models.reading import AdReading, IndicatorHit

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
NEW_PHRASE = "på gennemfart"  # "passing through": not in the shipped lexicon
TEXT = "Sød pige på gennemfart i Aalborg. Ring 20 12 34 56"


def _add_phrase(cfg: Path) -> None:
    path = cfg / "lexicons" / "da" / "indicators.yaml"
    src = path.read_text(encoding="utf-8")
    assert NEW_PHRASE not in src
    src = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", src, count=1, flags=re.M)
    src += f"""  - id: analyst_gennemfart
    code: MOVEMENT
    description: Added by an analyst in a test.
    phrases: [{NEW_PHRASE}]
    examples:
      positive: ["Sød pige {NEW_PHRASE}"]
      negative: ["Ikke {NEW_PHRASE}, jeg bor her"]
"""
    path.write_text(src, encoding="utf-8")


def test_new_phrase_in_yaml_gives_new_hits_after_rerun(session: Session, settings: AppSettings,
                                                         tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    shutil.copytree(REPO_CONFIG, cfg)
    # The lexicon path alone: the indicator model already reads "på gennemfart" as MOVEMENT (its own test shows
    # an analyst teaching it: tests/classifiers/test_indicator_model.py).
    reading_yaml = cfg / "reading.yaml"
    reading_yaml.write_text(reading_yaml.read_text(encoding="utf-8").replace("  enabled: true", "  enabled: false"),
                            encoding="utf-8")
    ours = settings.model_copy(update={"config_dir": cfg})
    session.add(Site(id="demo", name="Demo"))
    session.flush()
    ad = Ad(site_id="demo", external_id="1", url="http://demo/1")
    session.add(ad)
    session.flush()
    version = AdVersion(ad_id=ad.id, content_sha256=hashlib.sha256(TEXT.encode()).hexdigest(), title="Mia",
                        text=TEXT, raw_fields={})
    session.add(version)
    session.commit()

    first = process_readings(session, ours, progress=False)
    assert first.read == 1
    hits = session.scalars(select(IndicatorHit).where(IndicatorHit.code == "MOVEMENT")).all()
    assert hits == []
    old_stamp = load_resources(ours).stamp

    _add_phrase(cfg)
    res = load_resources(ours)
    for polarity, sentence in (("positive", f"Sød pige {NEW_PHRASE}"), ("negative", f"Ikke {NEW_PHRASE}, jeg bor her")):
        fired = "MOVEMENT" in read_ad("", sentence, {}, settings=ours, resources=res).codes
        assert fired == (polarity == "positive"), sentence  # the analyst's examples behave
    assert res.stamp != old_stamp
    assert process_readings(session, ours, progress=False).read == 1  # stale under the new stamp
    hits = session.scalars(select(IndicatorHit).where(IndicatorHit.code == "MOVEMENT")).all()
    assert [h.text.lower() for h in hits] == [NEW_PHRASE]
    assert hits[0].lexicon_id == "indicators_da" and hits[0].indicator_id == "analyst_gennemfart"
    assert hits[0].lexicon_version == res.lexicons.versions()["indicators_da"]
    assert TEXT[hits[0].start:hits[0].end] == hits[0].text
    readings = session.scalars(select(AdReading)).all()
    assert len(readings) == 1 and readings[0].stamp == res.stamp  # the old reading was replaced
    assert process_readings(session, ours, progress=False).read == 0  # nothing stale any more


def _config_with_en_entry(tmp_path: Path, entry: str) -> Path:
    """A copy of config/ whose English lexicon has ``entry`` appended and its version bumped (an analyst's edit)."""
    cfg = tmp_path / "config"
    shutil.copytree(REPO_CONFIG, cfg)
    path = cfg / "lexicons" / "en" / "indicators.yaml"
    src = path.read_text(encoding="utf-8")
    src = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", src, count=1, flags=re.M)
    path.write_text(src + entry, encoding="utf-8")
    return cfg


def test_new_token_patterns_fire_with_and_without_the_matcher(tmp_path: Path) -> None:
    """A token pattern the evaluator runs itself and one only spaCy's Matcher knows (REGEX) both fire."""
    from classifiers.nlp import build_nlp

    cfg = _config_with_en_entry(tmp_path, """  - id: analyst_passing_through
    code: MOVEMENT
    description: Added by an analyst in a test.
    patterns:
      - [{LOWER: passing}, {LOWER: {IN: [through, thru]}}, {IS_TITLE: true}]
      - [{LOWER: short}, {LOWER: {REGEX: "^stay(s|ing)?$"}}, {LOWER: in}]
    examples:
      positive: ["Passing through Odense", "short stay in Aarhus"]
      negative: ["passing through", "no short stay in Aarhus"]
""")
    settings = AppSettings(env="test", config_dir=cfg)
    res = load_resources(settings)
    reader = build_nlp("en", res.lexicons)
    assert None in reader.compiled and any(c is not None for c in reader.compiled)
    for text in ("Sweet girl passing through Odense", "Short staying in Aarhus this week"):
        reading = read_ad("", text, {}, settings=settings, resources=res)
        assert any(h["indicator_id"] == "analyst_passing_through" for h in reading.indicators), text
        doc = reader.nlp.make_doc(text)
        assert sorted(reader.token_matches(doc)) == sorted(reader.matcher(doc))


def test_two_patterns_of_one_indicator_on_one_span_give_one_match(tmp_path: Path) -> None:
    """The Matcher reports (key, start, end) once when several patterns of the key match it; the evaluator too."""
    from classifiers.nlp import build_nlp

    cfg = _config_with_en_entry(tmp_path, """  - id: analyst_two_ways
    code: MOVEMENT
    description: Added by an analyst in a test; both patterns match "passing through Odense".
    patterns:
      - [{LOWER: passing}, {LOWER: {IN: [through, thru]}}, {IS_TITLE: true}]
      - [{LOWER: {IN: [passing, going]}}, {LOWER: through}, {IS_ALPHA: true}]
    examples:
      positive: ["Passing through Odense"]
      negative: ["passing by"]
""")
    res = load_resources(AppSettings(env="test", config_dir=cfg))
    for lang in ("da", "en", "xx"):
        reader = build_nlp(lang, res.lexicons)
        doc = reader.nlp.make_doc("Sweet girl passing through Odense, 3 søde piger")
        got = reader.token_matches(doc)
        assert len(got) == len(set(got))
        assert sorted(got) == sorted(reader.matcher(doc))
