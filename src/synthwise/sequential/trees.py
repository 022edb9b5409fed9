"""Decision trees with donor pools, stored as plain arrays (no pickle).

A :class:`DonorTree` is a scikit-learn CART fitted on predictors ``x`` and a target ``y``; each leaf
keeps the real target values (its *donors*) of the training rows that reached it. Drawing routes new rows
down the tree and picks a random donor from each row's leaf, so draws follow the leaf's empirical
conditional distribution, missing values (NaN donors) included.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

_FIELDS = ("left", "right", "feature", "threshold", "start", "count", "donors")
_MAX_CLASSES = 64


@dataclass(frozen=True)
class DonorTree:
    """Tree arrays (leaves have ``left == -1``) plus donors sorted by leaf: node ``k`` owns
    ``donors[start[k]:start[k] + count[k]]``."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    start: np.ndarray
    count: np.ndarray
    donors: np.ndarray

    @cached_property
    def _lists(self) -> tuple[list[int], list[int], list[int], list[float]]:
        return (self.left.tolist(), self.right.tolist(), self.feature.tolist(), self.threshold.tolist())

    def route(self, x: np.ndarray) -> np.ndarray:
        """The leaf each row of ``x`` reaches (``x`` float32, no NaN)."""
        if len(x) <= 4:  # a few rows (one long series): plain Python is much faster than numpy here
            left, right, feature, threshold = self._lists
            out = []
            for row in x.tolist():
                k = 0
                while left[k] >= 0:
                    k = left[k] if row[feature[k]] <= threshold[k] else right[k]
                out.append(k)
            return np.asarray(out, dtype=np.int64)
        node = np.zeros(len(x), dtype=np.int64)
        active = np.flatnonzero(self.left[node] >= 0)
        while active.size:
            nd = node[active]
            go_left = x[active, self.feature[nd]] <= self.threshold[nd]
            node[active] = np.where(go_left, self.left[nd], self.right[nd])
            active = active[self.left[node[active]] >= 0]
        return node

    def draw(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One donor per row of ``x`` from its leaf (NaN when the tree has no donor at all)."""
        if not self.donors.size:
            return np.full(len(x), np.nan)
        leaves = self.route(x)
        count = self.count[leaves]
        pick = self.start[leaves] + np.minimum((rng.random(len(x)) * count).astype(np.int64), count - 1)
        return self.donors[pick].astype(np.float64)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}{k}": getattr(self, k) for k in _FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> DonorTree:
        return cls(**{k: arrays[f"{prefix}{k}"] for k in _FIELDS})


def fit_donor_tree(
    x: np.ndarray,
    y: np.ndarray,
    *,
    discrete: bool,
    min_samples_leaf: int,
    max_depth: int | None,
    random_state: int,
    max_rows: int | None = None,
) -> DonorTree:
    """A classification (``discrete``: NaN is a class of its own) or regression tree with donors.

    Regression targets must not be NaN. With fewer than ``2 * min_samples_leaf`` rows, one distinct
    target or no predictor, the tree is a single leaf (the marginal).
    """
    x = to_float32(x)
    n = len(y)
    if n == 0:
        empty = np.zeros(0)
        return DonorTree(
            np.array([-1]),
            np.array([-1]),
            np.array([0]),
            np.array([0.0]),
            np.array([0]),
            np.array([0]),
            empty,
        )
    distinct = np.unique(np.where(np.isnan(y), np.inf, y)).size
    if x.shape[1] == 0 or n < 2 * min_samples_leaf or distinct < 2:
        left = np.array([-1], dtype=np.int64)
        feature, threshold = np.array([0], dtype=np.int64), np.array([0.0])
        right = left.copy()
    else:
        left, right, feature, threshold = _sk_tree(
            x, y, discrete, min_samples_leaf, max_depth, random_state, max_rows
        )
    bare = DonorTree(left, right, feature, threshold, np.zeros(0, np.int64), np.zeros(0, np.int64), y)
    leaves = bare.route(x)
    order = np.lexsort((np.where(np.isnan(y), np.inf, y), leaves))
    count = np.bincount(leaves, minlength=len(left)).astype(np.int64)
    start = (np.cumsum(count) - count).astype(np.int64)
    return DonorTree(left, right, feature, threshold, start, count, y[order].astype(np.float64))


def _sk_tree(
    x: np.ndarray,
    y: np.ndarray,
    discrete: bool,
    min_samples_leaf: int,
    max_depth: int | None,
    random_state: int,
    max_rows: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    rows = np.arange(len(y))
    if max_rows is not None and len(y) > max_rows:
        rows = np.sort(np.random.default_rng(random_state).choice(len(y), size=max_rows, replace=False))
    params: dict[str, Any] = {
        "min_samples_leaf": min_samples_leaf,
        "max_depth": max_depth,
        "random_state": random_state,
    }
    if discrete:
        model: Any = DecisionTreeClassifier(**params)
        target = _classes(np.where(np.isnan(y), -1.0, y)[rows])
    else:
        model = DecisionTreeRegressor(**params)
        target = y[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(x[rows], target)
    t = model.tree_
    return (
        t.children_left.astype(np.int64),
        t.children_right.astype(np.int64),
        np.maximum(t.feature, 0).astype(np.int64),
        t.threshold.astype(np.float64),
    )


def _classes(y: np.ndarray) -> np.ndarray:
    """Class labels, the most frequent kept and the rest merged (donors keep the exact values)."""
    values, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if len(values) <= _MAX_CLASSES:
        return inverse
    keep = np.zeros(len(values), dtype=bool)
    keep[np.argsort(-counts, kind="stable")[: _MAX_CLASSES - 1]] = True
    label = np.where(keep, np.cumsum(keep) - 1, _MAX_CLASSES - 1)
    return label[inverse]


def to_float32(x: np.ndarray) -> np.ndarray:
    """Predictors as scikit-learn's trees see them: float32, huge values clipped so sums stay finite."""
    return np.clip(np.asarray(x, dtype=np.float64), -1e30, 1e30).astype(np.float32)
