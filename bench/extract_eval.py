"""Score ``read_ad`` against the bundled demo market's ground truth, without crawling.

Run: ``.venv/bin/python bench/extract_eval.py [--seed 11 --ads 1500 --night 1] [--fields none|crawler]
[--errors 20]``. The ad text is taken from the corpus objects (title + body); contact-field phones are
passed as ``raw_fields["phones"]`` the way the crawler stores them (``tel:`` strings, ``wa.me`` links,
the shown text; click-to-reveal numbers as ``tel:+45...``). ``--fields crawler`` also passes the age,
price and city fields; ``--fields none`` (default) makes age and city come from the text alone.
Prints phone P/R/F1 per presentation style, indicator P/R/F1 per code with macro-F1, age and city
accuracy, and the ad language's accuracy. Use a seed other than the tests' fixtures for held-out numbers.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from classifiers.evaluation import EvalReport, evaluate
from classifiers.normalize import fold
from classifiers.reading import load_resources, read_ad
from config.settings import AppSettings

# The demo site renders these as its contact field; they reach the reader as raw_fields["phones"].
_CONTACT_STYLES = {"contact_text", "tel_link", "wa_link", "reveal"}


def ad_inputs(ad: Any, night: int, fields: str) -> tuple[str, str, dict[str, Any]]:
    """(title, text, raw_fields) of one demo ad as the crawler would store them."""
    c = ad.content(night)
    phones: list[str] = []
    for m in c.phones:
        if m.placement == "body":
            continue
        if m.style == "wa_link":
            phones.append(f"https://wa.me/{m.e164.lstrip('+')}")
        elif m.style in ("tel_link", "reveal") or not m.shown:
            phones.append(f"tel:{m.e164}")
        else:
            phones.append(m.shown)
    raw: dict[str, Any] = {"phones": phones}
    if fields == "crawler":
        raw.update(age=c.age_field, price=c.price_field, city=ad.city)
    return c.title, c.body, raw


def run(seed: int, n_ads: int, night: int, fields: str) -> tuple[EvalReport, float]:
    from crawler.demo_site import build_corpus  # tests/bench only: classifiers must not import crawler

    corpus = build_corpus(seed=seed, n_ads=n_ads, n_nights=max(night, 1))
    settings = AppSettings(env="test")
    res = load_resources(settings)
    truth = {(t["site"], t["external_id"]): t for t in corpus.truth(night)}
    pairs = []
    t0 = time.process_time()
    for ad in corpus.ads:
        if not ad.present(night):
            continue
        t = truth[(ad.site, str(ad.external_id))]
        title, text, raw = ad_inputs(ad, night, fields)
        r = read_ad(title, text, raw, settings=settings, resources=res)
        pred = r.as_dict()
        pred["indicators"] = [h["code"] for h in r.indicators]
        pairs.append((t, pred))
    cpu = time.process_time() - t0

    def canon(s: str) -> str:
        place = res.gazetteer.lookup(s)
        return fold(place.name if place else s.strip())

    return evaluate(pairs, canon_city=canon), len(pairs) / cpu


def report(rep: EvalReport, n_errors: int) -> str:
    lines = [f"ads: {rep.n_ads}",
             f"phones: P {rep.phones.precision:.4f}  R {rep.phones.recall:.4f}  F1 {rep.phones.f1:.4f}"]
    for style, prf in sorted(rep.phones_by_style.items()):
        lines.append(f"  {style:14s} n={prf.tp + prf.fn:5d}  P {prf.precision:.3f}  R {prf.recall:.3f}  "
                     f"F1 {prf.f1:.3f}")
    lines.append(f"emails: F1 {rep.emails.f1:.3f}   handles: F1 {rep.handles.f1:.3f}")
    lines.append(f"indicators: macro-F1 {rep.macro_f1:.4f}")
    for code, prf in sorted(rep.indicators.items()):
        lines.append(f"  {code:20s} n={prf.tp + prf.fn:5d}  P {prf.precision:.3f}  R {prf.recall:.3f}  "
                     f"F1 {prf.f1:.3f}  (fp {prf.fp}, fn {prf.fn})")
    lines.append(f"age accuracy:  {rep.age_accuracy:.4f} ({rep.age_correct}/{rep.age_total})")
    lines.append(f"city accuracy: {rep.city_accuracy:.4f} ({rep.city_correct}/{rep.city_total})")
    lines.append(f"language accuracy: {rep.language_accuracy:.4f} ({rep.language_correct}/{rep.language_total})")
    kinds = Counter(k for e in rep.errors for k, v in e.items() if k != "id" and v)
    lines.append(f"error kinds (first {len(rep.errors)} wrong ads): {dict(kinds)}")
    lines += [f"  {e}" for e in rep.errors[:n_errors]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--ads", type=int, default=1500)
    ap.add_argument("--night", type=int, default=1)
    ap.add_argument("--fields", choices=("none", "crawler"), default="none")
    ap.add_argument("--errors", type=int, default=15)
    args = ap.parse_args()
    rep, speed = run(args.seed, args.ads, args.night, args.fields)
    print(report(rep, args.errors))
    print(f"read_ad speed on this corpus: {speed:,.0f} ads/s/core")


if __name__ == "__main__":
    main()
