"""Network indicators of indicators.md, computed over one cluster, each with the linked ads as evidence.

"Different persons" are told apart by stated name and, where names are missing, by photo group:
an independent worker who reposts her own ad (one phone, one name, one photo) is *not* a shared phone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from classifiers.records import AdRecord
from config.scoring_schema import IndicatorConfig

NETWORK_CODES = ("SHARED_PHONE", "PHOTO_REUSE", "TEMPLATE_TEXT", "CITY_ROTATION", "HIGH_VOLUME",
                 "AGE_INCONSISTENCY")


@dataclass
class NetworkHit:
    """NetworkHit: one indicator on a cluster; ``ads`` are the linked ads that show it."""

    code: str
    ads: list[int]
    detail: dict[str, object] = field(default_factory=dict)


def _persona(r: AdRecord, groups: dict[int, int]) -> str:
    if r.name:
        return "name:" + r.name.strip().lower()
    g = sorted({groups.get(p, p) for p in r.photos})
    return "photo:" + (str(g[0]) if g else f"ad{r.ad_id}")


def network_indicators(recs: list[AdRecord], groups: dict[int, int], text_linked: set[int],
                       cfg: IndicatorConfig) -> list[NetworkHit]:
    """network_indicators (list of NetworkHit): indicators of one cluster's ads.

    groups (dict): photo id -> duplicate group. text_linked (set of ad ids): ads with a template edge.
    """
    hits: list[NetworkHit] = []
    by_contact: dict[str, list[AdRecord]] = defaultdict(list)
    by_photo: dict[int, list[AdRecord]] = defaultdict(list)
    for r in recs:
        for _, v in r.contacts():
            by_contact[v].append(r)
        for g in {groups.get(p, p) for p in r.photos}:
            by_photo[g].append(r)

    for value, ads in by_contact.items():
        personas = {_persona(r, groups) for r in ads}
        if len(personas) >= 2:
            hits.append(NetworkHit("SHARED_PHONE", sorted(r.ad_id for r in ads),
                                   {"contact": value, "persons": len(personas)}))
    for g, ads in by_photo.items():
        names = {r.name.strip().lower() for r in ads if r.name}
        contacts = {v for r in ads for _, v in r.contacts()}
        if len(ads) >= 2 and (len(names) >= 2 or len(contacts) >= 2):
            hits.append(NetworkHit("PHOTO_REUSE", sorted(r.ad_id for r in ads),
                                   {"photo_group": g, "names": len(names), "contacts": len(contacts)}))
    tl = [r for r in recs if r.ad_id in text_linked]
    if len({_persona(r, groups) for r in tl}) >= 2:
        hits.append(NetworkHit("TEMPLATE_TEXT", sorted(r.ad_id for r in tl), {"persons": len(tl)}))
    # City rotation: one contact or person in several cities within the window.
    window = timedelta(days=cfg.rotation_days)
    keyed: dict[str, list[AdRecord]] = defaultdict(list)
    for r in recs:
        for _, v in r.contacts():
            keyed["c:" + v].append(r)
        keyed["p:" + _persona(r, groups)].append(r)
    rotated: set[int] = set()
    cities_seen: set[str] = set()
    for ads in keyed.values():
        ads = sorted((r for r in ads if r.city), key=lambda r: r.seen_at)
        j = 0
        for i, r in enumerate(ads):
            while ads[j].seen_at < r.seen_at - window:
                j += 1
            span = ads[j:i + 1]
            cities = {a.city.strip().lower() for a in span if a.city}
            if len(cities) >= cfg.rotation_min_cities:
                rotated.update(a.ad_id for a in span)
                cities_seen |= cities
    if rotated:
        hits.append(NetworkHit("CITY_ROTATION", sorted(rotated), {"cities": sorted(cities_seen)}))
    personas_all = {_persona(r, groups) for r in recs}
    busiest = max((len(v) for v in by_contact.values()), default=0)
    if len(personas_all) >= cfg.high_volume_persons or busiest >= cfg.high_volume_ads:
        hits.append(NetworkHit("HIGH_VOLUME", sorted(r.ad_id for r in recs),
                               {"persons": len(personas_all), "max_ads_per_contact": busiest}))
    ages: dict[str, list[AdRecord]] = defaultdict(list)
    for r in recs:
        if r.age is not None:
            ages[_persona(r, groups)].append(r)
    for key, ads in ages.items():
        vals = [r.age for r in ads if r.age is not None]
        if vals and max(vals) - min(vals) >= cfg.age_gap_years:
            hits.append(NetworkHit("AGE_INCONSISTENCY", sorted(r.ad_id for r in ads),
                                   {"person": key, "ages": sorted(set(vals))}))
    return hits
