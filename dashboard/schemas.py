"""API models (FastAPI full-stack template naming: ``LeadBase`` / ``LeadUpdate`` / ``LeadPublic``).

Input models forbid unknown fields, so a misspelt key is an error instead of a silent no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashboard.deps import MAX_DB_ID

LabelValue = Literal["concern", "no_concern", "unsure"]
LeadStatus = Literal["new", "triaged", "assigned", "contacted", "closed"]
RowId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
MAX_SPLIT_ADS = 5000


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserPublic(BaseModel):
    """UserPublic: who is logged in."""

    id: int
    username: str
    role: str
    language: str


class AdSummary(BaseModel):
    """AdSummary: one queue or search row."""

    id: int
    site_id: str
    title: str
    snippet: str
    city: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    risk: float | None
    indicators: list[str]
    label: str | None


class EvidenceSpan(BaseModel):
    """EvidenceSpan: an indicator hit with its character offsets in ``AdPublic.text``."""

    start: int
    end: int
    code: str
    text: str


class ContactPublic(BaseModel):
    kind: str
    value: str


class AdPublic(AdSummary):
    """AdPublic: an ad with its current text, evidence, contacts and facts."""

    url: str
    text: str
    evidence: list[EvidenceSpan]
    contacts: list[ContactPublic]
    facts: dict[str, Any]
    photo_ids: list[int]


class LabelCreate(StrictInput):
    """LabelCreate: a new label for an ad."""

    value: LabelValue
    note: str = Field(default="", max_length=2000)


class LabelPublic(BaseModel):
    id: int
    ad_id: int | None
    cluster_id: int | None
    value: str
    note: str
    created_at: datetime


class LeadBase(BaseModel):
    status: LeadStatus


class LeadUpdate(StrictInput):
    """LeadUpdate: a status change, optionally with a note."""

    status: LeadStatus
    note: str = Field(default="", max_length=4000)


class LeadPublic(BaseModel):
    """LeadPublic: a lead as the outreach list shows it."""

    id: int
    status: str
    assignee: str | None
    cluster_id: int | None
    risk: float | None
    language: str | None
    contacts: list[ContactPublic]
    cities: list[str]
    ad_ids: list[int]
    created_at: datetime
    updated_at: datetime | None


class AuditPublic(BaseModel):
    id: int
    at: datetime
    username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    ip: str | None
    detail: dict[str, Any]


class SiteHealthPublic(BaseModel):
    site_id: str
    name: str
    enabled: bool
    last_run_at: datetime | None
    last_status: str | None
    last_health: str | None
    active_ads: int


class MergeCreate(StrictInput):
    """MergeCreate: merge network ``other_cluster_id`` with this one (the older, smaller id is kept)."""

    other_cluster_id: RowId
    note: str = Field(default="", max_length=2000)


class SplitCreate(StrictInput):
    """SplitCreate: the selected ads of this network become a network of their own and stay apart."""

    ad_ids: list[RowId] = Field(min_length=1, max_length=MAX_SPLIT_ADS)
    note: str = Field(default="", max_length=2000)


class RevokeCreate(StrictInput):
    """RevokeCreate: undo a merge or split decision."""

    reason: str = Field(default="", max_length=2000)


class DecisionPublic(BaseModel):
    """DecisionPublic: an analyst's merge or split; ``pending`` until a link stage applied it."""

    id: int
    action: Literal["merge", "split"]
    cluster_id: int
    other_cluster_id: int | None
    side_a: list[int]
    side_b: list[int]
    note: str
    username: str | None
    created_at: datetime
    applied_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    status: Literal["pending", "applied", "revoked"]
