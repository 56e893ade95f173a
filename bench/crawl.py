"""Crawl throughput: bare Scrapy vs adwatch on the bundled demo market, in ONE run.

Run: ``.venv/bin/python bench/crawl.py [--ads 10000] [--js-ads 150]``.

* **bare**: a minimal Scrapy spider, same Scrapy settings as an adwatch crawl, that only fetches and
  parses the nightlist listing and ad pages (no photos, no database).
* **bare+photos**: the same spider also fetching every ad's photos (bodies discarded): the HTTP cost of a
  first crawl's photos at the same politeness and over the same transport as adwatch's photo requests
  (``crawler.transport``: photos over aiohttp, pages over Twisted), without validation or storage.
* **adwatch n1**: ``adwatch crawl demo_nightlist`` on plain HTTP (``render_if`` removed: static pages only),
  with photos downloaded, validated and stored, and every ad written to a fresh SQLite database.
* **adwatch re**: the same snapshot crawled again into the same database (an unchanged night: no
  photo traffic, every ad only moves ``last_seen``), against the night-1 bare figure.
* **adwatch n2**: the market's second night crawled into the same database (incremental: unchanged ads
  only move ``last_seen``, only new or edited ads bring photos), against a bare run of night 2.
* **browser**: ``adwatch crawl demo_jsads`` (every page rendered in Chromium) on a small corpus.

Pages/s counts the same HTML requests for every spider (listing + ad pages) over the same interval, from the
spider's first request to its close (adwatch records it as ``adwatch/crawl_seconds``; the process wall time,
with interpreter start, imports and opening the database, is printed beside it); photos are reported
separately as photos/s. The demo server's peak of simultaneous requests is printed for every crawl (it must
not exceed the concurrency). All spiders: concurrency 8 per domain, no delay, AutoThrottle
off (``--autothrottle`` turns it on for all). Each crawl runs in its own process; the demo site runs in this
one with friction off. Goal: adwatch >= 0.6x bare.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def bare_main(url: str, out: str, photos: str = "0", autothrottle: str = "0") -> None:
    """Child process: the minimal spider (fetch + parse only) under adwatch's own Scrapy settings.

    With ``photos == "1"`` it also fetches each ad's photos (largest srcset candidate, body discarded): the
    HTTP cost of photos alone, without validation or storage.
    """
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from config.settings import AppSettings
    from config.site_schema import load_site
    from crawler.pages import _best_srcset
    from crawler.runner import tune_gc
    from crawler.settings import build_crawl_settings
    from crawler.transport import PHOTO_META

    app = AppSettings(env="test", data_dir=Path(tempfile.mkdtemp(prefix="bench-bare-")))
    site = load_site(app.sites_dir, "demo_nightlist")
    static = site.model_copy(update={"ad": site.ad.model_copy(update={"render_if": None, "actions": []})})
    settings = build_crawl_settings(app, static.with_start_urls([url]))
    settings.update(ITEM_PIPELINES={}, LOG_LEVEL="WARNING", LOG_INSTALL_ROOT_HANDLER=True,
                    AUTOTHROTTLE_ENABLED=autothrottle == "1")
    fetch_photos = photos == "1"
    result: dict[str, Any] = {}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            result["t0"] = time.monotonic()
            yield scrapy.Request(url, callback=self.parse_listing)

        def parse_listing(self, response):  # type: ignore[no-untyped-def]
            for href in response.css("article.card a.card-link::attr(href)").getall():
                yield response.follow(href, callback=self.parse_ad)
            for href in response.css("a[rel=next]::attr(href)").getall():
                yield response.follow(href, callback=self.parse_listing)

        def parse_ad(self, response):  # type: ignore[no-untyped-def]
            if fetch_photos:
                for srcset in response.css("div.gallery img::attr(srcset)").getall():
                    # Marked like adwatch's photo requests: the same transport (crawler/transport.py).
                    yield response.follow(_best_srcset(srcset), callback=self.parse_photo, meta={PHOTO_META: True})
            yield {"title": response.css("h1.ad-title::text").get(),
                   "body": " ".join(response.css("section.ad-description ::text").getall()),
                   "phones": response.css("dd.fact-phone a::attr(href)").getall(),
                   "photos": response.css("div.gallery img::attr(srcset)").getall()}

        def parse_photo(self, response):  # type: ignore[no-untyped-def]
            result["photos"] = result.get("photos", 0) + 1
            return []

        def closed(self, reason):  # type: ignore[no-untyped-def]
            stats = self.crawler.stats.get_stats()
            result.setdefault("photos", 0)
            result.update(pages=stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
                          - result["photos"],
                          items=stats.get("item_scraped_count", 0),
                          elapsed=time.monotonic() - result.pop("t0"))

    process = CrawlerProcess(settings)
    process.crawl(BareSpider)
    tune_gc()  # the same process tuning as an adwatch crawl (crawler/runner.py)
    process.start()
    Path(out).write_text(json.dumps(result))


def run_adwatch(site_id: str, url: str, tmp: Path, config_dir: Path | None) -> dict[str, Any]:
    """One ``adwatch crawl`` in its own process on a fresh SQLite DB; the run's pages and elapsed time."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    data = tmp / f"data-{site_id}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADWATCH_")}
    env.update(ADWATCH_DATA_DIR=str(data), ADWATCH_ENV="test", ADWATCH_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    if config_dir:
        env["ADWATCH_CONFIG_DIR"] = str(config_dir)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adwatch.cli", "crawl", site_id, "--start-url", url, "--trigger", "bench"],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    engine = create_engine(f"sqlite:///{data / 'adwatch.db'}")
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.status == "finished", run and run.status
        stats = run.stats
        html = int(stats.get("adwatch/listing_pages", 0)) + int(stats.get("adwatch/ads_stored", 0))
        out = {"pages": html, "ads": run.ads_seen, "photos": run.photos_stored, "wall": wall,
               "requests": int(stats.get("downloader/response_count", 0)),
               "photo_fetches": int(stats.get("file_count", 0)),
               "new": run.ads_new, "changed": run.ads_changed, "removed": run.ads_removed,
               # From the spider's first request to its close, the interval the bare spider measures (the
               # process wall time also holds interpreter start, imports and opening the database).
               "elapsed": float(stats.get("adwatch/crawl_seconds") or stats.get("elapsed_time_seconds") or wall),
               "rendered": int(stats.get("adwatch/pages_rendered", 0)),
               "rechecks": int(stats.get("adwatch/recheck_requests", 0))}
        started = stats.get("adwatch/recheck_started_s")
        out["recheck_s"] = out["elapsed"] - float(started) if started is not None else 0.0
    engine.dispose()
    return out


POOL = 48


def pool_demo_photos(corpus: Any) -> float:
    """Make the demo server's photos cheap, in this process only, and pre-generate them.

    The demo market draws every photo procedurally (10-100 ms each, LRU of 1,024): on a 10,000-ad
    corpus (~30,000 photo URLs) the *server* would be the bottleneck at ~10-30 photos/s and the bench
    would measure Pillow in the demo, not the crawler. Photos are therefore drawn from a pool of
    ``POOL`` sources (still one URL per ad and slot, still real JPEGs; the blob store dedupes the bytes).
    """
    from crawler.demo_site import images

    draw = images.photo_bytes.__wrapped__
    cache: dict[tuple[Any, ...], bytes] = {}

    def pooled(seed: int, source: int, palette_source: int, variant: str, width: int | None = None) -> bytes:
        key = (seed, source % POOL, palette_source % POOL, variant, width)
        if key not in cache:
            cache[key] = draw(seed, source % POOL, palette_source % POOL, variant, width)
        return cache[key]

    images.photo_bytes = pooled  # type: ignore[assignment]
    t0 = time.perf_counter()
    for photo in corpus.photos.values():
        if photo.kind == "photo":
            pooled(corpus.seed, photo.source, corpus.palette_of.get(photo.source, photo.source), photo.variant)
    return time.perf_counter() - t0


def static_config(tmp: Path, autothrottle: bool) -> Path:
    """A config dir whose demo_nightlist has no render_if: the static-page path only."""
    import yaml

    from config.settings import CONFIG_DIR

    data = yaml.safe_load((CONFIG_DIR / "sites" / "demo_nightlist.yaml").read_text(encoding="utf-8"))
    data["ad"].pop("render_if", None)
    data["ad"].pop("actions", None)
    data["politeness"]["autothrottle"] = autothrottle
    (tmp / "config" / "sites").mkdir(parents=True)
    (tmp / "config" / "sites" / "demo_nightlist.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp / "config"


def run_bare(url: str, tmp: Path, *, photos: bool, autothrottle: bool) -> dict[str, Any]:
    out = tmp / f"bare-{time.monotonic_ns()}.json"
    subprocess.run([sys.executable, __file__, "_bare", url, str(out), str(int(photos)), str(int(autothrottle))],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


def report(name: str, run: dict[str, Any], bare: dict[str, Any]) -> None:
    rate, bare_rate = run["pages"] / run["elapsed"], bare["pages"] / bare["elapsed"]
    photos = run.get("photo_fetches", run.get("photos", 0))
    print(f"{name:<12}: {run['pages']:6d} pages in {run['elapsed']:6.1f} s = {rate:7.1f} pages/s, "
          f"{photos / run['elapsed']:6.1f} photos/s ({photos} photo fetches) -> ratio {rate / bare_rate:.2f}"
          + (f"; peak {run['peak']} requests in flight" if "peak" in run else ""))


def peak(site: Any, run: dict[str, Any]) -> dict[str, Any]:
    """Add the demo server's peak of simultaneous requests during ``run`` (then reset the counter)."""
    run["peak"] = site.stats()["max_in_flight"]
    site.reset_stats()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--js-ads", type=int, default=150, help="corpus size for the browser sample")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--autothrottle", action="store_true",
                        help="AutoThrottle on for both spiders (off by default: same fixed politeness for both)")
    parser.add_argument("_bare", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._bare:
        bare_main(*args._bare[1:])
        return

    from crawler.demo_site import DemoSite, build_corpus

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    corpus = build_corpus(seed=7, n_ads=args.ads, n_nights=2)
    warm = pool_demo_photos(corpus)
    n_nl = sum(1 for r in corpus.truth(1) if r["site"] == "nightlist")
    at = args.autothrottle
    print(f"corpus: {args.ads} ads ({n_nl} on nightlist), friction off; cpus={os.cpu_count()}; "
          f"demo photos pooled ({warm:.1f} s warm-up); concurrency 8/domain, autothrottle "
          f"{'on' if at else 'off'} for all spiders", flush=True)
    config = static_config(tmp, at)
    with DemoSite(corpus, night=1, friction=False, slow=False) as site:
        url = site.base_url + "/nightlist/"
        site.reset_stats()
        bare = peak(site, run_bare(url, tmp, photos=False, autothrottle=at))
        bare_ph = peak(site, run_bare(url, tmp, photos=True, autothrottle=at))
        first = peak(site, run_adwatch("demo_nightlist", url, tmp, config))
        again = peak(site, run_adwatch("demo_nightlist", url, tmp, config))  # same snapshot: nothing new
        site.set_night(2)
        bare2 = peak(site, run_bare(url, tmp, photos=False, autothrottle=at))
        second = peak(site, run_adwatch("demo_nightlist", url, tmp, config))
    bare_rate = bare["pages"] / bare["elapsed"]
    print(f"bare scrapy : {bare['pages']:6d} pages in {bare['elapsed']:6.1f} s = {bare_rate:7.1f} pages/s "
          f"(night 1, fetch + parse only); peak {bare['peak']} requests in flight")
    report("bare+photos", bare_ph, bare)
    report("adwatch n1", first, bare)
    print(f"              first crawl: {first['ads']} ads, {first['photos']} photos linked, "
          f"{first['requests']} HTTP responses; process wall {first['wall']:.1f} s")
    report("  vs bare+ph", first, bare_ph)
    report("adwatch re", again, bare)
    print(f"              re-crawl of the unchanged night: {again['new']} new, {again['changed']} changed, "
          f"{again['requests']} HTTP responses")
    report("bare n2", bare2, bare)
    report("adwatch n2", second, bare2)
    print(f"              night 2 (churn, incremental): {second['new']} new, {second['changed']} changed, "
          f"{second['removed']} removed, {second['requests']} HTTP responses; re-check phase "
          f"{second['recheck_s']:.1f} s for {second['rechecks']} ads")
    rate = {name: run["pages"] / run["elapsed"] for name, run in
            (("bare", bare), ("bare_ph", bare_ph), ("first", first), ("again", again), ("bare2", bare2),
             ("second", second))}
    print(f"ratio       : first crawl {rate['first'] / rate['bare']:.2f} vs bare pages, "
          f"{rate['first'] / rate['bare_ph']:.2f} vs bare+photos; unchanged re-crawl "
          f"{rate['again'] / rate['bare']:.2f}; night 2 {rate['second'] / rate['bare2']:.2f} (goal >= 0.6)")
    if not args.no_browser:
        js = build_corpus(seed=7, n_ads=args.js_ads, n_nights=1)
        with DemoSite(js, night=1, friction=False, slow=False) as site:
            browser = run_adwatch("demo_jsads", site.base_url + "/jsads/", tmp, None)
        print(f"browser     : {browser['rendered']:6d} rendered pages in {browser['elapsed']:6.1f} s = "
              f"{browser['rendered'] / browser['elapsed']:7.1f} pages/s ({browser['ads']} JS ads, Chromium)")


if __name__ == "__main__":
    main()
