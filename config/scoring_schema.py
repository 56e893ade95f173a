"""Schema of ``config/scoring.yaml``: weights, thresholds, guard limits and lead rules for linking and scoring.

Validated with ``extra="forbid"`` so that a misspelt key is an error, not a silently ignored setting.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhotoConfig(_Strict):
    """Near-duplicate photo matching (pHash index, dHash verification) and the 'too common' guard."""

    phash_max_distance: int = Field(13, ge=0, le=32)
    dhash_max_distance: int = Field(18, ge=0, le=64)
    # A photo group seen with more distinct contacts or ads than this is a logo/placeholder: it links nothing.
    too_common_contacts: int = Field(5, ge=2)  # distinct phone numbers
    too_common_ads: int = Field(400, ge=2)
    index_chunks: int = Field(3, ge=2, le=8)  # multi-index hashing: the 64 bits split into this many keys
    index_chunk_radius: int = Field(1, ge=0, le=2)  # probe keys within this many bits of each chunk
    index_bucket_cap: int = Field(5000, ge=10)  # a fuller bucket (flat images) is too common to use


class TextConfig(_Strict):
    """Template-text matching: masked word shingles, MinHash (datasketch scheme) and LSH banding."""

    shingle_words: int = Field(3, ge=1, le=8)
    num_perm: int = Field(64, ge=16, le=512)
    bands: int = Field(16, ge=1)
    threshold: float = Field(0.6, gt=0, le=1)  # verified estimated Jaccard for a TEMPLATE edge
    min_shingles: int = Field(6, ge=1)  # shorter texts are too generic to link anything
    boilerplate_min_ads: int = Field(30, ge=2)  # a line on at least this many ads of one site ...
    boilerplate_share: float = Field(0.02, gt=0, le=1)  # ... and this share of them is boilerplate
    bucket_cap: int = Field(200, ge=2)  # an LSH bucket larger than this is generic text: skipped


class GuardConfig(_Strict):
    """Guards against giant components: values that join too much are cut, and the reason logged."""

    max_ads_per_value: int = Field(1000, ge=2)  # a phone/email/handle on more ads is a site number
    max_names_per_value: int = Field(40, ge=2)  # ... or presented with more distinct names
    max_cluster_size: int = Field(2000, ge=2)  # a weaker edge kind may not grow a cluster beyond this


class IndicatorConfig(_Strict):
    """Thresholds for the network indicators."""

    rotation_days: int = Field(14, ge=1)
    rotation_min_cities: int = Field(2, ge=2)
    high_volume_ads: int = Field(30, ge=2)  # ads of one contact within the window
    high_volume_persons: int = Field(4, ge=2)  # distinct persons (names) in one cluster
    age_gap_years: int = Field(3, ge=1)


class LeadConfig(_Strict):
    """When a cluster becomes a lead for outreach."""

    cluster_threshold: float = Field(0.6, ge=0, le=1)
    min_ads: int = Field(1, ge=1)
    default_languages: tuple[str, ...] = ("en",)


class ScoringConfig(_Strict):
    """ScoringConfig: everything the link, cluster, score and lead stages can be tuned by."""

    version: str = "weights.v1"
    model_version: str | None = None  # a trained model to use instead of the weights (see adwatch train)
    edge_weights: dict[str, float]
    weights: dict[str, float]  # factor code -> weight in a noisy-OR (0..1)
    photos: PhotoConfig = PhotoConfig()
    texts: TextConfig = TextConfig()
    guards: GuardConfig = GuardConfig()
    indicators: IndicatorConfig = IndicatorConfig()
    leads: LeadConfig = LeadConfig()


def load_scoring(config_dir: Path) -> ScoringConfig:
    """load_scoring (ScoringConfig): ``config_dir/scoring.yaml`` validated."""
    data = yaml.safe_load((config_dir / "scoring.yaml").read_text(encoding="utf-8"))
    return ScoringConfig.model_validate(data)
