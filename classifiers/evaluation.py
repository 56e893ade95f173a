"""Score readings against ground truth: phones per presentation style, indicators per code, age, city, language.

Why per style and per code: one overall number hides the failure that matters (e.g. every number
written in words missed); the per-code view shows which lexicon needs work.

Truth records are dicts like the demo site's truth: ``phones`` [{e164, style}], ``emails``, ``handles``,
``age``, ``city``, ``language``, ``indicators`` [codes]. Predictions are dicts with ``phones`` [{e164}] (or e164
strings), ``emails``, ``handles``, ``age``, ``city``, ``area``, ``indicators`` [codes or hit dicts].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PRF:
    """PRF: counts with precision, recall and F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    """EvalReport: all scores of one evaluation run."""

    n_ads: int = 0
    phones: PRF = field(default_factory=PRF)
    phones_by_style: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    emails: PRF = field(default_factory=PRF)
    handles: PRF = field(default_factory=PRF)
    indicators: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    age_correct: int = 0
    age_total: int = 0
    city_correct: int = 0
    city_total: int = 0
    language_correct: int = 0  # the ad's language (truth ``language``); "unknown" counts as wrong
    language_total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scored = [p.f1 for p in self.indicators.values() if p.tp + p.fn > 0 or p.fp > 0]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def age_accuracy(self) -> float:
        return self.age_correct / self.age_total if self.age_total else 1.0

    @property
    def city_accuracy(self) -> float:
        return self.city_correct / self.city_total if self.city_total else 1.0

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.language_total if self.language_total else 1.0


def _codes(items: Iterable[Any]) -> set[str]:
    return {i["code"] if isinstance(i, dict) else str(i) for i in items}


def _phones(items: Iterable[Any]) -> set[str]:
    return {i["e164"] if isinstance(i, dict) else str(i) for i in items}


def _handles(items: Iterable[Any]) -> set[tuple[str, str]]:
    return {(h["kind"], str(h["value"]).lower().lstrip("@")) for h in items}


def evaluate(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], *,
             canon_city: Callable[[str], str] | None = None, max_errors: int = 200) -> EvalReport:
    """evaluate (EvalReport): score (truth, prediction) pairs; ``canon_city`` maps spellings to one name."""
    rep = EvalReport()
    canon = canon_city or (lambda s: s.strip().lower())
    for truth, pred in pairs:
        rep.n_ads += 1
        t_ph = {p["e164"]: p.get("style", "unknown") for p in truth.get("phones", [])}
        p_ph = _phones(pred.get("phones", []))
        fp = p_ph - set(t_ph)
        rep.phones.fp += len(fp)
        for num, style in t_ph.items():
            ok = num in p_ph
            rep.phones.tp += ok
            rep.phones.fn += not ok
            rep.phones_by_style[style].tp += ok
            rep.phones_by_style[style].fn += not ok
        for style in set(t_ph.values()) or {"no_phone"}:
            rep.phones_by_style[style].fp += len(fp)
        t_em, p_em = {e.lower() for e in truth.get("emails", [])}, {e.lower() for e in pred.get("emails", [])}
        rep.emails.tp += len(t_em & p_em)
        rep.emails.fp += len(p_em - t_em)
        rep.emails.fn += len(t_em - p_em)
        t_h, p_h = _handles(truth.get("handles", [])), _handles(pred.get("handles", []))
        t_kinds = {k for k, _ in t_h}
        p_h = {h for h in p_h if h[0] in t_kinds or h[0] not in ("whatsapp", "viber", "imessage")}
        rep.handles.tp += len(t_h & p_h)
        rep.handles.fp += len(p_h - t_h)
        rep.handles.fn += len(t_h - p_h)
        t_codes, p_codes = _codes(truth.get("indicators", [])), _codes(pred.get("indicators", []))
        for code in t_codes | p_codes:
            rep.indicators[code].tp += code in t_codes and code in p_codes
            rep.indicators[code].fp += code in p_codes and code not in t_codes
            rep.indicators[code].fn += code in t_codes and code not in p_codes
        age_ok = True
        if truth.get("age") is not None:
            rep.age_total += 1
            age_ok = pred.get("age") == truth["age"]
            rep.age_correct += age_ok
        city_ok = True
        if truth.get("city"):
            rep.city_total += 1
            want = canon(truth["city"])
            city_ok = any(pred.get(k) and canon(pred[k]) == want for k in ("city", "area"))
            rep.city_correct += city_ok
        if truth.get("language"):
            rep.language_total += 1
            rep.language_correct += pred.get("language") == truth["language"]
        wrong = {"phones_missed": sorted(set(t_ph) - p_ph), "phones_extra": sorted(fp),
                 "codes_missed": sorted(t_codes - p_codes), "codes_extra": sorted(p_codes - t_codes),
                 "age": None if age_ok else (truth.get("age"), pred.get("age")),
                 "city": None if city_ok else (truth.get("city"), pred.get("city"))}
        if any(wrong.values()) and len(rep.errors) < max_errors:
            rep.errors.append({"id": truth.get("external_id") or truth.get("id"), **wrong})
    return rep
