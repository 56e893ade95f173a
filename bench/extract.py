"""Reading throughput: ads/s on one core for ``read_ad`` and for the whole DB stage, on a synthetic corpus.

Run: ``.venv/bin/python bench/extract.py [--ads 4000] [--stage [--jobs N]] [--steps]``. Prints ``read_ad`` one ad at a
time, ``read_ads`` in batches of 500 (as the stage reads), and the ratio of each against a
baseline measured in the same run (spaCy's blank Danish tokenizer alone on the same texts), so numbers from
different machines can be compared; ``--steps`` adds CPU µs per ad of each ``read_ad`` step. Every timed pass
starts with an empty phone-number cache (``cold_numbers``). Goal: >= 2,000 ads/s/core for the reading stage.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import spacy

from classifiers.reading import load_resources, read_ad
from config.settings import AppSettings

_OPEN = ["Hej skat", "Hi gentlemen", "Sød pige", "Sexy {nat} girl", "Ny i byen", "Welcome", "Kys", "Hello boys"]
_MID = ["Jeg er {age} år og bor på {city}.", "I am {name}, {age} years old, in {city}.", "Age: {age}. City: {city}.",
        "Diskret lejlighed i {city}, parkering lige ved døren.", "Real photos, 100% me, in {city} this week only.",
        "Jeg taler dansk og engelsk.", "I speak English and a little German.", "Always with condom, safe sex only.",
        "Available 24/7 for you", "Ring til min chef for booking", "Independent, no agency.", "Many new girls!",
        "Very young and fresh", "Not new in town, I live here.", "Young at heart, {age}."]
_PRICE = ["1 time {p} kr, 30 min {h} kr.", "Price: {p} DKK per hour", "½ time {h},-", "150 EUR/hour", ""]
_PHONE = ["Ring {ph}", "Call me: +45 {ph}", "SMS {ph} (no calls)", "tlf. {ph}", "WhatsApp +45{ph_c}",
          "Ring {words}", "Mail: {name}.dk at gmail dot com", "Snap: {name}_{age}"]
_CITIES = ["København", "Vesterbro", "Aarhus", "Odense", "Aalborg", "Kbh Ø", "Esbjerg", "Randers"]
_WORDS = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni")


def make_corpus(n: int, seed: int = 1) -> list[tuple[str, str, dict[str, object]]]:
    """make_corpus: ``n`` (title, text, raw_fields) ads from templates (not the demo site's texts)."""
    rng = random.Random(seed)
    ads = []
    for _ in range(n):
        num = rng.choice(["20", "22", "26", "31", "40", "42", "50", "61", "71", "81"]) + str(rng.randint(1, 9)) + \
            f"{rng.randrange(100000):05d}"
        vals = {"age": rng.randint(18, 45), "city": rng.choice(_CITIES), "name": rng.choice(["Anna", "Mia", "Sofie"]),
                "nat": rng.choice(["Danish", "Romanian", "Thai"]), "p": rng.randrange(8, 30) * 100,
                "h": rng.randrange(4, 15) * 100, "ph": " ".join(num[i:i + 2] for i in range(0, 8, 2)), "ph_c": num,
                "words": " ".join(_WORDS[int(c)] for c in num)}
        parts = [rng.choice(_OPEN), *rng.sample(_MID, rng.randint(3, 7)), rng.choice(_PRICE), rng.choice(_PHONE)]
        text = " ".join(parts).format(**vals)
        text = (text + " ") * rng.randint(1, 3)
        raw = {"phones": [f"tel:+45{num}"]} if rng.random() < 0.5 else {}
        ads.append((f"{vals['name']} {vals['age']} - {vals['city']}", text, raw))
    return ads


def cold_numbers() -> None:
    """Empty the phone-number parse cache, so a timed pass pays for every number as a run over new ads does.

    Why: ``bench_read`` runs ``--repeat`` times over the same ads; without this, every pass after the first
    found all numbers cached and timed no phone validation at all. Vocabulary caches (token digits, norms)
    stay warm, as they do in a long stage run.
    """
    from classifiers import phones

    phones._parse.cache_clear()


def bench_read(ads: list[tuple[str, str, dict[str, object]]], settings: AppSettings) -> float:
    res = load_resources(settings)
    for title, text, raw in ads[:200]:  # warm caches
        read_ad(title, text, raw, settings=settings, resources=res)
    cold_numbers()
    t0 = time.process_time()
    for title, text, raw in ads:
        read_ad(title, text, raw, settings=settings, resources=res)
    return len(ads) / (time.process_time() - t0)


def bench_read_ads(ads: list[tuple[str, str, dict[str, object]]], settings: AppSettings, batch: int = 500) -> float:
    """bench_read_ads: ads/s/core of ``read_ads`` in batches of ``batch`` (the stage's way of reading)."""
    from classifiers.reading import read_ads

    res = load_resources(settings)
    read_ads(ads[:200], settings=settings, resources=res)  # warm caches
    cold_numbers()
    t0 = time.process_time()
    for i in range(0, len(ads), batch):
        read_ads(ads[i:i + batch], settings=settings, resources=res)
    return len(ads) / (time.process_time() - t0)


def bench_steps(ads: list[tuple[str, str, dict[str, object]]], settings: AppSettings,
                batch: int = 0) -> dict[str, float]:
    """bench_steps: CPU µs per ad of each ``read_ad`` step, and ``other`` (cleaning, the glue between steps).

    batch > 0: of ``read_ads`` in batches of that many ads instead.
    """
    from classifiers import reading

    res = load_resources(settings)
    for title, text, raw in ads[:200]:
        read_ad(title, text, raw, settings=settings, resources=res)
    clock: dict[str, float] = {}
    cold_numbers()
    reading.STEP_SECONDS = clock
    try:
        t0 = time.process_time()
        if batch > 0:
            for i in range(0, len(ads), batch):
                reading.read_ads(ads[i:i + batch], settings=settings, resources=res)
        else:
            for title, text, raw in ads:
                read_ad(title, text, raw, settings=settings, resources=res)
        total = time.process_time() - t0
    finally:
        reading.STEP_SECONDS = None
    out = {k: v * 1e6 / len(ads) for k, v in sorted(clock.items(), key=lambda kv: -kv[1])}
    out["other"] = total * 1e6 / len(ads) - sum(out.values())
    return out


def bench_tokenizer(ads: list[tuple[str, str, dict[str, object]]]) -> float:
    nlp = spacy.blank("da")
    for title, text, _ in ads[:200]:
        nlp.make_doc(title + "\n\n" + text)
    t0 = time.process_time()
    for title, text, _ in ads:
        nlp.make_doc(title + "\n\n" + text)
    return len(ads) / (time.process_time() - t0)


def bench_stage(ads: list[tuple[str, str, dict[str, object]]], jobs: int = 1) -> float:
    """bench_stage: ads/s of ``process_readings`` on a fresh SQLite database.

    jobs == 1: per core (CPU seconds of this process). jobs > 1: wall clock with that many reading processes
    (their start-up included), the figure a nightly run sees on a machine with that many free cores.
    """
    from sqlalchemy.orm import Session

    from classifiers.reading_stage import process_readings
    from storage.db import make_engine, upgrade
    from storage.models.crawl import Ad, AdVersion, Site

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        settings = AppSettings(env="test", data_dir=Path(tmp), database_url=url)
        with Session(engine) as session:
            session.add(Site(id="bench", name="Bench"))
            session.flush()
            for i, (title, text, raw) in enumerate(ads):
                ad = Ad(site_id="bench", external_id=str(i), url=f"http://bench/{i}")
                session.add(ad)
                session.flush()
                session.add(AdVersion(ad_id=ad.id, content_sha256=hashlib.sha256(text.encode()).hexdigest(),
                                      title=title, text=text, raw_fields=raw))
            session.commit()
            cold_numbers()
            clock = time.process_time if jobs == 1 else time.perf_counter
            t0 = clock()
            stats = process_readings(session, settings, progress=False, jobs=jobs)
            seconds = clock() - t0
        engine.dispose()
    return stats.read / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ads", type=int, default=4000)
    parser.add_argument("--stage", action="store_true", help="Also time the DB stage (SQLite, incl. writes).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", action="store_true", help="Also print CPU µs per ad of each read_ad step.")
    parser.add_argument("--jobs", type=int, default=0,
                        help="With --stage: also time the stage with this many reading processes (wall clock).")
    args = parser.parse_args()
    settings = AppSettings(env="test")
    ads = make_corpus(args.ads)
    mean_len = statistics.mean(len(t) + len(x) for t, x, _ in ads)
    base = max(bench_tokenizer(ads) for _ in range(args.repeat))
    read = max(bench_read(ads, settings) for _ in range(args.repeat))
    print(f"corpus: {len(ads)} synthetic ads, mean {mean_len:.0f} chars")
    print(f"baseline spaCy blank 'da' tokenizer only: {base:,.0f} ads/s/core")
    print(f"read_ad (all extractors):                 {read:,.0f} ads/s/core  (ratio to baseline {read / base:.3f})")
    batched = max(bench_read_ads(ads, settings) for _ in range(args.repeat))
    print(f"read_ads (batches of 500, as the stage):  {batched:,.0f} ads/s/core  (ratio to baseline "
          f"{batched / base:.3f})")
    if args.steps:
        steps = bench_steps(ads, settings)
        print("read_ad steps (µs/ad): " + ", ".join(f"{k} {v:.0f}" for k, v in steps.items()))
        steps = bench_steps(ads, settings, batch=500)
        print("read_ads steps (µs/ad): " + ", ".join(f"{k} {v:.0f}" for k, v in steps.items()))
    if args.stage:
        stage = bench_stage(ads)
        print(f"reading stage incl. SQLite writes:        {stage:,.0f} ads/s/core  "
              f"(ratio to baseline {stage / base:.3f})")
        if args.jobs > 1:
            wall = bench_stage(ads, jobs=args.jobs)
            print(f"reading stage, {args.jobs} reading processes:  {wall:,.0f} ads/s wall clock  "
                  f"({wall / stage:.2f}x the one-core stage; {os.cpu_count()} cores here)")


if __name__ == "__main__":
    main()
