"""Sub-linear near-duplicate search over 64-bit photo hashes (multi-index hashing) and photo groups.

Multi-index hashing (Norouzi et al.): each 64-bit pHash is split into ``chunks`` keys; two hashes within
``chunks * (radius + 1) - 1`` bits share at least one chunk within ``radius`` bits, so probing each chunk's
sorted key array for the few keys near the query's chunk finds every candidate without a scan. Candidates
are then verified on all view pairs with both pHash and dHash (``photos.is_duplicate`` rule, vectorised).

Two tables keep matching symmetric and incremental: ``views`` holds every view of every photo and is
probed with a new photo's full view (the new photo is a crop/mirror of an old one); ``fulls`` holds full
views and is probed with all of a new photo's views (an old photo is a crop of the new one).
Duplicate groups come from union-find over verified pairs; a group's id is its oldest (smallest) photo id,
so groups keep their id when they grow and merges keep the oldest id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

N_VIEWS = 14  # 7 crops, plain and mirrored (classifiers.photos.CROPS)


def _single_bit_masks(bits: int, radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        for combo in combinations(range(bits), r):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return np.array(masks, dtype=np.uint64)


@dataclass
class _ChunkTable:
    """Sorted chunk keys -> row numbers of one hash column set, one array pair per chunk."""

    chunks: int
    keys: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def build(self, hashes: np.ndarray) -> None:
        bits = 64 // self.chunks
        mask = np.uint64((1 << bits) - 1)
        self.keys, self.rows = [], []
        for j in range(self.chunks):
            k = (hashes >> np.uint64(j * bits)) & mask
            order = np.argsort(k, kind="stable")
            self.keys.append(k[order])
            self.rows.append(order.astype(np.int64))

    def probe(self, q: np.ndarray, masks: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (query row, table row) candidate pairs sharing a chunk within the mask radius."""
        bits = 64 // self.chunks
        cmask = np.uint64((1 << bits) - 1)
        out_q, out_t = [], []
        for j in range(self.chunks):
            if self.keys[j].size == 0:
                continue
            qk = ((q >> np.uint64(j * bits)) & cmask)[:, None] ^ masks[None, :]
            lo = np.searchsorted(self.keys[j], qk.ravel(), "left")
            hi = np.searchsorted(self.keys[j], qk.ravel(), "right")
            cnt = hi - lo
            cnt[cnt > cap] = 0  # a bucket this full is a flat/placeholder image, not evidence
            total = int(cnt.sum())
            if total == 0:
                continue
            qrow = np.repeat(np.repeat(np.arange(q.size), masks.size), cnt)
            starts = np.repeat(lo - np.concatenate(([0], np.cumsum(cnt)[:-1])), cnt)
            pos = starts + np.arange(total)
            out_q.append(qrow)
            out_t.append(self.rows[j][pos])
        if not out_q:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(out_q), np.concatenate(out_t)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x)


