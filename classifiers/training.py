"""Training data from analysts' labels (``label`` table): features of each labelled ad or cluster."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.features import FEATURE_NAMES, ad_features, cluster_features
from classifiers.link_stage import load_records
from classifiers.network_indicators import NetworkHit
from classifiers.scoring import TrainedModel, train
from config.settings import AppSettings
from storage import network_repo as repo
from storage.models import AdCluster, Label


def train_from_labels(session: Session, settings: AppSettings, *, version: str | None = None) -> TrainedModel:
    """train_from_labels (TrainedModel): concern=1 / no_concern=0 (unsure left out), newest label wins."""
    records = load_records(session)
    clusters = dict(session.execute(select(AdCluster.ad_id, AdCluster.cluster_id)).all())
    members: dict[int, list[int]] = {}
    for a, c in clusters.items():
        members.setdefault(c, []).append(a)
    latest: dict[tuple[str, int], str] = {}
    for lab in session.scalars(select(Label).order_by(Label.created_at, Label.id)):
        key = ("ad", lab.ad_id) if lab.ad_id is not None else ("cluster", int(lab.cluster_id or 0))
        latest[key] = lab.value
    xs, ys = [], []
    for (target, tid), value in latest.items():
        if value == "unsure":
            continue
        cid = clusters.get(tid) if target == "ad" else tid
        if cid is None or cid not in members:
            continue
        hits = [NetworkHit(r.code, list(r.ads), dict(r.detail))
                for r in repo.cluster_indicators(session=session, cluster_id=cid)]
        recs = [records[a] for a in members[cid] if a in records]
        feats = (ad_features(records[tid], hits, len(recs)) if target == "ad" and tid in records
                 else cluster_features(recs, hits))
        xs.append([feats[n] for n in FEATURE_NAMES])
        ys.append(1 if value == "concern" else 0)
    return train(np.array(xs, float), np.array(ys, int), models_dir=settings.data_dir / "models",
                 version=version, data_note=f"{len(ys)} analyst labels from {settings.db_url.split(':')[0]}")
