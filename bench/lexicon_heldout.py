"""Score the indicator lexicons on held-out phrasings nobody tuned them on.

Run: ``PYTHONPATH=. .venv/bin/python bench/lexicon_heldout.py [--file FILE] [--lang da|en] [--split r5] [--errors]``.
By default it reads tests/classifiers/heldout_phrasings.yaml (held-out round r5) and config/training/*.yaml
(rounds r1-r4 and dev sets, which the indicator model learns from). Each item names one code, a language, a sentence,
whether that code must fire on it (``fire``) or not (``not``, a decoy that reuses the cue words), and the
round (``split``) it was written in (see the file's header). An item is scored for its own code only:
fire -> TP or FN, not -> FP or TN. Prints P/R/F1 per code (and per language) and the macro-F1; ``--split``
keeps only the given rounds; ``--errors`` lists the misses and false alarms. The file is a measuring stick:
never copy its sentences into a lexicon.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from classifiers.reading import load_resources, read_ad
from config.settings import AppSettings

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "classifiers" / "heldout_phrasings.yaml"
TRAINING = ROOT / "config" / "training"


def load_items(path: Path | None = None) -> list[dict[str, Any]]:
    """Items ``{code, lang, text, expected, split}`` of one file, or of the held-out file and every training file.

    Training files name the round as ``source`` (r1-r4, dev-a, dev-b); it is read as ``split`` here.
    """
    paths = [path] if path is not None else [HELDOUT, *sorted(TRAINING.glob("*.yaml"))]
    out = []
    for p in paths:
        for it in yaml.safe_load(p.read_text(encoding="utf-8")).get("items", []):
            out.append({"code": it["code"], "lang": it["lang"], "text": it["text"], "expected": it["expected"],
                        "split": it.get("split", it.get("source", ""))})
    return out


def score(items: list[dict[str, Any]], settings: AppSettings | None = None,
          resources: Any = None) -> tuple[dict[tuple[str, str], dict[str, int]], list[tuple[str, dict[str, Any]]]]:
    """Counts per (code, lang) -> {tp, fn, fp, tn}, and the wrong items as (kind, item)."""
    settings = settings or AppSettings(env="test")
    resources = resources or load_resources(settings)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict(tp=0, fn=0, fp=0, tn=0))
    wrong: list[tuple[str, dict[str, Any]]] = []
    for it in items:
        fired = it["code"] in read_ad("", it["text"], {}, settings=settings, resources=resources).codes
        want = it["expected"] == "fire"
        kind = ("tp" if fired else "fn") if want else ("fp" if fired else "tn")
        counts[(it["code"], it["lang"])][kind] += 1
        if kind in ("fn", "fp"):
            wrong.append((kind, it))
    return dict(counts), wrong


def prf(c: dict[str, int]) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def per_code(counts: dict[tuple[str, str], dict[str, int]], lang: str | None = None) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict(tp=0, fn=0, fp=0, tn=0))
    for (code, lg), c in counts.items():
        if lang in (None, lg):
            for k, v in c.items():
                out[code][k] += v
    return dict(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=None, help="one phrasings file (default: held-out + training)")
    ap.add_argument("--lang", choices=["da", "en"], default=None)
    ap.add_argument("--split", default=None, help="comma-separated rounds to keep, e.g. r3")
    ap.add_argument("--errors", action="store_true")
    a = ap.parse_args()
    splits = set(a.split.split(",")) if a.split else None
    items = [it for it in load_items(a.file) if a.lang in (None, it["lang"])
             and (splits is None or it.get("split") in splits)]
    counts, wrong = score(items)
    source = a.file.name if a.file else "heldout_phrasings.yaml + config/training"
    print(f"{len(items)} items from {source}" + (f" (split {a.split})" if a.split else ""))
    print(f"{'code':18} {'P':>5} {'R':>5} {'F1':>5}   {'F1 da':>5} {'F1 en':>5}   tp fn fp tn")
    f1s = []
    codes = per_code(counts)
    by_lang = {lg: per_code(counts, lg) for lg in ("da", "en")}
    for code in sorted(codes):
        c = codes[code]
        p, r, f = prf(c)
        f1s.append(f)
        lf = [f"{prf(by_lang[lg][code])[2]:5.3f}" if code in by_lang[lg] else "    -" for lg in ("da", "en")]
        print(f"{code:18} {p:5.3f} {r:5.3f} {f:5.3f}   {lf[0]} {lf[1]}   "
              f"{c['tp']:2} {c['fn']:2} {c['fp']:2} {c['tn']:2}")
    print(f"macro-F1 {sum(f1s) / len(f1s):.3f}")
    if a.errors:
        for kind, it in sorted(wrong, key=lambda w: (w[1]["code"], w[0], w[1]["lang"])):
            print(f"  {kind} {it['code']:17} {it['lang']} {it['text']}")


if __name__ == "__main__":
    main()
