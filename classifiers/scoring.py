"""Risk scores 0-1 per ad and per cluster, always with the factors and evidence that produced them.

Default: transparent noisy-OR of configured weights (``config/scoring.yaml``): risk = 1 - prod(1 - w_f)
over the factors present, so every factor's contribution can be shown. Once analysts have labelled
enough ads, ``train`` fits a calibrated logistic regression on the same registered features; it is
versioned, saved with a model card, and used when ``model_version`` names it.
"""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.features import FEATURE_NAMES, FEATURE_SET, FORBIDDEN
from classifiers.network_indicators import NetworkHit
from classifiers.records import AdRecord
from config.scoring_schema import ScoringConfig

log = logging.getLogger(__name__)


@dataclass
class Score:
    """Score: risk in 0..1, the version that produced it, and the top factors with evidence."""

    score: float
    version: str
    factors: list[dict[str, Any]]

    def explanation(self, top: int = 5) -> list[dict[str, Any]]:
        return self.factors[:top]


def _evidence(code: str, hits: list[NetworkHit], recs: list[AdRecord]) -> dict[str, Any]:
    for h in hits:
        if h.code == code:
            return {"ads": h.ads[:20], **{k: v for k, v in h.detail.items() if k != "contact"},
                    **({"contact": h.detail["contact"]} if "contact" in h.detail else {})}
    ads = [r.ad_id for r in recs if code in r.indicators]
    return {"ads": ads[:20]}


def weighted_score(feats: dict[str, float], cfg: ScoringConfig, hits: list[NetworkHit],
                   recs: list[AdRecord]) -> Score:
    """weighted_score (Score): noisy-OR of configured weights over the present factors."""
    factors = []
    keep = 1.0
    for name, value in feats.items():
        w = cfg.weights.get(name, 0.0) * value
        if w > 0:
            keep *= 1 - w
            factors.append({"factor": name, "weight": round(w, 3), "evidence": _evidence(name, hits, recs)})
    factors.sort(key=lambda f: -f["weight"])
    return Score(round(1 - keep, 4), cfg.version, factors)


class TrainedModel:
    """TrainedModel: a calibrated logistic regression over FEATURE_NAMES, with its card."""

    def __init__(self, pipeline: Any, version: str, card: dict[str, Any]) -> None:
        self.pipeline, self.version, self.card = pipeline, version, card

    def score(self, feats: dict[str, float], hits: list[NetworkHit], recs: list[AdRecord]) -> Score:
        x = np.array([[feats.get(n, 0.0) for n in FEATURE_NAMES]])
        p = float(self.pipeline.predict_proba(x)[0, 1])
        # Contribution of each feature: the averaged logistic coefficient times its value.
        coefs = np.mean([c.estimator.coef_[0] for c in self.pipeline.calibrated_classifiers_], axis=0)
        contrib = [(n, float(c * x[0, i])) for i, (n, c) in enumerate(zip(FEATURE_NAMES, coefs, strict=True))]
        factors = [{"factor": n, "weight": round(c, 3), "evidence": _evidence(n, hits, recs)}
                   for n, c in sorted(contrib, key=lambda t: -t[1]) if c > 0]
        return Score(round(p, 4), self.version, factors)


def model_path(models_dir: Path, version: str) -> Path:
    return models_dir / f"{version}.pkl"


def load_model(models_dir: Path, version: str) -> TrainedModel:
    with model_path(models_dir, version).open("rb") as fh:
        return pickle.load(fh)


def train(x: np.ndarray, y: np.ndarray, *, models_dir: Path, version: str | None = None,
          data_note: str = "") -> TrainedModel:
    """train (TrainedModel): fit, evaluate (held-out AP/Brier), save model and model card.

    x (array (n, len(FEATURE_NAMES))), y (0/1 array): features and analyst labels (concern = 1,
    no_concern = 0; unsure is left out by the caller).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    assert not FORBIDDEN & set(FEATURE_NAMES)
    if len(set(y.tolist())) < 2 or min(np.bincount(y)) < 6:
        raise ValueError("[E201] need at least 6 'concern' and 6 'no_concern' labels to train")
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    model = CalibratedClassifierCV(LogisticRegression(max_iter=1000), cv=3, method="sigmoid")
    model.fit(xtr, ytr)
    p = model.predict_proba(xte)[:, 1]
    metrics = {"average_precision": round(float(average_precision_score(yte, p)), 4),
               "roc_auc": round(float(roc_auc_score(yte, p)), 4) if len(set(yte.tolist())) > 1 else None,
               "brier": round(float(brier_score_loss(yte, p)), 4)}
    final = CalibratedClassifierCV(LogisticRegression(max_iter=1000), cv=3, method="sigmoid").fit(x, y)
    now = datetime.now(UTC)
    version = version or f"logreg.{now:%Y%m%d%H%M%S}"
    card = {"model_version": version, "trained_at": now.isoformat(), "feature_set": FEATURE_SET,
            "features": list(FEATURE_NAMES), "excluded": sorted(FORBIDDEN),
            "data": {"n": int(y.size), "concern": int(y.sum()), "no_concern": int((1 - y).sum()),
                     "note": data_note},
            "metrics_holdout_25pct": metrics,
            "algorithm": "LogisticRegression + CalibratedClassifierCV(sigmoid, cv=3)",
            "intended_use": "rank ads/clusters for human review by outreach; never automatic action"}
    tm = TrainedModel(final, version, card)
    models_dir.mkdir(parents=True, exist_ok=True)
    with model_path(models_dir, version).open("wb") as fh:
        pickle.dump(tm, fh)
    (models_dir / f"{version}.card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    log.info("trained %s on %d labels: %s", version, y.size, metrics)
    return tm
