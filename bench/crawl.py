"""Crawl throughput: bare Scrapy vs adwatch on the bundled demo market, in ONE run.

Run: ``.venv/bin/python bench/crawl.py [--ads 10000] [--js-ads 150]``.

* **bare**: a minimal Scrapy spider, same Scrapy settings as an adwatch crawl, that only fetches and
  parses the nightlist listing and ad pages (no photos, no database).
* **adwatch**: ``adwatch crawl demo_nightlist`` on plain HTTP (``render_if`` removed: static pages only),
  with photos downloaded, validated and stored, and every ad written to a fresh SQLite database.
* **browser**: ``adwatch crawl demo_jsads`` (every page rendered in Chromium) on a small corpus.

Pages/s counts listing + ad pages (HTML) over Scrapy's ``elapsed_time_seconds``; photos are extra work
for adwatch, not extra pages. Each crawl runs in its own process; the demo site runs in this one with
friction off. Goal: adwatch >= 0.6x bare.
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


def bare_main(url: str, out: str) -> None:
    """Child process: the minimal spider (fetch + parse only) under adwatch's own Scrapy settings."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from config.settings import AppSettings
    from config.site_schema import load_site
    from crawler.settings import build_crawl_settings

    app = AppSettings(env="test", data_dir=Path(tempfile.mkdtemp(prefix="bench-bare-")))
    site = load_site(app.sites_dir, "demo_nightlist")
    static = site.model_copy(update={"ad": site.ad.model_copy(update={"render_if": None, "actions": []})})
    settings = build_crawl_settings(app, static.with_start_urls([url]))
    settings.update(ITEM_PIPELINES={}, LOG_LEVEL="WARNING", LOG_INSTALL_ROOT_HANDLER=True)
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
            yield {"title": response.css("h1.ad-title::text").get(),
                   "body": " ".join(response.css("section.ad-description ::text").getall()),
                   "phones": response.css("dd.fact-phone a::attr(href)").getall(),
                   "photos": response.css("div.gallery img::attr(srcset)").getall()}

        def closed(self, reason):  # type: ignore[no-untyped-def]
            stats = self.crawler.stats.get_stats()
            result.update(pages=stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0),
                          items=stats.get("item_scraped_count", 0),
                          elapsed=time.monotonic() - result.pop("t0"))

    process = CrawlerProcess(settings)
    process.crawl(BareSpider)
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
               "elapsed": float(stats.get("elapsed_time_seconds", wall)),
               "rendered": int(stats.get("adwatch/pages_rendered", 0))}
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


def static_config(tmp: Path) -> Path:
    """A config dir whose demo_nightlist has no render_if: the static-page path only."""
    import yaml

    from config.settings import CONFIG_DIR

    data = yaml.safe_load((CONFIG_DIR / "sites" / "demo_nightlist.yaml").read_text(encoding="utf-8"))
    data["ad"].pop("render_if", None)
    data["ad"].pop("actions", None)
    (tmp / "config" / "sites").mkdir(parents=True)
    (tmp / "config" / "sites" / "demo_nightlist.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp / "config"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--js-ads", type=int, default=150, help="corpus size for the browser sample")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("_bare", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._bare:
        bare_main(*args._bare[1:])
        return

    from crawler.demo_site import DemoSite, build_corpus

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    corpus = build_corpus(seed=7, n_ads=args.ads, n_nights=1)
    warm = pool_demo_photos(corpus)
    n_nl = sum(1 for r in corpus.truth(1) if r["site"] == "nightlist")
    print(f"corpus: {args.ads} ads ({n_nl} on nightlist), friction off; cpus={os.cpu_count()}; "
          f"demo photos pooled ({warm:.1f} s warm-up)", flush=True)
    with DemoSite(corpus, night=1, friction=False, slow=False) as site:
        url = site.base_url + "/nightlist/"
        out = tmp / "bare.json"
        subprocess.run([sys.executable, __file__, "_bare", url, str(out)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bare = json.loads(out.read_text())
        full = run_adwatch("demo_nightlist", url, tmp, static_config(tmp))
    bare_rate, full_rate = bare["pages"] / bare["elapsed"], full["pages"] / full["elapsed"]
    print(f"bare scrapy : {bare['pages']:6d} pages in {bare['elapsed']:6.1f} s = {bare_rate:7.1f} pages/s")
    print(f"adwatch     : {full['pages']:6d} pages in {full['elapsed']:6.1f} s = {full_rate:7.1f} pages/s "
          f"({full['ads']} ads, {full['photos']} photos stored, SQLite; process wall {full['wall']:.1f} s)")
    print(f"ratio       : {full_rate / bare_rate:.2f} (goal >= 0.6)")
    if not args.no_browser:
        js = build_corpus(seed=7, n_ads=args.js_ads, n_nights=1)
        with DemoSite(js, night=1, friction=False, slow=False) as site:
            browser = run_adwatch("demo_jsads", site.base_url + "/jsads/", tmp, None)
        print(f"browser     : {browser['rendered']:6d} rendered pages in {browser['elapsed']:6.1f} s = "
              f"{browser['rendered'] / browser['elapsed']:7.1f} pages/s ({browser['ads']} JS ads, Chromium)")


if __name__ == "__main__":
    main()
