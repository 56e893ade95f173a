"""Sub-linear near-duplicate search over 64-bit photo hashes (multi-index hashing) and photo groups.

Multi-index hashing (Norouzi et al.): each 64-bit pHash is split into ``chunks`` keys; two hashes within
``chunks * (radius + 1) - 1`` bits share at least one chunk within ``radius`` bits, so probing each chunk's
sorted key array for the keys near the query's chunk finds every such candidate without a scan; pairs
further apart are found whenever some chunk of some view pair survived intact (views multiply the
chances). Candidates are verified on the view pairs with a full view on one side, with both pHash and
dHash and the pair's mirrored counterpart (``photos.is_duplicate`` rule, vectorised).

Cost: a random hash meets ``entries / 2**chunk_bits`` chance candidates per probed key, so the chunk width
must grow with the index (``log2(entries)`` bits, Norouzi et al.): 3 chunks of 21-22 bits keep chance
candidates at a few per photo up to ~10M photos; chance candidates grow linearly with the views per photo
(22 since hash version v2, 14 before), which keeps the search near-linear.

Two tables keep matching symmetric and incremental: ``views`` holds every view of every photo and is
probed with a new photo's full view (the new photo is a crop/mirror of an old one); ``fulls`` holds full
views and is probed with all of a new photo's views (an old photo is a crop of the new one).
Duplicate groups come from a vectorised union-find (connected components over verified pairs and the
existing groups); a group's id is its oldest (smallest) photo id, so groups keep their id when they grow
and merges keep the oldest id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from classifiers.photos import MIRROR_OF, N_VIEWS  # views per photo: the crops of photos.CROPS, plain and mirrored

log = logging.getLogger(__name__)

QUERY_BATCH = 20000  # query photos per probing batch (bounds candidate memory)


def _chunk_bounds(chunks: int) -> list[tuple[int, int]]:
    """(shift, bits) of each chunk: 64 bits split as evenly as possible."""
    out, shift = [], 0
    for j in range(chunks):
        bits = 64 // chunks + (1 if j < 64 % chunks else 0)
        out.append((shift, bits))
        shift += bits
    return out


def _bit_masks(bits: int, radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        for combo in combinations(range(bits), r):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return np.array(masks, dtype=np.uint32)


@dataclass
class _ChunkTable:
    """Sorted chunk keys (uint32) -> row numbers (int32) of one hash column, one array pair per chunk."""

    chunks: int
    keys: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    offs: list[np.ndarray] = field(default_factory=list)  # bucket start per chunk key value (direct lookup)

    def _offsets(self) -> None:
        """Bucket offsets: keys == v occupy [offs[v], offs[v + 1]); O(1) probes instead of binary search
        (random binary searches into 14M keys were the dominant cost at 1M photos)."""
        self.offs = []
        for j, (_, bits) in enumerate(_chunk_bounds(self.chunks)):
            cnt = np.bincount(self.keys[j], minlength=1 << bits)
            self.offs.append(np.concatenate(([0], np.cumsum(cnt))).astype(np.int64))

    def _key(self, h: np.ndarray, j: int) -> np.ndarray:
        shift, bits = _chunk_bounds(self.chunks)[j]
        return ((h >> np.uint64(shift)) & np.uint64((1 << bits) - 1)).astype(np.uint32)

    def build(self, hashes: np.ndarray) -> None:
        self.keys, self.rows = [], []
        for j in range(self.chunks):
            k = self._key(hashes, j)
            order = np.argsort(k, kind="stable").astype(np.int32)
            self.keys.append(k[order])
            self.rows.append(order)
        self._offsets()

    def extend(self, hashes: np.ndarray, start: int | np.ndarray) -> None:
        """Add rows ``start..`` (or the given row numbers): merge into the sorted arrays, O(n), no re-sort."""
        rows = (np.arange(hashes.size) + start if np.isscalar(start) else np.asarray(start)).astype(np.int32)
        if not self.keys:
            self.build(hashes)
            self.rows = [rows[r] for r in self.rows]
            return
        for j in range(self.chunks):
            k = self._key(hashes, j)
            order = np.argsort(k, kind="stable")
            nk, nr = k[order], rows[order]
            pos = np.searchsorted(self.keys[j], nk, "right")
            self.keys[j] = np.insert(self.keys[j], pos, nk)
            self.rows[j] = np.insert(self.rows[j], pos, nr)
        self._offsets()

    def probe(self, q: np.ndarray, radius: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (query row, table row) candidate pairs sharing a chunk within ``radius`` bits."""
        out_q, out_t = [], []
        for j, (_, bits) in enumerate(_chunk_bounds(self.chunks)):
            if not self.keys or self.keys[j].size == 0:
                continue
            masks = _bit_masks(bits, radius)
            qk = (self._key(q, j)[:, None] ^ masks[None, :]).ravel()
            lo = self.offs[j][qk]
            cnt = self.offs[j][qk.astype(np.int64) + 1] - lo
            cnt[cnt > cap] = 0  # a bucket this full is a flat/placeholder image, not evidence
            total = int(cnt.sum())
            if total == 0:
                continue
            qrow = np.repeat(np.repeat(np.arange(q.size), masks.size), cnt)
            starts = np.repeat(lo - np.concatenate(([0], np.cumsum(cnt)[:-1])), cnt)
            out_q.append(qrow)
            out_t.append(self.rows[j][starts + np.arange(total)])
        if not out_q:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(out_q), np.concatenate(out_t).astype(np.int64)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x)


