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
TREND_NIGHTS = 14
TREND_LINES = 5  # series per trend chart (the most frequent); more would not be readable


def line_chart(nights: list[str], series: dict[str, list[int]], top: int = TREND_LINES) -> dict[str, Any]:
    """line_chart (dict): the ``top`` largest series as SVG polyline points in a 100 x 60 view box (y grows
    downwards; 5 units of margin), with their totals, for an inline chart without any script."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:top]
    peak = max([max(values) for _, values in ranked] + [1])
    step = 100.0 / max(len(nights) - 1, 1)
    lines = [{"name": name, "total": sum(values), "series": f"s{i}",
              "points": " ".join(f"{j * step:.2f},{55 - 50 * v / peak:.2f}" for j, v in enumerate(values)),
              "by_night": list(zip(nights, values, strict=True))}
             for i, (name, values) in enumerate(ranked)]
    return {"lines": lines, "peak": peak, "first": nights[0] if nights else "", "last": nights[-1] if nights else ""}


def _totals(series: dict[str, list[int]], top: int) -> list[tuple[str, int]]:
    return sorted(((name, sum(values)) for name, values in series.items() if sum(values)),
                  key=lambda kv: (-kv[1], kv[0]))[:top]


def _aggregates(session: SessionDep) -> dict[str, Any]:
    """The global numbers of the overview (they scan tables, so the route caches them for a minute)."""
    since = utcnow() - timedelta(hours=24)
    per_day = people_repo.ads_per_day(session=session, days=TREND_NIGHTS)
    nightly = people_repo.series_per_night(session=session, days=TREND_NIGHTS)
    data = {
        "new_ads": people_repo.count_new_ads(session=session, since=since),
        "new_networks": people_repo.count_new_clusters(session=session, since=since),
        "new_leads": people_repo.count_new_leads(session=session, since=since),
        "per_day": per_day,
        "per_day_max": max([n for _, n in per_day] + [1]),
        # Totals over the fortnight come from the same nightly scan as the trend charts.
        "indicator_counts": _totals(nightly.indicators, 12),
        "city_counts": _totals(nightly.cities, 10),
        "indicator_trend": line_chart(nightly.nights, nightly.indicators),
        "city_trend": line_chart(nightly.nights, nightly.cities),
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
