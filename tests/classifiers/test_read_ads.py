"""read_ads / read_batch: a batch read step by step gives the readings ``read_ad`` gives one ad at a time."""

from __future__ import annotations

import dataclasses
import logging
import random

from classifiers import reading_steps
from classifiers.reading import read_ad, read_ads, read_batch
from classifiers.reading_steps import STEPS


def _ads() -> list[tuple[object, object, object]]:
    """Varied ads: ordinary ones, every scraped field, and hostile input (binary, control, huge, bytes, None)."""
    from bench.extract import make_corpus

    rng = random.Random(11)
    ads: list[tuple[object, object, object]] = list(make_corpus(40, seed=3))
    ads += [
        ("Sofia 23 - ny i København", "Hej! Jeg er Sofia, 23 år, rumænsk pige på Vesterbro. Taler engelsk. "
         "1 time 1500 kr. Ring 20 12 34 56 eller WhatsApp +40 721 234 567. Mail: sofia.dk at gmail dot com",
         {"phones": ["tel:+4520123456"], "age": "23", "city": "Vesterbro", "price": "1500 kr", "email": "a@b.dk",
          "handles": ["snap: sofia_cph"], "nationality": "Romanian"}),
        ("", "", {}),
        (None, None, None),
        ("title only 19", None, {"age": ["?"], "city": 5, "price": {}}),
        (b"Bytes title", b"Ring 20 12 34 56, ny i byen", {"phones": [None, 123, b"+4520123456"]}),
        ("", bytes(rng.randrange(256) for _ in range(5_000)).decode("latin-1"), {}),
        ("", "Ny\x00 i\x07 byen\x1b, ring\r\n 20\x0b12 34 56\x7f" + "\x1b[0m tekst " * 3, {}),
        ("", "Привет 你好 مرحبا ny i byen שלום 20 12 34 56 ελληνικά", {}),
        ("", "💋🔥😘" * 300, {}),
        ("", "<div><b>New in town</b> <a href='tel:+4520123456'>call</a></div>" * 20, {}),
        ("", ("Ny i byen, ring 20 12 34 56. " * 20_000), {}),
        ("Jeg er 16 år", "Very young, barely legal. 45 år. Altid klar 24/7, uden kondom", {"age": "16"}),
        ("", "İSTANBUL girl 22, ſweet", "not a mapping"),
    ]
    return ads


def test_read_ads_equals_read_ad_one_by_one(read_settings, resources) -> None:
    ads = _ads()
    # The cut 60,000-character ad takes ~0.5 s, the default per-ad limit: a generous one keeps timing out of it.
    resources = dataclasses.replace(resources, config=resources.config.model_copy(update={"time_limit_s": 60.0}))
    alone = [read_ad(t, x, r, settings=read_settings, resources=resources).as_dict() for t, x, r in ads]  # type: ignore[arg-type]
    batch = [r.as_dict() for r in read_ads(ads, settings=read_settings, resources=resources)]  # type: ignore[arg-type]
    assert len(batch) == len(alone)
    for one, many in zip(alone, batch, strict=True):
        assert repr(one) == repr(many)
    assert read_ads([], settings=read_settings, resources=resources) == []


def test_read_batch_reports_each_ads_own_cpu_time(read_settings, resources) -> None:
    """Each ad's seconds are its own work: a long ad costs more than a short one read in the same batch."""
    long_text = "Ny i byen, ring 20 12 34 56. 1 time 1500 kr. Jeg er 23 år. " * 150
    done = read_batch([("a", "hej", {}), ("b", long_text, {}), ("c", "hej", {})], settings=read_settings,
                      resources=resources)
    seconds = [s for _, s in done]
    assert all(s > 0 for s in seconds)
    assert seconds[1] > seconds[0] and seconds[1] > seconds[2]


def test_time_limit_is_per_ad_in_a_batch(read_settings, resources) -> None:
    """A spent budget skips the ad's remaining steps with E203 records, for every ad of the batch; nothing raises."""
    tight = dataclasses.replace(resources, config=resources.config.model_copy(update={"time_limit_s": 1e-9}))
    text = "Ny i byen, ring 20 12 34 56. 1 time 1500 kr. Jeg er 23 år. " * 50
    readings = read_ads([("Sofia", text, {})] * 3, settings=read_settings, resources=tight)
    for r in readings:
        skipped = {s["step"] for s in r.skipped if "E203" in s["reason"]}
        assert r.errors == () and skipped == {name for name, _, _ in STEPS}
    full = read_ads([("Sofia", text, {})] * 2, settings=read_settings, resources=resources)
    assert all(not r.skipped and r.codes for r in full)


def test_time_limit_counts_only_the_ads_own_steps(read_settings, resources) -> None:
    """In a batch, the other ads' steps run between one ad's steps; they must not use up its budget."""
    text = "Ny i byen, ring 20 12 34 56. 1 time 1500 kr. Jeg er 23 år. " * 20
    alone = max(s for _, s in read_batch([("Sofia", text, {})], settings=read_settings, resources=resources))
    # A budget of a few reads of this ad, far less than the 60 ads of the batch together take.
    limited = dataclasses.replace(resources, config=resources.config.model_copy(update={"time_limit_s": alone * 5}))
    done = read_batch([("Sofia", text, {})] * 60, settings=read_settings, resources=limited)
    assert sum(s for _, s in done) > alone * 5
    assert not [s for r, _ in done for s in r.skipped if "E203" in s["reason"]]


def test_a_failing_step_is_recorded_for_its_ad_only(read_settings, resources, monkeypatch, caplog) -> None:
    """E204: a step that raises on one ad is recorded in that ad's errors; the other ads and steps still run."""
    real = reading_steps.find_ages

    def flaky(text: str, **kw: object) -> object:
        if "BOOM" in text:
            raise RuntimeError("boom")
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(reading_steps, "find_ages", flaky)
    ads = [("Sofia", "Jeg er 23 år, ring 20 12 34 56", {}), ("BOOM", "Jeg er 24 år og bor i Aarhus", {}),
           ("Mia", "I am 25", {})]
    with caplog.at_level(logging.ERROR, logger="classifiers.reading"):
        readings = read_ads(ads, settings=read_settings, resources=resources)
    assert [r.age for r in readings] == [23, None, 25]
    assert readings[1].errors == ({"step": "age", "error": "[E204] RuntimeError: boom"},)
    assert readings[0].errors == () and readings[2].errors == ()
    assert readings[1].city == "Aarhus" and readings[1].skipped == ()
