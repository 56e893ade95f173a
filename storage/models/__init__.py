"""All ORM models. Each module owns the tables of one subsystem; importing this package registers all."""

from storage.models.base import Base, utcnow
from storage.models.crawl import Ad, AdPhoto, AdVersion, CrawlRequest, CrawlRun, Photo, PhotoFailure, Site
from storage.models.leads import Lead, LeadAd, LeadEvent
from storage.models.network import (
    AdCluster,
    AdEdge,
    Cluster,
    ClusterDecision,
    NetworkIndicator,
    PhotoHash,
    RelinkRequest,
    RiskScore,
)
from storage.models.people import AuditLog, Label, PartnerService, Referral, SavedSearch, User
from storage.models.reading import AdContact, AdReading, IndicatorHit

__all__ = [
    "Ad",
    "AdCluster",
    "AdContact",
    "AdEdge",
    "AdPhoto",
    "AdReading",
    "AdVersion",
    "AuditLog",
    "Base",
    "Cluster",
    "ClusterDecision",
    "CrawlRequest",
    "CrawlRun",
    "IndicatorHit",
    "Label",
    "Lead",
    "LeadAd",
    "LeadEvent",
    "NetworkIndicator",
    "PartnerService",
    "Photo",
    "PhotoFailure",
    "PhotoHash",
    "Referral",
    "RelinkRequest",
    "RiskScore",
    "SavedSearch",
    "Site",
    "User",
    "utcnow",
]
