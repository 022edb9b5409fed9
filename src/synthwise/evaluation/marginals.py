"""Marginals: is each column, alone, distributed like the real column.

Numeric and datetime columns score ``1 - KS`` (the largest gap between the two empirical CDFs) with
missing values placed below every value, so a different missing rate moves the score too. Categorical
and boolean columns score ``1 - TVD`` (half the summed absolute gaps between category shares) with
missing and never-seen categories as categories of their own. A long-tail categorical (schema
``min_count``) compares its frequent values and the share of its tail (one category, whatever values
fill it), not thousands of levels. All on every row (no subsampling).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS, compared_columns
from synthwise.evaluation.registry import Score, Skip, metric


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic; NaN counts as a value below every other."""
    return ks_sorted(_sorted(a), _sorted(b))


def _sorted(v: np.ndarray) -> np.ndarray:
    return np.sort(np.where(np.isnan(v), -np.inf, v))


def ks_sorted(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`ks_statistic` of two samples already sorted with NaN as ``-inf``."""
    if len(a) == 0 or len(b) == 0:
        return 1.0
    grid = np.concatenate([a, b])
    gap = np.searchsorted(a, grid, "right") / len(a) - np.searchsorted(b, grid, "right") / len(b)
    return float(np.max(np.abs(gap)))


def category_shares(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Shares of codes 0..K-1, then missing (NaN), then unseen (-1): length K + 2."""
    idx = np.where(np.isnan(codes), n_categories, codes)
    idx = np.where(idx < 0, n_categories + 1, idx).astype(np.int64)
    counts = np.bincount(idx, minlength=n_categories + 2).astype(np.float64)
    return counts / max(1.0, counts.sum())


def tvd(p: np.ndarray, q: np.ndarray) -> float:
    """Total variation distance between two share vectors of equal length."""
    return float(0.5 * np.abs(p - q).sum())


def column_scores(ctx: Context) -> dict[str, float]:
    """Per compared column: 1 - KS (numeric, datetime) or 1 - TVD (categorical, boolean)."""

    def compute() -> dict[str, float]:
        out: dict[str, float] = {}
        real, syn = ctx.real.train.codes, ctx.synthetic.codes
        for col in compared_columns(ctx.schema):
            a, b = real[col.name].to_numpy(), syn[col.name].to_numpy()
            if col.kind in CONTINUOUS_KINDS:  # the real column sorted once for every context
                real_sorted = ctx.real.memo(f"marginals:sorted:{col.name}", partial(_sorted, a))
                out[col.name] = 1.0 - ks_sorted(real_sorted, _sorted(b))
            else:
                k = len(col.categories)
                out[col.name] = 1.0 - tvd(category_shares(a, k), category_shares(b, k))
        if not out:
            raise Skip("no numeric, datetime or categorical column to compare")
        return out

    return ctx.memo("marginals", compute)


@metric("marginals", "fidelity", "maximize", (0.0, 1.0))
def marginals(ctx: Context) -> Score:
    """Mean over columns of 1 - KS (numeric) or 1 - TVD (categorical), missing rate included. Ideal 1."""
    scores = column_scores(ctx)
    return Score(float(np.mean(list(scores.values()))), details={"columns": scores})


@metric("marginals_worst", "fidelity", "maximize", (0.0, 1.0))
def marginals_worst(ctx: Context) -> Score:
    """The lowest per-column marginal score (1 - KS or 1 - TVD). Ideal 1; ``details`` names the column."""
    scores = column_scores(ctx)
    name = min(scores, key=lambda c: (scores[c], c))
    return Score(scores[name], details={"column": name})