def _fingerprint(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """64-bit fingerprint of all view hashes of each photo (exact-copy detection)."""
    h = np.full(p.shape[0], np.uint64(0xCBF29CE484222325), np.uint64)
    with np.errstate(over="ignore"):
        for col in (*p.T, *d.T):
            h = (h ^ col) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    return h


class PhotoIndex:
    """PhotoIndex: photo ids with (pHash, dHash) per view; near-duplicate search and duplicate groups."""

    def __init__(self, *, phash_max: int = 13, dhash_max: int = 18, chunks: int = 3, chunk_radius: int = 1,
                 bucket_cap: int = 5000) -> None:
        self.phash_max, self.dhash_max = phash_max, dhash_max
        self.chunks, self.chunk_radius, self.bucket_cap = chunks, chunk_radius, bucket_cap
        self.ids = np.empty(0, np.int64)
        self.n_views = N_VIEWS  # columns of p/d; an empty index takes the width of the first photos added
        self.p = np.empty((0, N_VIEWS), np.uint64)
        self.d = np.empty((0, N_VIEWS), np.uint64)
        self.root = np.empty(0, np.int64)  # row of the group's oldest photo, per row
        self._views = _ChunkTable(chunks)
        self._fulls = _ChunkTable(chunks)
        self._fp = np.empty(0, np.uint64)  # sorted fingerprints of indexed (non-copy) photos
        self._fp_row = np.empty(0, np.int64)
        self._copy_rep = np.empty(0, np.int64)  # exact copies (not in the chunk tables), sorted by original
        self._copy_row = np.empty(0, np.int64)

    def __len__(self) -> int:
        return int(self.ids.size)

    def _check_width(self, p: np.ndarray, d: np.ndarray) -> None:
        """Hashes of another view layout (an older HASH_VERSION) cannot be compared: fail loudly."""
        if p.ndim != 2 or p.shape[1] != self.n_views or d.shape != p.shape:
            raise ValueError(f"photo hashes have shape {p.shape}/{d.shape}, index expects (n, {self.n_views}) views; "
                             "rehash photos with the current classifiers.photos.HASH_VERSION")

    # -- search -------------------------------------------------------------------------------
    def _verify(self, qp: np.ndarray, qd: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Mask of candidates where some view pair with a full view on one side is within both limits."""
        ok = np.zeros(rows.size, bool)
        step = 20000
        pm, dm, nv = self.phash_max, self.dhash_max, self.n_views
        # the mirrored counterpart of each view (no corroboration for another view layout, e.g. synthetic tests)
        mir = np.array(MIRROR_OF) if nv == N_VIEWS else np.arange(nv)
        for s in range(0, rows.size, step):
            r = rows[s:s + step]
            ap, ad, bp, bd = qp[s:s + step], qd[s:s + step], self.p[r], self.d[r]

            def near(xp: np.ndarray, xd: np.ndarray, yp: np.ndarray, yd: np.ndarray) -> np.ndarray:
                return (_popcount(xp ^ yp) <= pm) & (_popcount(xd ^ yd) <= dm)

            h = int(mir[0])
            # query full view vs every indexed view, every query view vs the indexed full view; each pair
            # only counts when its mirrored counterpart (mirrored full view vs mirrored view) agrees
            m1 = near(ap[:, :1], ad[:, :1], bp, bd) & near(ap[:, h:h + 1], ad[:, h:h + 1], bp[:, mir], bd[:, mir])
            m2 = near(ap, ad, bp[:, :1], bd[:, :1]) & near(ap[:, mir], ad[:, mir], bp[:, h:h + 1], bd[:, h:h + 1])
            ok[s:s + step] = m1.any(axis=1) | m2.any(axis=1)
        return ok

    def query(self, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """query ((query row, index row) arrays): verified near-duplicates of each query photo.

        p, d (uint64 arrays, shape (n, n_views)): the query photos' view hashes. Probed in batches.
        """
        if len(self):
            self._check_width(p, d)
        qs, ts = self._query_reps(p, d)
        if self._copy_rep.size == 0 or ts.size == 0:
            return qs, ts
        # Exact copies are not in the chunk tables: a match with their original is a match with them.
        lo = np.searchsorted(self._copy_rep, ts, "left")
        cnt = np.searchsorted(self._copy_rep, ts, "right") - lo
        total = int(cnt.sum())
        if total == 0:
            return qs, ts
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(cnt)[:-1])), cnt)
        return (np.concatenate((qs, np.repeat(qs, cnt))),
                np.concatenate((ts, self._copy_row[starts + np.arange(total)])))

    def _query_reps(self, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(self) == 0 or p.shape[0] == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        outq, outt = [], []
        for s in range(0, p.shape[0], QUERY_BATCH):
            q, t = self._query_batch(p[s:s + QUERY_BATCH], d[s:s + QUERY_BATCH])
            outq.append(q + s)
            outt.append(t)
        return np.concatenate(outq), np.concatenate(outt)

    def _query_batch(self, p: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, cap = self.chunk_radius, self.bucket_cap
        # (1) query full view vs every indexed view, (2) every query view vs indexed full views.
        q1, t1 = self._views.probe(p[:, 0], r, cap)
        # Cheap pre-filter on the probed view pair before the full all-pairs verification.
        keep = _popcount(p[q1, 0] ^ self.p.ravel()[t1]) <= self.phash_max
        q1, t1 = q1[keep], t1[keep] // self.n_views
        pr = p.ravel()
        q2, t2 = self._fulls.probe(pr, r, cap)
        keep = _popcount(pr[q2] ^ self.p[t2, 0]) <= self.phash_max
        q2, t2 = q2[keep] // self.n_views, t2[keep]
        qs, ts = np.concatenate((q1, q2)), np.concatenate((t1, t2))
        if qs.size == 0:
            return qs, ts
        n = np.int64(len(self) + 1)
        pair = np.unique(qs.astype(np.int64) * n + ts)
        qs, ts = pair // n, pair % n
        ok = self._verify(p[qs], d[qs], ts)
        return qs[ok], ts[ok]

    def _exact(self, p: np.ndarray, d: np.ndarray, n0: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact copies (identical view hashes: the same file, e.g. a site placeholder): (new row, earlier row).

        Only the first photo with a given fingerprint is put in the chunk tables and probed; its copies
        join its group directly, so k identical placeholders cost O(k), not O(k^2) candidate pairs.
        """
        fp = _fingerprint(p, d)
        order = np.lexsort((np.arange(fp.size), fp))
        fs = fp[order]
        first = np.r_[True, fs[1:] != fs[:-1]]
        rep_in_batch = order[np.maximum.accumulate(np.where(first, np.arange(fs.size), 0))]
        rep = np.empty(fp.size, np.int64)
        rep[order] = rep_in_batch + n0
        pos = np.searchsorted(self._fp, fp)
        ok = pos < self._fp.size
        ok[ok] = self._fp[pos[ok]] == fp[ok]
        rep[ok] = self._fp_row[pos[ok]]
        rows = np.arange(fp.size) + n0
        dup = rep != rows
        # A fingerprint collision between different hashes must not merge: check the rows are identical.
        if dup.any():
            rp = np.where(rep[dup] >= n0, 0, rep[dup])
            same = np.ones(int(dup.sum()), bool)
            old = rep[dup] < n0
            same[old] = (self.p[rp[old]] == p[dup][old]).all(axis=1) & (self.d[rp[old]] == d[dup][old]).all(axis=1)
            new_ = ~old
            rb = rep[dup][new_] - n0
            same[new_] = (p[rb] == p[dup][new_]).all(axis=1) & (d[rb] == d[dup][new_]).all(axis=1)
            idx = np.flatnonzero(dup)
            dup[idx[~same]] = False
            rep[idx[~same]] = rows[idx[~same]]
        newfp = ~dup & ~ok
        if newfp.any():
            u, first_i = np.unique(fp[newfp], return_index=True)
            r = rows[newfp][first_i]
            at = np.searchsorted(self._fp, u)
            self._fp = np.insert(self._fp, at, u)
            self._fp_row = np.insert(self._fp_row, at, r)
        if dup.any():
            cr, cw = np.concatenate((self._copy_rep, rep[dup])), np.concatenate((self._copy_row, rows[dup]))
            o = np.argsort(cr, kind="stable")
            self._copy_rep, self._copy_row = cr[o], cw[o]
        return rows[dup], rep[dup]

    def add(self, ids: np.ndarray, p: np.ndarray, d: np.ndarray) -> int:
        """add (int): index new photos (ids increasing is not required), linking them to their duplicates.

        Returns the number of verified duplicate pairs found (exact copies count once each). Photos
        already indexed are skipped.
        """
        ids = np.asarray(ids, np.int64)
        if ids.size == 0:
            return 0
        if len(self) == 0:
            self.n_views = int(p.shape[1])
            self.p = np.empty((0, self.n_views), np.uint64)
            self.d = np.empty((0, self.n_views), np.uint64)
        self._check_width(p, d)
        known = np.isin(ids, self.ids)
        ids, p, d = ids[~known], p[~known].astype(np.uint64), d[~known].astype(np.uint64)
        n0 = len(self)
        self.ids = np.concatenate((self.ids, ids))
        self.p = np.vstack((self.p, p))
        self.d = np.vstack((self.d, d))
        self.root = np.concatenate((self.root, np.arange(n0, len(self), dtype=np.int64)))
        ea, eb = self._exact(p, d, n0)
        uniq = np.ones(ids.size, bool)
        uniq[ea - n0] = False
        ur = np.flatnonzero(uniq)
        up = p[ur]
        nv = self.n_views
        self._views.extend(up.ravel(), ((ur + n0)[:, None] * nv + np.arange(nv)[None, :]).ravel())
        self._fulls.extend(up[:, 0], ur + n0)
        qs, ts = self._query_reps(up, d[ur])
        qs = ur[qs] + n0
        keep = qs != ts
        a, b = np.concatenate((qs[keep], ea)), np.concatenate((ts[keep], eb))
        self._merge(a, b)
        log.info("photo index: %d new photos (%d exact copies), %d duplicate pairs, %d indexed", ids.size, ea.size,
                 int(a.size), len(self))
        return int(a.size)

    def _merge(self, a: np.ndarray, b: np.ndarray) -> None:
        """Vectorised union: connected components over the groups the pairs touch; oldest id becomes root."""
        if a.size == 0:
            return
        ra, rb = self.root[a], self.root[b]
        nodes, inv = np.unique(np.concatenate((ra, rb)), return_inverse=True)
        k = nodes.size
        g = coo_matrix((np.ones(a.size, np.int8), (inv[:a.size], inv[a.size:])), shape=(k, k))
        _, lab = connected_components(g, directed=False)
        # New root per component: the node with the smallest photo id.
        order = np.lexsort((self.ids[nodes], lab))
        first = np.flatnonzero(np.r_[True, lab[order][1:] != lab[order][:-1]])
        comp_root = np.empty(lab.max() + 1, np.int64)
        comp_root[lab[order][first]] = nodes[order][first]
        new_root_of_node = comp_root[lab]
        moved = nodes != new_root_of_node
        if not moved.any():
            return
        pos = np.searchsorted(nodes, self.root)
        hit = (pos < k) & (nodes[np.minimum(pos, k - 1)] == self.root)
        self.root[hit] = new_root_of_node[pos[hit]]

    def group_array(self) -> np.ndarray:
        """group_array (int64 array): group id (oldest photo id) per indexed row, aligned with ``ids``."""
        return self.ids[self.root]

    def group_map(self) -> GroupMap:
        """group_map (GroupMap): photo id -> group id as a read-only mapping over two sorted columns."""
        return GroupMap(self.ids, self.group_array())

    def groups(self) -> dict[int, int]:
        """groups (dict): photo id -> duplicate-group id (the group's oldest photo id)."""
        return dict(zip(self.ids.tolist(), self.group_array().tolist(), strict=True))

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """save: write ids, hashes and group roots; chunk tables are rebuilt on load (seconds)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, ids=self.ids, p=self.p, d=self.d, root=self.root,
                 params=np.array([self.phash_max, self.dhash_max, self.chunks, self.chunk_radius,
                                  self.bucket_cap]))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PhotoIndex:
        with np.load(path) as z:
            pm, dm, ch, cr, cap = (int(x) for x in z["params"])
            idx = cls(phash_max=pm, dhash_max=dm, chunks=ch, chunk_radius=cr, bucket_cap=cap)
            idx.ids, idx.p, idx.d = z["ids"], z["p"], z["d"]
            idx.n_views = int(idx.p.shape[1])
            idx.root = z["root"] if "root" in z else np.arange(idx.ids.size, dtype=np.int64)
        n = idx.ids.size
        ea, _ = idx._exact(idx.p, idx.d, 0) if n else (np.empty(0, np.int64), None)
        uniq = np.ones(n, bool)
        uniq[ea] = False
        ur = np.flatnonzero(uniq)
        if n:
            nv = idx.n_views
            idx._views.extend(idx.p[ur].ravel(), (ur[:, None] * nv + np.arange(nv)[None, :]).ravel())
            idx._fulls.extend(idx.p[ur, 0], ur)
        return idx


class GroupMap(Mapping[int, int]):
    """GroupMap: photo id -> duplicate-group id over sorted numpy columns (no per-photo Python objects)."""

    def __init__(self, ids: np.ndarray, groups: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids, self.group = ids[order], groups[order]

    def __getitem__(self, pid: int) -> int:
        i = int(np.searchsorted(self.ids, pid))
        if i >= self.ids.size or self.ids[i] != pid:
            raise KeyError(pid)
        return int(self.group[i])

    def __contains__(self, pid: object) -> bool:
        try:
            self[pid]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return int(self.ids.size)

    def subset(self, pids: list[int]) -> dict[int, int]:
        """subset (dict): photo id -> group for the given ids that are indexed (vectorised lookup)."""
        q = np.asarray(pids, np.int64)
        if q.size == 0 or self.ids.size == 0:
            return {}
        pos = np.minimum(np.searchsorted(self.ids, q), self.ids.size - 1)
        ok = self.ids[pos] == q
        return dict(zip(q[ok].tolist(), self.group[pos[ok]].tolist(), strict=True))


def views_to_arrays(views: list[tuple[tuple[int, int], ...]]) -> tuple[np.ndarray, np.ndarray]:
    """views_to_arrays ((p, d)): PhotoHashes.views of many photos as two (n, N_VIEWS) uint64 arrays."""
    p = np.array([[v[0] for v in vs] for vs in views], dtype=np.uint64).reshape(-1, N_VIEWS)
    d = np.array([[v[1] for v in vs] for vs in views], dtype=np.uint64).reshape(-1, N_VIEWS)
    return p, d
