"""Tails and outliers: does the synthetic data reach the rare parts of the real data, and at what risk.

The rare rows are the most identifiable, so coverage of the tails is reported beside the privacy of
exactly those rows instead of being averaged away:

* ``tail_coverage`` (diversity): the tail rows are the 10 % of the real k-NN sample with the largest
  k-NN radius among real rows (k = 5, the lowest density); the share of them whose k-NN ball holds a
  synthetic row (PRDC coverage restricted to the tail).
* ``quantile_tails`` (diversity): per numeric, datetime and time column, how much of the real mass
  beyond the real 1 % / 99 % quantiles (5 % / 95 % below 1,000 real rows) the synthetic data puts
  there, capped at 1.
* ``rare_combination_recall`` (diversity): over pairs of categorical columns, the real combinations
  held by few real rows (at most 1 % of them, and at least each pair's rarest); the share of them that
  occur in the synthetic data.
* ``tail_privacy`` (privacy): the DCR share of :mod:`synthwise.evaluation.privacy` (nearer a train row
  than a holdout row, ties neutral, calibrated to 0.5 for fresh data) on the synthetic rows whose nearest
  real row is a tail row.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS, compared_columns
from synthwise.evaluation.privacy import closer_share_rows, dcr_reweight, null_share
from synthwise.evaluation.registry import Score, Skip, metric
from synthwise.transforms import DISCRETE_KINDS

TAIL_SHARE = 0.10  # share of the real sample that forms the low-density tail
RARE_SHARE = 0.01  # a combination held by at most this share of the real rows is rare
SMALL_TABLE = 1_000  # below this many real rows, the quantile tails are 5 % / 95 % instead of 1 % / 99 %
MAX_PAIRS = 200  # categorical pairs searched for rare combinations (a seeded choice beyond it)


def tail_mask(ctx: Context, size: int | None = None) -> np.ndarray:
    """Which rows of the real ``sample(size)`` are tail rows: the ``TAIL_SHARE`` (at least one) with
    the largest distance to their k-th nearest real neighbour; ties broken by the canonical order."""

    def compute() -> np.ndarray:
        radii = ctx.real.self_knn(size)[0][:, -1]
        n_tail = max(1, round(TAIL_SHARE * len(radii)))
        order = np.lexsort((np.arange(len(radii)), -radii))
        mask = np.zeros(len(radii), dtype=bool)
        mask[order[:n_tail]] = True
        return mask

    return ctx.real.memo(f"tail_mask:{size}", compute)


@metric("tail_coverage", "diversity", "maximize", (0.0, 1.0))
def tail_coverage(ctx: Context) -> Score:
    """Share of the real low-density tail rows whose k-NN ball holds a synthetic row. Ideal 1, bounds [0, 1].

    The tail is the 10 % of the paired real sample with the largest k-NN radius among real rows; a
    synthetic data set that keeps to the bulk scores low even where overall coverage is high. A fresh
    real sample scores below 1 (see the holdout reference); ``details["coverage_bulk"]`` is the same
    share over the other real rows.
    """
    k = ctx.k()
    m = ctx.pair_size
    radii = ctx.real.self_knn(m)[0][:, k - 1]
    hit = ctx.cross().r_dist <= radii + 1e-12
    tail = tail_mask(ctx, m)
    rows = hit[tail].astype(np.float64)
    bulk = float(hit[~tail].mean()) if (~tail).any() else float("nan")
    details = {"k": k, "tail_rows": int(tail.sum()), "tail_share": TAIL_SHARE, "coverage_bulk": bulk}
    return Score(float(rows.mean()), details=details, rows=rows)


def _tail_share(n_real: int) -> float:
    return 0.05 if n_real < SMALL_TABLE else 0.01


@metric("quantile_tails", "diversity", "maximize", (0.0, 1.0))
def quantile_tails(ctx: Context) -> Score:
    """How far the synthetic data reaches into each numeric column's real tails. Ideal 1, bounds [0, 1].

    Per numeric, datetime and time column and per side, the synthetic share at or beyond the real 1 %
    (99 %) quantile divided by the real share there (5 % / 95 % below 1,000 real rows), capped at 1;
    the value is the mean over columns and sides (missing values left out of both shares). A generator
    that stays inside the real bulk scores near 0; overshooting the tails is not penalized here (the
    marginals are). ``details["columns"]`` has each column's ``[lower, upper]``.
    """
    cols = [c.name for c in compared_columns(ctx.schema) if c.kind in CONTINUOUS_KINDS]
    real, syn = ctx.real.train.codes, ctx.synthetic.codes
    q = _tail_share(len(real))
    names, beyond, present, real_shares = [], [], [], []
    for name in cols:
        r = real[name].to_numpy(dtype=np.float64)
        r = r[~np.isnan(r)]
        if len(r) == 0:
            continue
        s = syn[name].to_numpy(dtype=np.float64)
        low = float(np.quantile(r, q, method="lower"))
        high = float(np.quantile(r, 1.0 - q, method="higher"))
        with np.errstate(invalid="ignore"):
            for side, r_in, s_in in (("lower", r <= low, s <= low), ("upper", r >= high, s >= high)):
                names.append((name, side))
                beyond.append(s_in)  # NaN compares False
                present.append(~np.isnan(s))
                real_shares.append(float(r_in.mean()))
    if not names:
        raise Skip("no numeric, datetime or time column with values in the real data")
    rows = np.column_stack([np.column_stack(beyond), np.column_stack(present)]).astype(np.float64)
    ratio_of_real = np.asarray(real_shares)
    n_parts = len(names)

    def parts(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        sums = np.asarray(weights, dtype=np.float64) @ rows
        share = sums[:n_parts] / np.maximum(sums[n_parts:], 1e-300)
        return np.asarray(np.minimum(1.0, share / ratio_of_real))

    def aggregate(rows: np.ndarray, weights: np.ndarray) -> float:
        return float(parts(rows, weights).mean())

    each = parts(rows, np.ones(len(rows)))
    by_column = {name: [0.0, 0.0] for name, _ in names}
    for (name, side), value in zip(names, each, strict=True):
        by_column[name][0 if side == "lower" else 1] = float(value)
    details = {"quantile": q, "columns": by_column}
    return Score(float(each.mean()), details=details, rows=rows, aggregate=aggregate)


def _pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One integer per (a, b) code pair; missing is a level of its own (-2), unseen stays -1."""
    a = np.where(np.isnan(a), -2.0, a).astype(np.int64) + 2
    b = np.where(np.isnan(b), -2.0, b).astype(np.int64) + 2
    return a * (1 << 32) + b


