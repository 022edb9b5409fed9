"""Shared pieces of the model-based metrics (detection, utility): features for trees, a fast ROC-AUC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthwise.evaluation.embed import compared_columns
from synthwise.schema import Schema
from synthwise.transforms import DISCRETE_KINDS

_MAX_NATIVE_CATEGORIES = 250  # histogram gradient boosting handles at most 255 bins per feature


def tree_features(
    codes: pd.DataFrame, schema: Schema, *, exclude: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Codes as a float matrix for gradient boosting, plus the mask of native categorical features.

    Missing stays NaN (handled natively); a category unseen in the real data becomes a category of its
    own; very high-cardinality categoricals are left as ordinal codes.
    """
    cols = [c for c in compared_columns(schema) if c.name not in exclude]
    x = codes[[c.name for c in cols]].to_numpy(dtype=np.float64, copy=True)
    mask = np.zeros(len(cols), dtype=bool)
    for j, col in enumerate(cols):
        if col.kind in DISCRETE_KINDS and len(col.categories) <= _MAX_NATIVE_CATEGORIES:
            v = x[:, j]
            v[v < 0] = len(col.categories)
            mask[j] = True
    return x, mask


def fill_empty_columns(x: np.ndarray) -> np.ndarray:
    """``x`` with every all-missing column set to 0: scikit-learn cannot bin a feature that has no value
    (a column the synthetic data never fills, or a sparse column with no value in one fold), and a
    constant carries the same information, none."""
    empty = np.isnan(x).all(axis=0)
    if not empty.any():
        return x
    x = x.copy()
    x[:, empty] = 0.0
    return x


def boosting_params(seed: int, mask: np.ndarray) -> dict[str, Any]:
    """Fixed, fast settings for HistGradientBoosting (no early stopping: no hidden random split)."""
    return {
        "max_iter": 100,
        "learning_rate": 0.1,
        "max_leaf_nodes": 31,
        "early_stopping": False,
        "random_state": seed,
        "categorical_features": mask if mask.any() else None,
    }


class Ranked:
    """Scores sorted once, so that ROC-AUCs for many label / weight vectors cost O(n) each."""

    def __init__(self, score: np.ndarray) -> None:
        score = np.asarray(score, dtype=np.float64)
        self.order = np.argsort(score, kind="stable")
        s = score[self.order]
        self.starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # groups of tied scores

    def auc(self, y: np.ndarray, weights: np.ndarray | None = None) -> float:
        """ROC-AUC for the positive label 1, rows counted ``weights`` times; 0.5 without both classes."""
        y = np.asarray(y).astype(bool)
        w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
        pos = (w * y)[self.order]
        neg = (w * ~y)[self.order]
        w_pos, w_neg = float(pos.sum()), float(neg.sum())
        if w_pos == 0 or w_neg == 0:
            return 0.5
        pos_g, neg_g = np.add.reduceat(pos, self.starts), np.add.reduceat(neg, self.starts)
        below = np.cumsum(neg_g) - neg_g
        return float(np.sum(pos_g * (below + 0.5 * neg_g)) / (w_pos * w_neg))


def roc_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None) -> float:
    """ROC-AUC of ``score`` for the positive label 1 (ties count half); 0.5 when one class is absent."""
    return Ranked(score).auc(y, weights)


def auc_aggregate(rows: np.ndarray) -> Callable[[np.ndarray, np.ndarray], float]:
    """The bootstrap aggregate of rows ``[label, score]``: their ROC-AUC under row weights."""
    ranked = Ranked(rows[:, 1])
    labels = rows[:, 0]
    return lambda _rows, weights: ranked.auc(labels, weights)
