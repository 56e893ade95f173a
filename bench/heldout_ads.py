"""Score whole held-out ads, as the export would carry them: phones, age, city and indicator codes per ad.

Run: ``PYTHONPATH=. .venv/bin/python bench/heldout_ads.py [--file FILE] [--lang da|en|mixed] [--errors N]``.
The default file, tests/classifiers/heldout_ads.yaml, holds 160 ads (70 Danish, 70 English, 20 mixed) written by
an author who never saw the code, the lexicons, the training data or the demo site, with their labels (phones as
E.164, the stated age, the city, the indicator codes a careful analyst would flag). It is the closest measure we
have of how adwatch reads an unfamiliar site. Keep it held out: never tune a rule or train the model on its ads,
and whoever changes either reads only the scores (``--errors`` lists the misses: use it only to check the labels
of a new file).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from bench.extract_eval import report
from classifiers.evaluation import EvalReport, evaluate
from classifiers.normalize import fold
from classifiers.reading import load_resources, read_ad
from config.settings import AppSettings

HELDOUT_ADS = Path(__file__).resolve().parents[1] / "tests" / "classifiers" / "heldout_ads.yaml"


def load_ads(path: Path = HELDOUT_ADS) -> list[dict[str, Any]]:
    """The ads of one file: ``{id, lang, title, text, phones, age, city, codes}``."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["ads"])


def score(ads: list[dict[str, Any]], settings: AppSettings | None = None) -> EvalReport:
    """score (EvalReport): every ad read with no scraped fields (the text alone), compared with its labels."""
    settings = settings or AppSettings(env="test")
    res = load_resources(settings)

    def canon(s: str) -> str:
        place = res.gazetteer.lookup(s)
        return fold(place.name if place else s.strip())

    pairs = []
    for ad in ads:
        truth = {"id": ad["id"], "phones": [{"e164": p, "style": "heldout"} for p in ad.get("phones") or []],
                 "age": ad.get("age"), "city": ad.get("city"), "indicators": list(ad.get("codes") or [])}
        r = read_ad(ad.get("title", ""), ad.get("text", ""), {}, settings=settings, resources=res)
        pred = r.as_dict()
        pred["indicators"] = [h["code"] for h in r.indicators if h["code"] != "LOW_PRICE"]
        pairs.append((truth, pred))
    return evaluate(pairs, canon_city=canon)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=HELDOUT_ADS)
    ap.add_argument("--lang", choices=("da", "en", "mixed"), default=None)
    ap.add_argument("--errors", type=int, default=0, help="list this many wrong ads (label checks only)")
    a = ap.parse_args()
    ads = [ad for ad in load_ads(a.file) if a.lang in (None, ad.get("lang"))]
    rep = score(ads)
    text = report(rep, a.errors)
    if not a.errors:  # scores only: the error kinds line and the ads stay hidden
        text = "\n".join(line for line in text.splitlines() if not line.startswith("error kinds"))
    print(text)


if __name__ == "__main__":
    main()