@metric("rare_combination_recall", "diversity", "maximize", (0.0, 1.0))
def rare_combination_recall(ctx: Context) -> Score:
    """Share of the real rare category combinations that occur in the synthetic data. Ideal 1, bounds [0, 1].

    Over pairs of categorical (and boolean) columns (a seeded 200 of them on wide tables), a real
    combination is rare when at most 1 % of the real rows hold it; each pair's rarest combinations
    count too, so that every pair contributes. The synthetic side is cut to the real train's size
    (a seeded subsample), so oversampling does not buy recall; the holdout reference comes from a
    smaller table and therefore sits lower. ``details["by_pair"]`` has each pair's share.
    """
    cols = [c.name for c in compared_columns(ctx.schema) if c.kind in DISCRETE_KINDS]
    pairs = list(combinations(cols, 2))
    if not pairs:
        raise Skip("needs at least two categorical or boolean columns")
    if len(pairs) > MAX_PAIRS:
        pick = ctx.rng("diversity.rare_combination_recall").choice(len(pairs), MAX_PAIRS, replace=False)
        pairs = [pairs[i] for i in np.sort(pick)]
    real = ctx.real.train.codes
    syn = ctx.synthetic.head(len(real)).codes
    limit = RARE_SHARE * len(real)
    found: list[np.ndarray] = []
    by_pair: dict[str, float] = {}
    for a, b in pairs:
        ra, rb = real[a].to_numpy(dtype=np.float64), real[b].to_numpy(dtype=np.float64)
        keys, counts = np.unique(_pair_keys(ra, rb), return_counts=True)
        rare = keys[(counts <= limit) | (counts == counts.min())]
        sa, sb = syn[a].to_numpy(dtype=np.float64), syn[b].to_numpy(dtype=np.float64)
        hit = np.isin(rare, _pair_keys(sa, sb)).astype(np.float64)
        found.append(hit)
        by_pair[f"{a} x {b}"] = float(hit.mean())
    rows = np.concatenate(found)
    details = {
        "pairs": len(pairs),
        "rare_combinations": len(rows),
        "rare_share": RARE_SHARE,
        "by_pair": by_pair,
    }
    return Score(float(rows.mean()), details=details, rows=rows)


@metric("tail_privacy", "privacy", "target", (0.0, 1.0), ideal=0.5, needs=("holdout",))
def tail_privacy(ctx: Context) -> Score:
    """DCR share of the synthetic rows whose nearest real row is a tail row. Ideal 0.5, bounds [0, 1].

    The privacy of exactly the rows that ``tail_coverage`` asks for: among the synthetic rows whose
    nearest real-sample row is one of its 10 % lowest-density rows, the share nearer a training row
    than a holdout row (ties neutral), calibrated as ``dcr_share`` is (fresh data 0.5, copies 1), in the
    embedding. Above 0.5 the generator reaches the tails by reproducing the rare training rows.
    ``details["all_rows"]`` is the same share over every synthetic row, for the trade-off.
    """
    cross = ctx.privacy_cross()
    d_train, d_holdout = cross.s_dist[:, 0], ctx.syn_to_holdout()
    n_t, n_h = len(ctx.real.sample()), len(ctx.holdout_sample)
    agg = dcr_reweight(n_t, n_h)
    near_tail = tail_mask(ctx)[cross.s_idx[:, 0]]
    if not near_tail.any():
        raise Skip("no synthetic row has a low-density real row as its nearest real row")
    closer = closer_share_rows(d_train, d_holdout, null_share(n_t, n_h))
    rows = closer[near_tail]
    details = {
        "synthetic_rows": int(near_tail.sum()),
        "synthetic_share": float(near_tail.mean()),
        "raw_share": float(rows.mean()),
        "all_rows": agg(closer, np.ones(len(closer))),
    }
    return Score(agg(rows, np.ones(len(rows))), details=details, rows=rows, aggregate=agg)
