"""Registered feature functions: what the risk score may look at. Nationality is never a feature."""

from __future__ import annotations

import math

from classifiers.network_indicators import NETWORK_CODES, NetworkHit
from classifiers.records import AdRecord
from classifiers.registry import registry

TEXT_CODES = ("MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNDERAGE", "UNPROTECTED",
              "ALWAYS_AVAILABLE", "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT", "LOW_PRICE")
FORBIDDEN = frozenset({"nationality", "ethnicity", "NATIONALITY", "ETHNICITY"})
FEATURE_SET = "network_text.v1"


@registry.features("network_flags.v1")
def network_flags(hits: list[NetworkHit]) -> dict[str, float]:
    """1.0 for each network indicator present on the cluster."""
    present = {h.code for h in hits}
    return {c: float(c in present) for c in NETWORK_CODES}


@registry.features("indicator_counts.v1")
def indicator_flags(codes: set[str]) -> dict[str, float]:
    """1.0 for each text indicator present (on the ad, or on any ad of the cluster)."""
    return {c: float(c in codes) for c in TEXT_CODES}


@registry.features("cluster_size.v1")
def cluster_size(n_ads: int) -> dict[str, float]:
    """log(1 + ads in the cluster), scaled to about 0..1 for clusters up to ~1000 ads."""
    return {"CLUSTER_SIZE": math.log1p(n_ads) / math.log(1000)}


FEATURE_NAMES = (*NETWORK_CODES, *TEXT_CODES, "CLUSTER_SIZE")


def ad_features(rec: AdRecord, hits: list[NetworkHit], n_ads: int) -> dict[str, float]:
    """ad_features (dict): the feature vector of one ad in its cluster (network_text.v1)."""
    feats = {**network_flags(hits), **indicator_flags(set(rec.indicators)), **cluster_size(n_ads)}
    assert not FORBIDDEN & feats.keys()
    return feats


def cluster_features(recs: list[AdRecord], hits: list[NetworkHit]) -> dict[str, float]:
    """cluster_features (dict): the feature vector of a whole cluster (any ad's text indicators count)."""
    codes = {c for r in recs for c in r.indicators}
    return {**network_flags(hits), **indicator_flags(codes), **cluster_size(len(recs))}
