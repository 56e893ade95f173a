"""Overview: what the last night found, crawl health per site, trends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dashboard.cache import cached
from dashboard.deps import SessionDep, StaffUser
from dashboard.templating import render
from storage import people_repo
from storage.models.base import utcnow

router = APIRouter(include_in_schema=False)


CACHE_SECONDS = 60.0  # the aggregates change once a night; a minute-old view is fine


def _aggregates(session: SessionDep) -> dict[str, Any]:
    """The global numbers of the overview (they scan tables, so the route caches them for a minute)."""
    since = utcnow() - timedelta(hours=24)
    fortnight = utcnow() - timedelta(days=14)
    per_day = people_repo.ads_per_day(session=session, days=14)
    data = {
        "new_ads": people_repo.count_new_ads(session=session, since=since),
        "new_networks": people_repo.count_new_clusters(session=session, since=since),
        "new_leads": people_repo.count_new_leads(session=session, since=since),
        "per_day": per_day,
        "per_day_max": max([n for _, n in per_day] + [1]),
        "indicator_counts": people_repo.indicator_counts(session=session, since=fortnight),
        "city_counts": people_repo.city_counts(session=session, since=fortnight),
    }
    return data


@router.get("/overview")
def overview(request: Request, session: SessionDep, user: StaffUser) -> Response:
    alerts = people_repo.saved_search_alerts(session=session, user=user) if user.role == "analyst" else []
    return render(request, "overview.html", {
        **cached(request, "overview", CACHE_SECONDS, lambda: _aggregates(session)),
        "health": people_repo.crawl_health(session=session),  # always fresh: it is what admins watch
        "alerts": [(s, n) for s, n in alerts if n],
    })
