"""Nightly DB stage after reading: hash new photos, link new ads, recluster, score, refresh leads.

Incremental: the photo index and link graph are persisted in ``settings.data_dir / "index"``; only ads and
photos not seen before are added, and only clusters they touch are re-analysed. If the state files are
missing they are rebuilt from the tables, and yesterday's cluster ids (``ad_cluster``) are kept.

Analysts' active merge/split decisions are applied as clustering constraints on every run; the scheduler
also runs this stage (``adwatch link``) within a minute of a decision. One stage at a time: an exclusive
file lock on the index directory (``link.lock``) makes a second caller wait, or give up with ``wait=False``.
"""

from __future__ import annotations

import fcntl
import logging
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.clustering import CLUSTER_VERSION, Constraint
from classifiers.leads import follow_ads, upsert_lead
from classifiers.linking import LinkGraph
from classifiers.photo_index import PhotoIndex, views_to_arrays
from classifiers.photos import HASH_VERSION, N_VIEWS, PhotoHashes, hash_file
from classifiers.pipeline import run_night
from classifiers.records import AdRecord
from classifiers.scoring import load_model
from config.scoring_schema import ScoringConfig, load_scoring
from config.settings import AppSettings
from storage import decision_repo
from storage import network_repo as repo
from storage.models import ClusterDecision, Photo, PhotoHash, utcnow

log = logging.getLogger(__name__)


@dataclass
class Stats:
    """Stats: what one run did."""

    photos_hashed: int = 0
    ads_new: int = 0
    edges_new: int = 0
    clusters_changed: int = 0
    leads_touched: int = 0
    guard_reasons: int = 0
    decisions_active: int = 0
    decisions_applied: int = 0  # applied for the first time in this run
    leads_moved: int = 0  # leads that followed their ads to another network


class LinkStageBusy(RuntimeError):
    """Another link stage holds the lock on the index directory (only raised with ``wait=False``)."""


@contextmanager
def link_lock(settings: AppSettings, *, wait: bool = True) -> Iterator[Path]:
    """link_lock: an exclusive ``flock`` on ``data_dir/index/link.lock`` for the whole stage.

    Two stages at once would each load yesterday's graph and the later write would lose the other's work.
    The lock is released when the process ends, also when it is killed.
    """
    path = settings.data_dir / "index" / "link.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                log.warning("link stage: another link stage holds %s; skipped (run again later)", path)
                raise LinkStageBusy(f"[E502] another link stage is running (lock {path})") from None
            log.warning("link stage: another link stage holds %s; waiting for it to finish", path)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class ReadingMissingError(RuntimeError):
    """The reading stage has not run for some ads: linking needs their contacts and facts."""


def load_records(session: Session) -> dict[int, AdRecord]:
    """load_records (dict): every ad as an AdRecord from the reading tables (latest reading per ad).

    Contacts come from ``ad_contact`` (normalised E.164 / e-mail / handle), indicator codes from
    ``indicator_hit``, age/city/language from ``ad_reading``. Nationality is never read here.
    """
    readings = repo.latest_readings(session=session)
    photos = repo.ad_photo_ids(session=session)
    ads = repo.current_ads(session=session)
    missing = [ad.id for ad, _ in ads if ad.id not in readings]
    if missing:
        raise ReadingMissingError(f"[E501] {len(missing)} ads have no reading (e.g. ad {missing[0]}): "
                                  "run `adwatch read` before `adwatch link`")
    contacts = repo.reading_contacts(session=session, reading_ids=[r.id for r in readings.values()])
    codes = repo.reading_codes(session=session, reading_ids=[r.id for r in readings.values()])
    out: dict[int, AdRecord] = {}
    for ad, ver in ads:
        rd = readings[ad.id]
        cs = contacts.get(rd.id, [])
        name = (rd.facts or {}).get("name") or (ver.raw_fields or {}).get("name")
        spoken = [str(x) for x in (rd.facts or {}).get("spoken_languages") or []]
        langs = tuple(dict.fromkeys([x for x in [rd.language, *spoken] if x and x != "unknown"]))
        out[ad.id] = AdRecord(
            ad_id=ad.id, site=ad.site_id, seen_at=ver.seen_at.astimezone(UTC),
            text="\n".join(x for x in (ver.title or "", ver.text or "") if x),
            city=rd.city, name=str(name) if name else None, age=rd.age,
            phones=tuple(sorted({v for k, v in cs if k == "phone"})),
            emails=tuple(sorted({v.lower() for k, v in cs if k == "email"})),
            handles=tuple(sorted({f"{k}:{v.lower()}" for k, v in cs if k not in ("phone", "email")})),
            photos=tuple(photos.get(ad.id, ())), indicators=tuple(sorted(set(codes.get(rd.id, ())))),
            languages=langs, url=ad.url)
    return out


