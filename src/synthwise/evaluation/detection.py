"""Detection: can a classifier tell synthetic rows from real ones.

A histogram gradient-boosting classifier is trained on equal numbers of real and synthetic rows (at
most ``detection_rows`` each, the first of the canonical order) with 3-fold cross-validation; the score
is the ROC-AUC of its out-of-fold predictions. 0.5 is ideal (indistinguishable), 1 means every synthetic
row is recognised. The folds are taken by canonical position, so the result does not depend on row order.
"""

from __future__ import annotations

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.features import (
    auc_aggregate,
    boosting_params,
    fill_empty_columns,
    roc_auc,
    tree_features,
)
from synthwise.evaluation.registry import Score, Skip, metric

N_FOLDS = 3


@metric("detection_auc", "fidelity", "target", (0.0, 1.0), ideal=0.5)
def detection_auc(ctx: Context) -> Score:
    """Cross-validated ROC-AUC of a gradient-boosting classifier telling real from synthetic. Ideal 0.5."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    m = min(ctx.settings.detection_rows, len(ctx.real.train), len(ctx.synthetic))
    if m < 5 * N_FOLDS:
        raise Skip(f"needs at least {5 * N_FOLDS} rows on each side")
    xr, mask = tree_features(ctx.real.train.codes.iloc[:m], ctx.schema)
    xs, _ = tree_features(ctx.synthetic.codes.iloc[:m], ctx.schema)
    if xr.shape[1] == 0:
        raise Skip("no column to learn from")
    x = np.vstack([xr, xs])
    y = np.r_[np.zeros(m), np.ones(m)]
    fold = np.r_[np.arange(m) % N_FOLDS, np.arange(m) % N_FOLDS]
    seed = int(ctx.rng("fidelity.detection_auc").integers(2**31 - 1))
    oof = np.zeros(2 * m)
    for f in range(N_FOLDS):
        train, test = fold != f, fold == f
        clf = HistGradientBoostingClassifier(**boosting_params(seed, mask))
        clf.fit(fill_empty_columns(x[train]), y[train])
        oof[test] = clf.predict_proba(x[test])[:, 1]
    rows = np.column_stack([y, oof])
    details = {"rows_per_side": m, "folds": N_FOLDS}
    return Score(roc_auc(y, oof), details=details, rows=rows, aggregate=auc_aggregate(rows))
