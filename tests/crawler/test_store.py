"""CrawlStore and PhotoPipeline bookkeeping, on SQLite and PostgreSQL, without a crawl.

* Removals (404/410 or the site's marker) are buffered and written with the next batch; an ad seen again
  after its removal in the same run stays active (the later event wins).
* A photo URL already stored for another ad of the site is linked to the new ad without a request; a purged
  photo's URL is fetched again (its file is gone).
"""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.utils.test import get_crawler
from sqlalchemy import select, update

from config.settings import AppSettings
from config.site_schema import load_site
from crawler.items import AdItem
from crawler.pipelines import PhotoPipeline
from crawler.store import CrawlStore
from storage.crawl_repo import AdRecord, StoredPhoto
from storage.db import make_engine, make_session_factory
from storage.models import Ad, AdPhoto, Photo

BASE = "http://127.0.0.1:8701"


def _record(ext: str, photos: list[StoredPhoto] | None = None) -> AdRecord:
    return AdRecord(external_id=ext, url=f"{BASE}/nightlist/ad/x-{ext}.html", content_sha256=f"sha-{ext}",
                    title=f"ad {ext}", text=f"text {ext}", raw_fields={}, html=b"<html></html>", encoding="utf-8",
                    photos=photos or [])


def _photo(url: str, sha: str) -> StoredPhoto:
    return StoredPhoto(url=url, sha256=sha * 64, path=f"photos/{sha * 2}/{sha * 2}/{sha * 64}.jpg", width=480,
                       height=640, format="JPEG", size_bytes=1000)


def _store(settings: AppSettings) -> CrawlStore:
    site = load_site(settings.sites_dir, "demo_nightlist")
    return CrawlStore(settings, site, trigger="test", batch_size=1000, flush_seconds=3600)


def _finish(store: CrawlStore) -> None:
    store.finish(status="finished", finish_reason="finished")
    store.close()


def _statuses(db_url: str) -> dict[str, str]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return dict(session.execute(select(Ad.external_id, Ad.status)).all())
    finally:
        engine.dispose()


def test_removals_are_batched_and_a_reappearing_ad_stays_active(settings: AppSettings, db_url: str) -> None:
    store = _store(settings)
    for ext in ("1", "2", "3"):
        store.add(_record(ext))
    _finish(store)

    store = _store(settings)
    store.mark_removed("1")
    store.mark_removed("2")
    assert _statuses(db_url) == {"1": "active", "2": "active", "3": "active"}, "written with the batch"
    store.add(_record("2"))  # the ad is listed again later in the same run
    store.flush()
    assert _statuses(db_url) == {"1": "removed", "2": "active", "3": "active"}
    assert store.removed == {"1"} and not store.pending_removed
    _finish(store)


def test_photo_stored_for_another_ad_is_linked_without_a_request(
        settings: AppSettings, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shared, fresh, offsite = f"{BASE}/media/a.jpg", f"{BASE}/media/b.jpg", "http://elsewhere.example/c.jpg"
    store = _store(settings)
    store.add(_record("1", [_photo(shared, "a")]))
    _finish(store)

    store = _store(settings)
    assert store.stored_photo(shared) is not None and store.stored_photo(fresh) is None
    crawler = get_crawler(settings_dict={"FILES_STORE": str(tmp_path / "blobs")})
    pipe = PhotoPipeline.from_crawler(crawler)
    info = SimpleNamespace(spider=SimpleNamespace(store=store, site=store.site))
    item = AdItem(site_id="demo_nightlist", external_id="2", url=f"{BASE}/nightlist/ad/x-2.html", title="t",
                  text="x", raw_fields={}, content_sha256="sha-2", photo_urls=[offsite, shared, fresh], html=b"",
                  encoding="utf-8")
    requests = pipe.get_media_requests(item, info)
    assert [r.url for r in requests] == [fresh], "only the URL never stored is fetched"
    assert item.photo_failures == [(offsite, "off-site: outside allowed_domains")]
    assert crawler.stats.get_value("adwatch/photos_reused") == 1

    pipe.stored[fresh] = _photo(fresh, "b")  # what media_downloaded records for a fetched photo
    pipe.item_completed([(True, {"url": fresh})], item, info)
    assert [p.url for p in item.photos] == [shared, fresh], "page order"
    store.add(_record("2", item.photos))
    _finish(store)

    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            links = session.execute(select(Ad.external_id, AdPhoto.source_url, AdPhoto.photo_id)
                                    .join(AdPhoto, AdPhoto.ad_id == Ad.id)).all()
            by_url: dict[str, set[int]] = {}
            for _ext, url, photo_id in links:
                by_url.setdefault(url, set()).add(photo_id)
            assert sorted((ext, url) for ext, url, _ in links) == [("1", shared), ("2", shared), ("2", fresh)]
            assert len(by_url[shared]) == 1, "both ads point at one photo row"
            session.execute(update(Photo).where(Photo.sha256 == "a" * 64).values(path=None))  # retention purge
            session.commit()
    finally:
        engine.dispose()
    store = _store(settings)
    assert store.stored_photo(shared) is None, "a purged photo's URL is fetched again"
    _finish(store)
