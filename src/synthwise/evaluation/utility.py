"""Utility: is the synthetic data as useful as the real data for predicting the target.

Train on synthetic, test on the real holdout (TSTR), against train on real, test on the same holdout
(TRTR), with the same histogram gradient-boosting model (at most ``utility_rows`` training rows each).
A discrete target (or an integer one with at most 10 values) is a classification: ROC-AUC (one-vs-rest
macro average for more than two classes), macro-F1 and balanced accuracy; otherwise a regression: R^2.
Each metric's holdout reference is its TRTR value; ``utility.ratio`` is TSTR / TRTR of the first one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from synthwise.evaluation.context import Context, Table
from synthwise.evaluation.features import Ranked, boosting_params, fill_empty_columns, tree_features
from synthwise.evaluation.registry import Score, Skip, metric

NEEDS = ("holdout", "target")
MAX_CLASS_VALUES = 10


@dataclass
class Predictions:
    task: str  # "classification" or "regression"
    y: np.ndarray  # test labels (class index) or values
    tstr: np.ndarray  # (n, K) class probabilities, or (n, 1) predicted values
    trtr: np.ndarray
    n_train_synthetic: int
    n_train_real: int


def target_task(ctx: Context) -> tuple[str, np.ndarray]:
    target = ctx.real.target
    assert target is not None
    col = ctx.schema[target]
    real_y = ctx.real.train.codes[target].to_numpy()
    if col.kind in ("categorical", "boolean", "constant"):
        return "classification", np.arange(len(col.categories), dtype=np.float64)
    values = np.unique(real_y[~np.isnan(real_y)])
    if col.kind == "numeric" and col.integer and len(values) <= MAX_CLASS_VALUES:
        return "classification", values
    return "regression", values


def class_labels(values: np.ndarray, classes: np.ndarray, task: str) -> np.ndarray:
    """Class index per row (-1 when missing or unknown), or the value itself for a regression."""
    if task == "regression":
        return values
    idx = np.searchsorted(classes, np.nan_to_num(values, nan=-np.inf))
    idx = np.clip(idx, 0, max(len(classes) - 1, 0))
    ok = ~np.isnan(values) & (len(classes) > 0)
    ok &= np.isclose(classes[idx], values) if len(classes) else False
    return np.where(ok, idx, -1).astype(np.float64)


def _fit_predict(
    ctx: Context, train: Table, test_x: np.ndarray, task: str, classes: np.ndarray, salt: str
) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    target = ctx.real.target
    assert target is not None
    rows = train.head(ctx.settings.utility_rows)
    x, mask = tree_features(rows.codes, ctx.schema, exclude=(target,))
    y = class_labels(rows.codes[target].to_numpy(), classes, task)
    ok = ~np.isnan(y) & (y >= 0) if task == "classification" else ~np.isnan(y)
    x, y = x[ok], y[ok]
    x = fill_empty_columns(x)  # a column the synthetic data never fills: constant, unusable
    seed = int(ctx.rng("utility." + salt).integers(2**31 - 1))
    if task == "regression":
        if len(y) < 2:
            return np.full((len(test_x), 1), float(np.mean(y)) if len(y) else 0.0)
        reg = HistGradientBoostingRegressor(**boosting_params(seed, mask)).fit(x, y)
        return reg.predict(test_x)[:, None]
    proba = np.zeros((len(test_x), len(classes)))
    present = np.unique(y).astype(np.int64)
    if len(present) < 2:
        if len(present) == 1:
            proba[:, present[0]] = 1.0
        else:
            proba[:] = 1.0 / len(classes)
        return proba
    clf = HistGradientBoostingClassifier(**boosting_params(seed, mask)).fit(x, y.astype(np.int64))
    proba[:, clf.classes_.astype(np.int64)] = clf.predict_proba(test_x)
    return proba


def predictions(ctx: Context) -> Predictions:
    """TSTR and TRTR predictions on the holdout (TRTR computed once per holdout)."""

    def compute() -> Predictions:
        holdout = ctx.require_holdout()
        target = ctx.real.target
        if target is None:
            raise Skip("needs a target column (--target)")
        task, classes = target_task(ctx)
        if task == "classification" and len(classes) < 2:
            raise Skip(f"the target {target!r} has fewer than two classes in the real data")
        y = class_labels(holdout.codes[target].to_numpy(), classes, task)
        keep = ~np.isnan(y) & (y >= 0) if task == "classification" else ~np.isnan(y)
        if keep.sum() < 2:
            raise Skip(f"the holdout has fewer than two rows with a known {target!r}")
        test_x, _ = tree_features(holdout.codes, ctx.schema, exclude=(target,))
        if test_x.shape[1] == 0:
            raise Skip(f"no column besides {target!r} to predict it from")
        test_x = test_x[keep]
        tstr = _fit_predict(ctx, ctx.synthetic, test_x, task, classes, "tstr")
        trtr = ctx.real.memo(
            f"trtr:{holdout.name}:{len(holdout)}",
            lambda: _fit_predict(ctx, ctx.real.train, test_x, task, classes, "trtr"),
        )
        n_syn = min(len(ctx.synthetic), ctx.settings.utility_rows)
        n_real = min(len(ctx.real.train), ctx.settings.utility_rows)
        return Predictions(task, y[keep], tstr, trtr, n_syn, n_real)

    return ctx.memo("utility", compute)


# -- measures: (labels, predictions) -> a function of per-row weights (ones, or bootstrap counts) -------
Weighted = Callable[[np.ndarray], float]
Measure = Callable[[np.ndarray, np.ndarray], Weighted]


def _auc(y: np.ndarray, proba: np.ndarray) -> Weighted:
    if proba.shape[1] == 2:
        ranked = Ranked(proba[:, 1])
        return lambda w: ranked.auc(y == 1, w)
    per_class = [(y == c, Ranked(proba[:, c])) for c in range(proba.shape[1])]

    def macro(w: np.ndarray) -> float:
        total = w.sum()
        aucs = [r.auc(is_c, w) for is_c, r in per_class if 0 < w[is_c].sum() < total]
        return float(np.mean(aucs)) if aucs else 0.5

    return macro


def _counts(y: np.ndarray, proba: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, ...]]:
    """Weighted true positives, true counts and predicted counts of the classes present in ``y``."""
    k = proba.shape[1]
    yi = y.astype(np.int64)
    pred = np.argmax(proba, axis=1)
    hit = pred == yi

    def counts(w: np.ndarray) -> tuple[np.ndarray, ...]:
        n_true = np.bincount(yi, weights=w, minlength=k)
        n_pred = np.bincount(pred, weights=w, minlength=k)
        tp = np.bincount(yi, weights=w * hit, minlength=k)
        present = n_true > 0
        return tp[present], n_true[present], n_pred[present]

    return counts


def _macro_f1(y: np.ndarray, proba: np.ndarray) -> Weighted:
    counts = _counts(y, proba)

    def f1(w: np.ndarray) -> float:
        tp, n_true, n_pred = counts(w)
        return float(np.mean(2 * tp / (n_true + n_pred)))

    return f1


def _balanced_accuracy(y: np.ndarray, proba: np.ndarray) -> Weighted:
    counts = _counts(y, proba)

    def balanced(w: np.ndarray) -> float:
        tp, n_true, _ = counts(w)
        return float(np.mean(tp / n_true))

    return balanced


def _r2(y: np.ndarray, pred: np.ndarray) -> Weighted:
    p = pred[:, 0]

    def r2(w: np.ndarray) -> float:
        mean = np.average(y, weights=w)
        ss_tot = float(np.sum(w * (y - mean) ** 2))
        if ss_tot == 0:
            return 1.0 if np.allclose(p, y) else 0.0
        return 1.0 - float(np.sum(w * (y - p) ** 2)) / ss_tot

    return r2


def _score(ctx: Context, task: str, measure: Measure, name: str) -> Score:
    p = predictions(ctx)
    if p.task != task:
        raise Skip(f"only for a {task} target")
    ones = np.ones(len(p.y))
    tstr_of = measure(p.y, p.tstr)
    tstr, trtr = tstr_of(ones), measure(p.y, p.trtr)(ones)
    details = {
        "tstr": tstr,
        "trtr": trtr,
        "train_rows_synthetic": p.n_train_synthetic,
        "train_rows_real": p.n_train_real,
        "test_rows": len(p.y),
        "measure": name,
    }
    return Score(
        tstr,
        details=details,
        rows=np.column_stack([p.y, p.tstr]),
        aggregate=lambda _rows, w: tstr_of(w),
        reference=trtr,
    )


@metric("roc_auc", "utility", "maximize", (0.0, 1.0), needs=NEEDS)
def utility_roc_auc(ctx: Context) -> Score:
    """TSTR ROC-AUC on the real holdout (classification). Ideal: the TRTR value (its reference), at most 1."""
    return _score(ctx, "classification", _auc, "roc_auc")


@metric("macro_f1", "utility", "maximize", (0.0, 1.0), needs=NEEDS)
def utility_macro_f1(ctx: Context) -> Score:
    """TSTR macro-F1 on the real holdout (classification). Ideal: the TRTR value (its reference), <= 1."""
    return _score(ctx, "classification", _macro_f1, "macro_f1")


@metric("balanced_accuracy", "utility", "maximize", (0.0, 1.0), needs=NEEDS)
def utility_balanced_accuracy(ctx: Context) -> Score:
    """TSTR balanced accuracy on the real holdout (classification). Ideal: the TRTR value, at most 1."""
    return _score(ctx, "classification", _balanced_accuracy, "balanced_accuracy")


@metric("r2", "utility", "maximize", (-math.inf, 1.0), needs=NEEDS)
def utility_r2(ctx: Context) -> Score:
    """TSTR R^2 on the real holdout (regression). Ideal: the TRTR value (its reference), at most 1."""
    return _score(ctx, "regression", _r2, "r2")


@metric("ratio", "utility", "maximize", (0.0, math.inf), ideal=1.0, needs=NEEDS)
def utility_ratio(ctx: Context) -> Score:
    """TSTR / TRTR of ROC-AUC (classification) or R^2 clipped at 0 (regression). Ideal 1 (as good as real)."""
    p = predictions(ctx)
    measure: Measure = _auc if p.task == "classification" else _r2
    ones = np.ones(len(p.y))
    tstr_of, trtr_of = measure(p.y, p.tstr), measure(p.y, p.trtr)
    if not trtr_of(ones) > 0:
        raise Skip("the model trained on real data has no skill (TRTR <= 0), so the ratio is undefined")

    def ratio(_rows: np.ndarray, w: np.ndarray) -> float:
        base = trtr_of(w)
        return max(tstr_of(w), 0.0) / base if base > 0 else 0.0

    rows = np.column_stack([p.y, p.tstr, p.trtr])
    return Score(
        ratio(rows, ones),
        details={"measure": "roc_auc" if p.task == "classification" else "r2"},
        rows=rows,
        aggregate=ratio,
        reference=1.0,
    )