def _state_paths(settings: AppSettings) -> tuple[Path, Path]:
    d = settings.data_dir / "index"
    # v3: hash version phash_dhash_views.v2 (22 views); older state is not loaded, it is rebuilt from the tables.
    return d / "photo_index.v3.npz", d / "link_graph.v3.pkl"


def _rehash_stale(session: Session, settings: AppSettings) -> int:
    """_rehash_stale (int): photos hashed with an older HASH_VERSION, rehashed in place from their file.

    ``photo_hash`` has one row per photo, so a new hash version replaces the row's views and version.
    """
    rows = session.execute(select(PhotoHash, Photo.path).join(Photo, Photo.id == PhotoHash.photo_id)
                           .where(PhotoHash.version != HASH_VERSION, Photo.path.is_not(None))).all()
    n = 0
    for row, path in rows:
        h = hash_file(settings.blobs_dir / str(path))
        if h is not None:
            row.views, row.version, row.computed_at = h.to_json(), HASH_VERSION, utcnow()
            n += 1
    if rows:
        log.info("photo hashes: %d of %d photos rehashed for %s", n, len(rows), HASH_VERSION)
    return n


def constraints_of(decisions: list[ClusterDecision], rows: dict[int, int]) -> list[Constraint]:
    """constraints_of (list): decisions over graph rows, oldest first; ads no longer in the graph are left out
    (a decision whose side lost every ad constrains nothing)."""
    out = []
    for d in decisions:
        a = np.array([rows[x] for x in d.side_a if x in rows], np.int64)
        b = np.array([rows[x] for x in d.side_b if x in rows], np.int64)
        if a.size and b.size:
            out.append(Constraint(d.action, a, b, d.id))
        else:
            log.warning("decision #%d (%s) names no ads of the graph on one side; it constrains nothing", d.id,
                        d.action)
    return out


def run_linking(session: Session, settings: AppSettings, *, progress: bool = True,
                cfg: ScoringConfig | None = None, wait: bool = True) -> Stats:
    """run_linking (Stats): the nightly link + cluster + score + leads stage; commits at the end.

    wait: when another link stage is running, wait for it (True) or raise ``LinkStageBusy`` (False).
    """
    with link_lock(settings, wait=wait):
        return _run_linking(session, settings, cfg=cfg)


