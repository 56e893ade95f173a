"""Dashboard load benchmark: N synthetic ads in PostgreSQL, C concurrent users over loopback.

    .venv/bin/python bench/dashboard.py --ads 1000000 --users 20 --requests 2000

Builds a throwaway database on the local PostgreSQL server (ADWATCH_TEST_PG_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it with Alembic, bulk-loads synthetic rows
with INSERT ... SELECT generate_series (ads, versions, readings, indicator hits, contacts, scores,
clusters, edges, leads), starts the dashboard under uvicorn in a subprocess on 127.0.0.1, logs in C
analysts and lets each run a bounded loop over the queue, ad, network and search pages. Prints p50/p95
per page and drops the database (``--keep`` keeps it for another run with ``--reuse NAME``).

``--proposed-indexes`` adds indexes that belong to other modules' tables and are not in the schema yet
(see PROPOSED_INDEXES), to measure them before they are adopted. Before the load the benchmark also times
the overview's aggregates once, uncached (they are cached for a minute in the app).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.auth import hash_password  # noqa: E402
from storage.db import upgrade  # noqa: E402

PG = os.environ.get("ADWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "benchmark password"
CITIES = ["København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding", "Horsens", "Vejle", "Roskilde"]
CODES = ["MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "YOUTH", "UNPROTECTED", "ALWAYS_AVAILABLE",
         "LANGUAGE_BARRIER", "OBFUSCATED_CONTACT"]


def load(url: str, n: int) -> None:
    """Synthetic rows, set-based in SQL (1M ads take a few minutes on 2 cores)."""
    engine = create_engine(url)
    cities = "ARRAY[" + ",".join(f"'{c}'" for c in CITIES) + "]"
    codes = "ARRAY[" + ",".join(f"'{c}'" for c in CODES) + "]"
    steps = [
        "INSERT INTO site (id, name, enabled, created_at) VALUES ('bench_a', 'Bench A', true, now()), "
        "('bench_b', 'Bench B', true, now())",
        "INSERT INTO crawl_run (site_id, started_at, finished_at, status, trigger, pages, ads_seen, ads_new, "
        "ads_changed, ads_removed, photos_stored, errors, stats, field_coverage, health, health_messages) "
        "SELECT s, now() - (d || ' days')::interval, now() - (d || ' days')::interval + interval '1 hour', "
        "'finished', 'schedule', 500, 5000, 300, 40, 20, 0, 0, '{}', '{}', 'ok', '[]' "
        "FROM unnest(ARRAY['bench_a','bench_b']) s, generate_series(0, 29) d",
        f"INSERT INTO ad (id, site_id, external_id, url, status, first_seen_at, last_seen_at) "
        f"SELECT g, CASE WHEN g % 2 = 0 THEN 'bench_a' ELSE 'bench_b' END, 'x' || g, "
        f"'https://bench.example/ad/' || g, CASE WHEN g % 10 = 0 THEN 'removed' ELSE 'active' END, "
        f"now() - ((g % 60) || ' days')::interval, now() - ((g % 7) || ' hours')::interval "
        f"FROM generate_series(1, {n}) g",
        f"INSERT INTO ad_version (id, ad_id, content_sha256, seen_at, title, text, raw_fields) "
        f"SELECT g, g, md5(g::text), now(), 'Sofie ' || (18 + g % 20) || ' new in town', "
        f"'Hi, I am Sofie. New in town, only a few days. Call my manager +45 555 01' || lpad((g % 100)::text, 2, '0')"
        f" || '. Meget ung og frisk. Available 24/7. Ad number ' || g || '.', "
        f"jsonb_build_object('city', ({cities})[1 + g % 10], 'phones', jsonb_build_array('+45 555 01' || "
        f"lpad((g % 100)::text, 2, '0') || ' ' || (g % 9973))) FROM generate_series(1, {n}) g",
        "UPDATE ad SET current_version_id = id",
        f"INSERT INTO ad_reading (id, ad_version_id, ad_id, site_id, stamp, reader_version, lexicon_versions, read_at, "
        f"language, age, city, nationality, facts, n_indicators, duration_ms, status) "
        f"SELECT g, g, g, CASE WHEN g % 2 = 0 THEN 'bench_a' ELSE 'bench_b' END, 'bench', 'bench', '{{}}', now(), "
        f"CASE WHEN g % 3 = 0 THEN 'da' ELSE 'en' END, 18 + g % 20, ({cities})[1 + g % 10], "
        f"(ARRAY['RO','DK','TH','NG','BR'])[1 + g % 5], '{{}}', 2, 1.0, 'ok' FROM generate_series(1, {n}) g",
        f"INSERT INTO indicator_hit (reading_id, ad_id, ad_version_id, code, indicator_id, lexicon_id, lexicon_version,"
        f" source, start, \"end\", text) SELECT g, g, g, ({codes})[1 + (g + k) % 8], 'x', 'indicators_en', 1, "
        f"'text', CASE k WHEN 0 THEN 16 ELSE 47 END, CASE k WHEN 0 THEN 27 ELSE 62 END, 'x' "
        f"FROM generate_series(1, {n}) g, generate_series(0, 1) k",
        f"INSERT INTO ad_contact (reading_id, ad_id, ad_version_id, kind, value, obfuscated) "
        f"SELECT g, g, g, 'phone', '+45555' || (g % 9973), false FROM generate_series(1, {n}) g",
        f"INSERT INTO risk_score (target, target_id, score, model_version, explanation, scored_at) "
        f"SELECT 'ad', g, ((g::bigint * 7919) % 1000) / 1000.0, 'bench', "
        f"'[{{\"code\": \"THIRD_PARTY\", \"contribution\": 0.3}}]', now() FROM generate_series(1, {n}) g",
        f"INSERT INTO cluster (id, size, version, created_at, updated_at) "
        f"SELECT c, 10, 'bench', now(), now() FROM generate_series(1, {n // 10}) c",
        f"INSERT INTO ad_cluster (ad_id, cluster_id, updated_at) SELECT g, 1 + (g - 1) / 10, now() "
        f"FROM generate_series(1, {n}) g",
        f"INSERT INTO ad_edge (kind, ad_a, ad_b, value, weight, linker, created_at) "
        f"SELECT 'phone', g, g + 1, '+45555' || ((g / 10) % 9973), 1.0, 'phone_exact.v1', now() "
        f"FROM generate_series(1, {n - 1}) g WHERE g % 10 <> 0",
        f"INSERT INTO risk_score (target, target_id, score, model_version, explanation, scored_at) "
        f"SELECT 'cluster', c, ((c::bigint * 104729) % 1000) / 1000.0, 'bench', '[]', now() "
        f"FROM generate_series(1, {n // 10}) c",
        f"INSERT INTO lead (cluster_id, status, opened_by, score, reasons, contacts, cities, languages, opened_at, "
        f"updated_at) SELECT c, 'new', 'score', 0.9, '[]', '[\"+45555\"]', '[\"Aarhus\"]', '[\"ro\"]', now(), now() "
        f"FROM generate_series(1, {max(n // 1000, 1)}) c",
        "INSERT INTO lead_ad (lead_id, ad_id, added_at) SELECT id, cluster_id * 10, now() FROM lead",
        "SELECT setval(pg_get_serial_sequence('ad', 'id'), (SELECT max(id) FROM ad))",
        "SELECT setval(pg_get_serial_sequence('ad_version', 'id'), (SELECT max(id) FROM ad_version))",
        "SELECT setval(pg_get_serial_sequence('ad_reading', 'id'), (SELECT max(id) FROM ad_reading))",
        "ANALYZE",
    ]
    with engine.begin() as conn:
        for sql in steps:
            t0 = time.perf_counter()
            conn.execute(text(sql))
            print(f"  {time.perf_counter() - t0:7.1f} s  {sql[:70]}", flush=True)
    with engine.begin() as conn:
        h = hash_password(PASSWORD)
        for i in range(40):
            conn.execute(text("INSERT INTO user_account (username, password_hash, role, active, language, created_at, "
                              "session_epoch) VALUES (:u, :h, 'analyst', true, 'en', now(), 0)"),
                         {"u": f"bench{i}", "h": h})
    engine.dispose()


# Indexes the dashboard needs on tables it does not own, to measure before they are adopted. Empty now: the
# risk_score (target, score, target_id) index is in the schema (revision 0001) and the pg_trgm indexes on
# ad_version.text / title come with revision 0002.
PROPOSED_INDEXES: list[str] = []


def add_proposed_indexes(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in PROPOSED_INDEXES:
            t0 = time.perf_counter()
            conn.execute(text(sql))
            print(f"  {time.perf_counter() - t0:7.1f} s  {sql}", flush=True)
        conn.execute(text("ANALYZE"))
    engine.dispose()


def time_overview(url: str) -> None:
    """The overview's aggregates and the queue head, each once and uncached (ms)."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from storage import people_repo
    from storage.models.base import utcnow

    engine = create_engine(url)
    since = utcnow() - timedelta(hours=24)
    steps = {
        "new ads (24 h)": lambda s: people_repo.count_new_ads(session=s, since=since),
        "ads per day (14 d)": lambda s: people_repo.ads_per_day(session=s, days=14),
        "indicators and cities per night (14 nights)": lambda s: people_repo.series_per_night(session=s, days=14),
        "queue head (top 5,000 scores)": lambda s: people_repo.top_ad_scores(session=s),
    }
    with Session(engine) as session:
        for label, step in steps.items():
            t0 = time.perf_counter()
            step(session)
            print(f"  uncached {label}: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_users(base: str, users: int, requests: int, n_ads: int, think: float = 0.0,
              seed: int = 7) -> dict[str, list[float]]:
    """Each user logs in, then cycles through the four pages until the shared request budget is spent."""
    timings: dict[str, list[float]] = {"queue": [], "ad": [], "network": [], "search": []}
    errors: list[str] = []
    budget = [requests]
    lock = threading.Lock()

    def worker(i: int) -> None:
        rnd = random.Random(seed + i)
        with httpx.Client(base_url=base, timeout=30) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
            r = c.post("/login", data={"username": f"bench{i}", "password": PASSWORD, "csrf_token": token})
            if r.status_code not in (200, 303):
                errors.append(f"login {r.status_code}")
                return
            while True:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                page = rnd.choice(list(timings))
                path = {"queue": f"/review?page={rnd.randint(1, 5)}",
                        "ad": f"/ads/{rnd.randint(1, n_ads)}",
                        "network": f"/networks/{rnd.randint(1, max(n_ads // 10, 1))}",
                        "search": (f"/search?q=%2B45 555 {rnd.randint(0, 9972)}" if rnd.random() < 0.7
                                   else f"/search?q=Sofie {rnd.randint(18, 37)} new in town")}[page]
                t0 = time.perf_counter()
                try:
                    resp = c.get(path)
                except httpx.HTTPError as exc:
                    errors.append(f"{path} {type(exc).__name__}")
                    continue
                dt = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    errors.append(f"{path} {resp.status_code}")
                with lock:
                    timings[page].append(dt)
                if think:
                    time.sleep(rnd.uniform(0.5 * think, 1.5 * think))  # a person reads the page

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"errors: {len(errors)}; first: {errors[:5]}")
    return timings


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ads", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000, help="total page requests (bounded run)")
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean seconds a user spends on a page before the next click (0: hammer)")
    ap.add_argument("--reuse", help="an existing bench database name (skip loading)")
    ap.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    ap.add_argument("--workers", default="1", help="comma-separated dashboard worker counts to compare, e.g. 1,2")
    ap.add_argument("--proposed-indexes", action="store_true",
                    help="add PROPOSED_INDEXES (other modules' tables) before the run")
    args = ap.parse_args()

    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = args.reuse or f"adwatch_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        t0 = time.perf_counter()
        upgrade(url)
        print(f"loading {args.ads:,} ads into {name}", flush=True)
        load(url, args.ads)
        print(f"loaded in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.proposed_indexes:
        add_proposed_indexes(url)
    time_overview(url)
    try:
        results = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            results[workers] = measure(url, args, workers)
        if len(results) > 1:
            base_w = min(results)
            print(f"\np95 ratio against {base_w} worker(s), measured in this run (lower is better)")
            print("| page | " + " | ".join(f"{w} workers" for w in results) + " |\n|---|" + "---|" * len(results))
            for page in results[base_w]:
                base_p95 = pct(results[base_w][page], 95) if results[base_w][page] else 0
                cells = [f"{pct(r[page], 95) / base_p95:.2f}x" if base_p95 and r.get(page) else "-"
                         for r in results.values()]
                print(f"| {page} | " + " | ".join(cells) + " |")
    finally:
        if not args.keep and not args.reuse:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(url: str, args: argparse.Namespace, workers: int) -> dict[str, list[float]]:
    """measure (page -> latencies ms): serve the dashboard with ``workers`` processes and drive the users."""
    port = free_port()
    env = {**os.environ, "ADWATCH_ENV": "dev", "ADWATCH_DATABASE_URL": url, "ADWATCH_LOG_LEVEL": "WARNING",
           "ADWATCH_DATA_DIR": str(ROOT / "var" / "bench")}
    code = ("from config.settings import AppSettings; from dashboard.app import serve_dashboard; "
            f"serve_dashboard(AppSettings(), '127.0.0.1', {port}, workers={workers})")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, start_new_session=True)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        run_users(base, 2, 40, args.ads)  # warm-up
        t0 = time.perf_counter()
        timings = run_users(base, args.users, args.requests, args.ads, think=args.think)
        wall = time.perf_counter() - t0
        total = sum(len(v) for v in timings.values())
        print(f"\n{args.ads:,} ads, {workers} worker(s), {args.users} users, think {args.think} s, {total} requests "
              f"in {wall:.1f} s ({total / wall:.0f} req/s)")
        print("| page | requests | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
        for page, values in timings.items():
            if values:
                print(f"| {page} | {len(values)} | {statistics.median(values):.0f} | {pct(values, 95):.0f} | "
                      f"{max(values):.0f} |")
        return timings
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
