"""Bootstrap confidence intervals from per-row contributions (no model is refitted)."""

from __future__ import annotations

import numpy as np

from synthwise.evaluation.registry import Score


def bootstrap_ci(
    score: Score, rng: np.random.Generator, *, n_resamples: int, level: float
) -> tuple[float, float] | None:
    """Percentile interval of ``score`` over ``n_resamples`` resamples of its rows; None without rows.

    Each resample is drawn as counts per row (the same distribution as resampling rows). The interval is
    widened to include the value itself: scores such as ``1 - 2 mean|P - alpha|`` sit at an edge of
    their bootstrap distribution, where a plain percentile interval can miss the estimate.
    """
    rows = score.rows
    if rows is None or len(rows) < 2 or n_resamples < 2:
        return None
    n = len(rows)
    values = np.array(
        [score.recompute(np.bincount(rng.integers(0, n, size=n), minlength=n)) for _ in range(n_resamples)]
    )
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(min(low, score.value)), float(max(high, score.value))