class PhotoIndex:
    """PhotoIndex: photo ids with (pHash, dHash) per view; near-duplicate search and duplicate groups."""

    def __init__(self, *, phash_max: int = 13, dhash_max: int = 18, chunks: int = 4, chunk_radius: int = 1,
                 bucket_cap: int = 5000) -> None:
        self.phash_max, self.dhash_max = phash_max, dhash_max
        self.chunks, self.chunk_radius, self.bucket_cap = chunks, chunk_radius, bucket_cap
        self.ids = np.empty(0, np.int64)
        self.p = np.empty((0, N_VIEWS), np.uint64)
        self.d = np.empty((0, N_VIEWS), np.uint64)
        self.parent = np.empty(0, np.int64)  # union-find over rows
        self._views = _ChunkTable(chunks)
        self._fulls = _ChunkTable(chunks)
        self._masks = _single_bit_masks(64 // chunks, chunk_radius)

    def __len__(self) -> int:
        return int(self.ids.size)

    # -- union-find ---------------------------------------------------------------------------
    def _find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:
            parent[x], x = root, int(parent[x])
        return root

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            # The smaller row (older photo) stays root: group ids are the oldest photo's id.
            if self.ids[ra] < self.ids[rb]:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb

    # -- search -------------------------------------------------------------------------------
    def _verify(self, qp: np.ndarray, qd: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Mask of candidates where some view pair is within both limits."""
        ok = np.zeros(rows.size, bool)
        step = 20000
        for s in range(0, rows.size, step):
            r = rows[s:s + step]
            dp = _popcount(qp[s:s + step, :, None] ^ self.p[r][:, None, :])
            dd = _popcount(qd[s:s + step, :, None] ^ self.d[r][:, None, :])
            ok[s:s + step] = ((dp <= self.phash_max) & (dd <= self.dhash_max)).any(axis=(1, 2))
        return ok

    def query(self, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """query ((query row, index row) arrays): verified near-duplicates of each query photo.

        p, d (uint64 arrays, shape (n, 14)): the query photos' view hashes.
        """
        if len(self) == 0 or p.shape[0] == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        # (1) query full view vs every indexed view, (2) every query view vs indexed full views.
        q1, t1 = self._views.probe(p[:, 0], self._masks, self.bucket_cap)
        # Cheap pre-filter on the probed view pair before the full all-pairs verification.
        keep = _popcount(p[q1, 0] ^ self.p.ravel()[t1]) <= self.phash_max
        q1, t1 = q1[keep], t1[keep] // N_VIEWS
        pr = p.ravel()
        q2, t2 = self._fulls.probe(pr, self._masks, self.bucket_cap)
        keep = _popcount(pr[q2] ^ self.p[t2, 0]) <= self.phash_max
        q2, t2 = q2[keep] // N_VIEWS, t2[keep]
        qs, ts = np.concatenate((q1, q2)), np.concatenate((t1, t2))
        if qs.size == 0:
            return qs, ts
        pair = np.unique(qs.astype(np.int64) * np.int64(len(self) + 1) + ts)
        qs, ts = pair // (len(self) + 1), pair % (len(self) + 1)
        ok = self._verify(p[qs], d[qs], ts)
        return qs[ok], ts[ok]

    def add(self, ids: np.ndarray, p: np.ndarray, d: np.ndarray) -> int:
        """add (int): index new photos (ids increasing is not required), linking them to their duplicates.

        Returns the number of verified duplicate pairs found. Photos already indexed are skipped.
        """
        ids = np.asarray(ids, np.int64)
        if ids.size == 0:
            return 0
        known = np.isin(ids, self.ids)
        ids, p, d = ids[~known], p[~known], d[~known]
        n0 = len(self)
        self.ids = np.concatenate((self.ids, ids))
        self.p = np.vstack((self.p, p.astype(np.uint64)))
        self.d = np.vstack((self.d, d.astype(np.uint64)))
        self.parent = np.concatenate((self.parent, np.arange(n0, len(self), dtype=np.int64)))
        self._rebuild()
        qs, ts = self.query(p, d)
        qs = qs + n0
        keep = qs != ts
        pairs = 0
        for a, b in zip(qs[keep].tolist(), ts[keep].tolist(), strict=True):
            self._union(a, b)
            pairs += 1
        log.info("photo index: %d new photos, %d duplicate pairs, %d indexed", ids.size, pairs // 1, len(self))
        return pairs

    def _rebuild(self) -> None:
        self._views.build(self.p.ravel())
        self._fulls.build(self.p[:, 0])

    def groups(self) -> dict[int, int]:
        """groups (dict): photo id -> duplicate-group id (the group's oldest photo id)."""
        if len(self) == 0:
            return {}
        roots = np.array([self._find(i) for i in range(len(self))], dtype=np.int64)
        # Root may not be the minimum id if ids were added out of order; take the min per root.
        order = np.argsort(roots, kind="stable")
        r_sorted, ids_sorted = roots[order], self.ids[order]
        starts = np.flatnonzero(np.r_[True, r_sorted[1:] != r_sorted[:-1]])
        mins = np.minimum.reduceat(ids_sorted, starts)
        gid = np.repeat(mins, np.diff(np.r_[starts, r_sorted.size]))
        return dict(zip(ids_sorted.tolist(), gid.tolist(), strict=True))

    def group_array(self) -> np.ndarray:
        """group_array (int64 array): group id per indexed row, aligned with ``ids``."""
        g = self.groups()
        return np.array([g[i] for i in self.ids.tolist()], dtype=np.int64)

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """save: write ids, hashes and union-find state; chunk tables are rebuilt on load (seconds)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, ids=self.ids, p=self.p, d=self.d, parent=self.parent,
                 params=np.array([self.phash_max, self.dhash_max, self.chunks, self.chunk_radius,
                                  self.bucket_cap]))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PhotoIndex:
        with np.load(path) as z:
            pm, dm, ch, cr, cap = (int(x) for x in z["params"])
            idx = cls(phash_max=pm, dhash_max=dm, chunks=ch, chunk_radius=cr, bucket_cap=cap)
            idx.ids, idx.p, idx.d, idx.parent = z["ids"], z["p"], z["d"], z["parent"]
        idx._rebuild()
        return idx


def views_to_arrays(views: list[tuple[tuple[int, int], ...]]) -> tuple[np.ndarray, np.ndarray]:
    """views_to_arrays ((p, d)): PhotoHashes.views of many photos as two (n, 14) uint64 arrays."""
    p = np.array([[v[0] for v in vs] for vs in views], dtype=np.uint64).reshape(-1, N_VIEWS)
    d = np.array([[v[1] for v in vs] for vs in views], dtype=np.uint64).reshape(-1, N_VIEWS)
    return p, d
