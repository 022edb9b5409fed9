"""Pairs: is every pair of columns related like in the real data.

Two numeric (or datetime) columns score ``1 - |Spearman_real - Spearman_synthetic| / 2``. A pair with a
categorical column scores ``1 - TVD`` of the joint table, numerics cut into bins at the real deciles
(missing a bin of its own) and categoricals kept to their 20 most frequent real levels plus "other".
All on every row (no subsampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS, compared_columns
from synthwise.evaluation.registry import Score, Skip, metric

N_BINS = 10
MAX_LEVELS = 20


def spearman_matrix(x: np.ndarray) -> np.ndarray:
    """Spearman correlations of the columns of ``x``; 0 where undefined (a constant column).

    Each column is ranked once over its non-missing values; a pair with missing values is then the
    Pearson correlation of those ranks over the rows where both are present (the exact Spearman
    correlation when nothing is missing, and very close to the pairwise-complete one otherwise).
    """
    n, p = x.shape
    out = np.eye(p)
    if p == 0 or n == 0:
        return out
    missing = np.isnan(x)
    ranks = np.where(missing, np.nan, rankdata(np.where(missing, np.inf, x), axis=0))
    complete = ~missing.any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.flatnonzero(complete)
        if len(idx) > 1:
            out[np.ix_(idx, idx)] = np.corrcoef(ranks[:, idx], rowvar=False)
        for i, j in combinations(range(p), 2):
            if complete[i] and complete[j]:
                continue
            ok = ~missing[:, i] & ~missing[:, j]
            r = float(np.corrcoef(ranks[ok, i], ranks[ok, j])[0, 1]) if ok.sum() >= 3 else 0.0
            out[i, j] = out[j, i] = r
    return np.nan_to_num(out, nan=0.0)


def _bins(real: np.ndarray, values: np.ndarray, *, continuous: bool) -> tuple[np.ndarray, int]:
    """Integer bins from the real data: deciles for numerics, top levels for categoricals."""
    if continuous:
        finite = real[~np.isnan(real)]
        edges = (
            np.unique(np.quantile(finite, np.linspace(0, 1, N_BINS + 1)[1:-1]))
            if len(finite)
            else np.zeros(0)
        )
        out = np.searchsorted(edges, np.nan_to_num(values), side="right")
        out[np.isnan(values)] = len(edges) + 1
        return out, len(edges) + 2
    codes = np.where(np.isnan(real), -2, real).astype(np.int64)
    levels, counts = np.unique(codes[codes >= 0], return_counts=True)
    top = levels[np.argsort(-counts, kind="stable")[:MAX_LEVELS]]
    lookup = {int(c): i for i, c in enumerate(top)}
    other, missing = len(top), len(top) + 1
    v = np.where(np.isnan(values), -2, values).astype(np.int64)
    return _map_codes(v, lookup, other, missing), len(top) + 2


def _map_codes(v: np.ndarray, lookup: dict[int, int], other: int, missing: int) -> np.ndarray:
    if len(v) == 0:
        return v
    uniq, inverse = np.unique(v, return_inverse=True)
    mapped = np.array([lookup.get(int(c), missing if c == -2 else other) for c in uniq], dtype=np.int64)
    return mapped[inverse.reshape(-1)]


def _spearman(codes: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return spearman_matrix(codes[columns].to_numpy(dtype=np.float64)) if columns else np.eye(0)


@dataclass
class PairScores:
    columns: list[str]
    scores: dict[tuple[str, str], float]
    rho_real: np.ndarray  # Spearman over the continuous columns
    rho_syn: np.ndarray
    continuous: list[str]


def pair_scores(ctx: Context) -> PairScores:
    """Every pair's score for this context (computed once)."""

    def compute() -> PairScores:
        cols = compared_columns(ctx.schema)
        if len(cols) < 2:
            raise Skip("needs at least two comparable columns")
        real, syn = ctx.real.train.codes, ctx.synthetic.codes
        cont = [c.name for c in cols if c.kind in CONTINUOUS_KINDS]
        # the real side's correlations and bins are the same in every context of an evaluation
        rho_r = ctx.real.memo("pairs:spearman", lambda: _spearman(real, cont))
        real_bins = ctx.real.memo(
            "pairs:bins",
            lambda: {
                c.name: _bins(
                    real[c.name].to_numpy(), real[c.name].to_numpy(), continuous=c.kind in CONTINUOUS_KINDS
                )
                for c in cols
            },
        )
        rho_s = _spearman(syn, cont)
        pos = {name: i for i, name in enumerate(cont)}
        binned = {}
        for c in cols:
            r = real[c.name].to_numpy()
            rb, size = real_bins[c.name]
            sb, _ = _bins(r, syn[c.name].to_numpy(), continuous=c.kind in CONTINUOUS_KINDS)
            binned[c.name] = (rb, sb, size)
        scores: dict[tuple[str, str], float] = {}
        for a, b in combinations(cols, 2):
            if a.name in pos and b.name in pos:
                diff = abs(rho_r[pos[a.name], pos[b.name]] - rho_s[pos[a.name], pos[b.name]])
                scores[(a.name, b.name)] = float(1.0 - diff / 2.0)
                continue
            ra, sa, na = binned[a.name]
            rb, sb, nb = binned[b.name]
            p = np.bincount(ra * nb + rb, minlength=na * nb) / max(1, len(ra))
            q = np.bincount(sa * nb + sb, minlength=na * nb) / max(1, len(sa))
            scores[(a.name, b.name)] = float(1.0 - 0.5 * np.abs(p - q).sum())
        return PairScores([c.name for c in cols], scores, rho_r, rho_s, cont)

    return ctx.memo("pairs", compute)


@metric("pairs", "fidelity", "maximize", (0.0, 1.0))
def pairs(ctx: Context) -> Score:
    """Mean over column pairs of 1 - |delta Spearman| / 2 (numeric) or 1 - TVD of the joint table. Ideal 1."""
    ps = pair_scores(ctx)
    return Score(float(np.mean(list(ps.scores.values()))), details={"n_pairs": len(ps.scores)})


@metric("pairs_worst", "fidelity", "maximize", (0.0, 1.0))
def pairs_worst(ctx: Context) -> Score:
    """The lowest pair score. Ideal 1; ``details`` names the pair."""
    ps = pair_scores(ctx)
    (a, b), value = min(ps.scores.items(), key=lambda kv: (kv[1], kv[0]))
    return Score(value, details={"pair": [a, b]})
