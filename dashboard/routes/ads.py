"""Review queue, the ad page (versions, evidence, photos, labels) and the photo endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from dashboard import audit
from dashboard.cache import cached
from dashboard.deps import AnalystUser, DbId, SessionDep, SettingsDep
from dashboard.templating import render
from dashboard.text import Span, highlight, word_diff
from storage import people_repo
from storage.blobs import BlobStore
from storage.models.base import utcnow
from storage.models.people import LABEL_VALUES

router = APIRouter(include_in_schema=False)

# Served photo types: raster formats only; never SVG (it can carry script), never anything sniffed.
PHOTO_TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
               "gif": "image/gif"}
MAGIC = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",),
         "image/gif": (b"GIF87a", b"GIF89a"), "image/webp": (b"RIFF",)}
PAGE_SIZE = 50


NIGHTLY_TTL = 60.0  # scores and indicator codes change when the nightly stages run; a minute old is fine


def queue_head(request: Request, session: SessionDep) -> list[tuple[int, float]]:
    """queue_head (list): the highest ad scores, cached per process for a minute (the queue's hot path would
    otherwise sort the whole score table on every page view)."""
    return cached(request, "queue_head", NIGHTLY_TTL, lambda: people_repo.top_ad_scores(session=session))


@router.get("/review")
def review_queue(request: Request, session: SessionDep, user: AnalystUser, site: str | None = None,
                 status: str | None = "active", labelled: str | None = None, indicator: str | None = None,
                 city: str | None = None, days: Annotated[int | None, Query(ge=0, le=3660)] = None,
                 page: Annotated[int, Query(le=100_000)] = 1) -> Response:
    page = max(1, page)
    since = utcnow() - timedelta(days=days) if days else None
    rows = people_repo.review_queue(session=session, site=site or None, status=status or None,
                                    labelled=labelled or None, indicator=indicator or None,
                                    city=city or None, since=since, limit=PAGE_SIZE,
                                    offset=(page - 1) * PAGE_SIZE, top_scores=queue_head(request, session))
    ctx = {"rows": rows, "page": page, "page_size": PAGE_SIZE,
           "filters": {"site": site or "", "status": status or "", "labelled": labelled or "",
                       "indicator": indicator or "", "city": city or "", "days": days or ""},
           "sites": people_repo.site_ids(session=session), "label_values": LABEL_VALUES,
           "indicator_codes": cached(request, "indicator_codes", NIGHTLY_TTL,
                                     lambda: people_repo.indicator_codes(session=session))}
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "queue-rows":
        return render(request, "_review_rows.html", ctx)
    return render(request, "review.html", ctx)


@router.get("/ads/{ad_id}")
def ad_page(request: Request, session: SessionDep, user: AnalystUser, ad_id: DbId) -> Response:
    detail = people_repo.ad_detail(session=session, ad_id=ad_id)
    if detail is None:
        raise HTTPException(404)
    current = next((v for v in detail.versions if v.id == detail.ad.current_version_id),
                   detail.versions[-1] if detail.versions else None)
    reading = people_repo.ad_reading(session=session, ad_id=ad_id, version_id=current.id if current else None)
    spans = [Span(h.start, h.end, h.code, h.detail) for h in reading.hits]
    title_spans = [Span(h.start, h.end, h.code, h.detail) for h in reading.title_hits]
    versions = []
    for i, version in enumerate(detail.versions):
        prev = detail.versions[i - 1] if i else None
        versions.append({"v": version, "diff": word_diff(prev.text, version.text) if prev else None})
    # The page shows phone numbers and other contact details: every view is audited.
    audit.record_view(session, user=user, action="ad.view", object_type="ad", object_id=ad_id,
                      detail={"contacts": len(reading.contacts)}, request=request)
    return render(request, "ad.html", {
        "d": detail, "current": current, "reading": reading,
        "body": highlight(current.text, spans) if current else "",
        "title_html": highlight(current.title or "", title_spans) if current else "",
        "evidence": reading.hits + reading.title_hits + reading.other_hits,
        "versions": list(reversed(versions)), "label_values": LABEL_VALUES,
        "linked": people_repo.linked_ads(session=session, ad_id=ad_id),
        "cluster": people_repo.cluster_of_ad(session=session, ad_id=ad_id),
        "lead": people_repo.lead_for_ad(session=session, ad_id=ad_id),
        "outreach_users": people_repo.list_users(session=session, role="outreach", active_only=True),
    })


@router.post("/ads/{ad_id}/label")
def label_ad(request: Request, session: SessionDep, user: AnalystUser, ad_id: DbId,
             value: Annotated[str, Form()], note: Annotated[str, Form(max_length=2000)] = "",
             next: Annotated[str, Form()] = "") -> Response:
    if value not in LABEL_VALUES:
        raise HTTPException(422, "unknown label")
    if people_repo.ad_detail(session=session, ad_id=ad_id) is None:
        raise HTTPException(404)
    label = people_repo.add_label(session=session, user=user, value=value, ad_id=ad_id, note=note)
    audit.record(session, user=user, action="label.add", object_type="ad", object_id=ad_id,
                 detail={"value": value, "label_id": label.id}, request=request)
    session.commit()
    if request.headers.get("hx-request") == "true":
        return render(request, "_label_badge.html", {"value": value, "ad_id": ad_id})
    return RedirectResponse(next if next.startswith("/") and not next.startswith("//") else f"/ads/{ad_id}",
                            status_code=303)


@router.get("/photos/{photo_id}")
def photo(session: SessionDep, settings: SettingsDep, user: AnalystUser, photo_id: DbId) -> Response:
    row = people_repo.photo(session=session, photo_id=photo_id)
    if row is None or not row.path:
        raise HTTPException(404)
    media_type = PHOTO_TYPES.get(row.format.lower())
    if media_type is None:
        raise HTTPException(404)
    try:
        path = BlobStore(settings.blobs_dir).open_path(row.path)
    except ValueError as exc:
        raise HTTPException(404) from exc
    if not path.is_file():
        raise HTTPException(404)
    with path.open("rb") as fh:
        head = fh.read(12)
    if not head.startswith(MAGIC[media_type]):
        raise HTTPException(404)  # the stored bytes are not what the row claims: do not serve them
    return FileResponse(path, media_type=media_type, headers={
        "Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store", "Content-Disposition": "inline"})