def _run_linking(session: Session, settings: AppSettings, *, cfg: ScoringConfig | None) -> Stats:
    cfg = cfg or load_scoring(settings.config_dir)
    stats = Stats()
    idx_path, graph_path = _state_paths(settings)
    # 1. hash photos stored since last night
    for photo in repo.photos_without_hash(session=session, version=HASH_VERSION):
        h = hash_file(settings.blobs_dir / str(photo.path))
        if h is not None:
            repo.add_photo_hash(session=session, photo_id=photo.id, version=HASH_VERSION, views=h.to_json())
            stats.photos_hashed += 1
    stats.photos_hashed += _rehash_stale(session, settings)
    session.flush()
    # 2. load or rebuild state
    p = cfg.photos
    index = PhotoIndex.load(idx_path) if idx_path.exists() else PhotoIndex(
        phash_max=p.phash_max_distance, dhash_max=p.dhash_max_distance, chunks=p.index_chunks,
        chunk_radius=p.index_chunk_radius, bucket_cap=p.index_bucket_cap)
    graph: LinkGraph
    if graph_path.exists():
        with graph_path.open("rb") as fh:
            graph = pickle.load(fh)
        graph.cfg = cfg
    else:
        graph = LinkGraph(cfg)
    hashes = [(pid, PhotoHashes.from_json(v)) for pid, v in repo.all_photo_hashes(session=session)]
    stale = sum(len(h.views) != N_VIEWS for _, h in hashes)
    if stale:
        # Older view layout and the file is gone (purged) or unreadable: it cannot be compared, so it links nothing.
        log.warning("photo index: %d photos keep hashes of an older version and are left out", stale)
        hashes = [(pid, h) for pid, h in hashes if len(h.views) == N_VIEWS]
    known = set(index.ids.tolist())
    new_ph = [(pid, h) for pid, h in hashes if pid not in known]
    pids = np.array([pid for pid, _ in new_ph], np.int64)
    pp, dd = views_to_arrays([h.views for _, h in new_ph]) if new_ph else (
        np.empty((0, N_VIEWS), np.uint64), np.empty((0, N_VIEWS), np.uint64))
    records = load_records(session)
    new_ads = [r for aid, r in sorted(records.items()) if aid not in graph.rows]
    if not graph_path.exists():
        prev = repo.previous_clusters(session=session)
        graph.next_cluster_id = max(graph.next_cluster_id, repo.max_cluster_id(session=session) + 1)
        graph._seed_previous = prev  # type: ignore[attr-defined]
    model = load_model(settings.data_dir / "models", cfg.model_version) if cfg.model_version else None
    seed = getattr(graph, "_seed_previous", None)
    if seed:
        # First run over an existing database: start from the stored cluster ids.
        graph.add(new_ads, index.groups() if len(index) else {})
        graph.cluster_of = np.array([seed.get(a, -1) for a in graph.ad_ids], np.int64)
        del graph._seed_previous  # type: ignore[attr-defined]
        new_ads = []
    # Analysts' decisions: read with the relink requests they answer, so a request made while this stage
    # runs is left for the next one. Their ads were linked on an earlier night, so they have graph rows.
    relink_upto = decision_repo.open_relink_max_id(session=session)
    decisions = decision_repo.active_decisions(session=session)
    constraints = constraints_of(decisions, graph.rows)
    res = run_night(cfg=cfg, graph=graph, index=index, new_ads=new_ads, photo_ids=pids, photo_p=pp,
                    photo_d=dd, records=records, model=model, constraints=constraints)
    stats.ads_new, stats.edges_new = len(new_ads), res.new_edges
    stats.decisions_active = len(decisions)
    fresh = [d for d in decisions if d.applied_at is None]
    named: dict[int, list[int]] = {}
    for d in fresh:
        for a in [*d.side_a, *d.side_b]:
            named.setdefault(int(a), []).append(d.id)
    # Leads follow their ads before tonight's memberships replace yesterday's.
    stats.leads_moved = follow_ads(session, cluster_of=res.cluster_of, decisions=named)
    stats.clusters_changed, stats.guard_reasons = len(res.dirty), len(res.guard_reasons)
    # 3. write results
    repo.set_photo_groups(session=session, groups=index.groups())
    kind, a, b, vals = graph.edges()
    n_before = len(kind) - res.new_edges
    ids = graph.ad_ids
    repo.add_edges(session=session, edges=(
        (k, ids[int(x)], ids[int(y)], v, cfg.edge_weights.get(k, 0.5), f"{k}.v1")
        for k, x, y, v in zip([("phone", "email", "handle", "photo", "text")[int(i)] for i in kind[n_before:]],
                              a[n_before:], b[n_before:], vals[n_before:], strict=True)))
    repo.save_clusters(session=session, members=res.dirty, version=CLUSTER_VERSION)
    repo.drop_empty_clusters(session=session)
    for cid in res.dirty:  # clusters without indicators now are cleared (res.hits reads [] for them)
        hits = res.hits[cid]
        repo.replace_indicators(session=session, cluster_id=cid, version="network_indicators.v1",
                                hits=[(h.code, h.ads, h.detail) for h in hits])
    for cid, s in res.cluster_scores.items():
        repo.upsert_score(session=session, target="cluster", target_id=cid, score=s.score,
                          model_version=s.version, explanation=s.explanation())
        lead = upsert_lead(session, cluster_id=cid, recs=[records[x] for x in res.dirty[cid]], score=s,
                           cfg=cfg.leads)
        stats.leads_touched += lead is not None
    for aid, s in res.ad_scores.items():
        repo.upsert_score(session=session, target="ad", target_id=aid, score=s.score,
                          model_version=s.version, explanation=s.explanation())
    decision_repo.mark_applied(session=session, decision_ids=[d.id for d in fresh])
    stats.decisions_applied = len(fresh)
    decision_repo.finish_relink_requests(session=session, up_to=relink_upto)
    session.commit()
    index.save(idx_path)
    graph_path.parent.mkdir(parents=True, exist_ok=True)
    with graph_path.open("wb") as fh:
        pickle.dump(graph, fh)
    log.info("link stage: %s", stats)
    return stats
