"""Privacy risk: does the synthetic data sit closer to the training rows than to unseen real rows.

All distances are in the real-fit embedding, on the seeded samples of each table (see ``max_rows``).

* ``dcr_share``: for each synthetic row, is its nearest training row nearer than its nearest holdout row
  (ties count half)? The share is reweighted to what equal-size train and holdout samples would give:
  ``(s / n_train) / (s / n_train + (1 - s) / n_holdout)``. A generator that never saw the train rows puts
  each synthetic row nearest to any of the ``n_train + n_holdout`` real rows with equal chance, so it
  scores 0.5 whatever the sizes; copies score 1. Using the whole train sample (not a holdout-size
  subsample) keeps every copied row visible.
* ``exact_copies``: share of synthetic rows identical (on every compared column) to some training row,
  on all rows; its holdout reference is the holdout's own rate (duplicates that occur naturally).
* ``nndr``: mean ratio of the distances to the nearest and second-nearest training rows; near 0 means
  a synthetic row singles out one training row.
* ``mia_auc``: a distance attack: training rows (members) and holdout rows (non-members), equally many,
  are scored by closeness to the nearest synthetic row; the ROC-AUC of telling them apart. 0.5 is ideal.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.features import auc_aggregate, roc_auc
from synthwise.evaluation.registry import Score, metric


def _dcr_reweight(n_train: int, n_holdout: int) -> Callable[[np.ndarray, np.ndarray], float]:
    def agg(rows: np.ndarray, weights: np.ndarray) -> float:
        s = float(np.average(rows, weights=weights))
        a, b = s / n_train, (1.0 - s) / n_holdout
        return a / (a + b) if a + b > 0 else 0.5

    return agg


@metric("dcr_share", "privacy", "target", (0.0, 1.0), ideal=0.5, needs=("holdout",))
def dcr_share(ctx: Context) -> Score:
    """Share of synthetic rows nearer to a training row than to a holdout row (equal-size). Ideal 0.5.

    Above 0.5 the synthetic data is closer to the rows the generator saw: memorization; 1 is copying.
    """
    d_train = ctx.privacy_cross().s_dist[:, 0]
    d_holdout = ctx.syn_to_holdout()
    closer = np.where(d_train < d_holdout, 1.0, np.where(d_train == d_holdout, 0.5, 0.0))
    n_t, n_h = len(ctx.real.sample()), len(ctx.holdout_sample)
    agg = _dcr_reweight(n_t, n_h)
    value = agg(closer, np.ones(len(closer)))
    details = {
        "raw_share": float(closer.mean()),
        "train_rows": n_t,
        "holdout_rows": n_h,
        "median_dcr_train": float(np.median(d_train)),
        "median_dcr_holdout": float(np.median(d_holdout)),
    }
    return Score(value, details=details, rows=closer, aggregate=agg)


@metric("exact_copies", "privacy", "minimize", (0.0, 1.0))
def exact_copies(ctx: Context) -> Score:
    """Share of synthetic rows identical to a training row. Ideal 0; compare with the holdout's own rate."""
    copies = np.isin(ctx.synthetic.hashes, ctx.real.train.hashes).astype(np.float64)
    return Score(float(copies.mean()), details={"n_copies": int(copies.sum())}, rows=copies)


@metric("nndr", "privacy", "maximize", (0.0, 1.0))
def nndr(ctx: Context) -> Score:
    """Mean nearest / second-nearest training-row distance ratio of synthetic rows. Higher is safer.

    Ideal 1, bounds [0, 1]; a fresh real sample scores about 0.6-0.9 (see the holdout reference); near
    0, rows single out one training row. A row whose two nearest training rows are both at distance 0
    counts 1.
    """
    d = ctx.privacy_cross().s_dist
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(d[:, 1] > 0, d[:, 0] / d[:, 1], 1.0)
    ratio = np.clip(ratio, 0.0, 1.0)
    return Score(float(ratio.mean()), rows=ratio)


@metric("mia_auc", "privacy", "target", (0.0, 1.0), ideal=0.5, needs=("holdout",))
def mia_auc(ctx: Context) -> Score:
    """ROC-AUC of a distance-to-synthetic membership attack (train vs holdout rows). Ideal 0.5, 1 = leak."""
    members = ctx.privacy_cross().r_dist
    others = ctx.holdout_to_syn()
    m = min(len(members), len(others))
    y = np.r_[np.ones(m), np.zeros(m)]
    score = -np.r_[members[:m], others[:m]]
    rows = np.column_stack([y, score])
    return Score(roc_auc(y, score), details={"rows_per_side": m}, rows=rows, aggregate=auc_aggregate(rows))
