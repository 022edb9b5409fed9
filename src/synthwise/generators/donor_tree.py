"""Decision trees with donor pools, stored as plain arrays (no pickle): the one donor tree of ``cart``
and ``sequential_ar``.

A :class:`DonorTree` is a scikit-learn CART fitted on predictors ``x`` and a target ``y``; each leaf
keeps the real target values (its *donors*) of the training rows that reached it. Drawing routes new rows
down the tree and picks a random donor from each row's leaf, so draws follow the leaf's empirical
conditional distribution, missing values (NaN donors) included.

A tree fitted with ``smooth`` also keeps a kernel width per donor (``bandwidth``): a rare donor value
(shared by fewer than ``min_shared`` real rows) gets Gaussian noise with its leaf's Silverman bandwidth,
reflected into the leaf's range; values shared by many rows (heaps such as a round price) are kept.

A regression tree fitted with ``linear`` predictor columns may also keep a linear model of the target on
them (``coef``) and each donor's fitted value (``fitted``): a drawn row then takes its donor's residual
on top of its own fitted value, ``donor + (fit(x) - fit(donor's x))``. A leaf holds rows whose
predictors differ a little, and a plain donor forgets how: relations that run through many columns at
once (a total of its parts with a little slack, games = wins + losses + ties) come out looser than in
the data, and a flexible classifier sees it (openintro/mlb_teams: real-vs-synthetic MLP AUC 0.76, 0.68
with the model). The model is kept only where, fitted on a seeded half of the rows, it narrows the
spread inside the leaves of the other half (:data:`LINEAR_GAIN`) and widens it in none of that half's
thirds by fitted value (a curved relation, a volume and its diameter, gains on average and loses where
the line's slope is wrong: modeldata/cells detection 0.65 -> 0.75 without this rule, 0.66 with it);
and with at least :data:`LINEAR_ROWS_PER_TERM` rows per coefficient in each half. Spikes (a
value shared by :data:`LINEAR_SPIKE` times as many rows as the median value, and a heap) never move;
the kernel of a smoothed donor is then the leaf's spread of residuals, not of values. A moved value
stays in the real range of the target.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

_FIELDS = ("left", "right", "feature", "threshold", "start", "count", "donors", "bandwidth", "coef", "fitted")
_MAX_CLASSES = 64
LINEAR_GAIN = 0.9  # the linear model must leave at most this share of the within-leaf variance (held out)
LINEAR_ROWS_PER_TERM = 20  # rows per coefficient (predictors + intercept) for a linear model
LINEAR_MAX_ROWS = 20_000  # rows per half that fit and check it (a seeded sample of a bigger table)
LINEAR_SPIKE = 5  # a donor value recurring this many times the median value's count (and a heap) stays
_RIDGE = 1e-6  # ridge penalty per row on the standardized predictors (collinear columns stay solvable)


@dataclass(frozen=True)
class DonorTree:
    """Tree arrays (leaves have ``left == -1``) plus donors sorted by leaf then value: node ``k`` owns
    ``donors[start[k]:start[k] + count[k]]``; ``bandwidth[i]`` is donor ``i``'s smoothing kernel width
    (empty when the tree does not smooth); ``coef`` the linear model's weights per predictor and its
    intercept last, ``fitted[i]`` donor ``i``'s fitted value (NaN: a spike that stays), both empty
    without a linear model."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    start: np.ndarray
    count: np.ndarray
    donors: np.ndarray
    bandwidth: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fitted: np.ndarray = field(default_factory=lambda: np.zeros(0))

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

    def draw(self, x: np.ndarray, rng: np.random.Generator, *, backoff: bool = False) -> np.ndarray:
        """One donor per row of ``x`` from its leaf, smoothed where the donor is marked (NaN when the
        tree has no donor at all). ``backoff``: a row leaves its leaf for the parent node at the
        Good-Turing rate of values the leaf has not seen (:meth:`_backoff`)."""
        if not self.donors.size:
            return np.full(len(x), np.nan)
        leaves = self.route(x)
        if backoff:
            pick = self._backoff(leaves, rng)
            leaves = self._leaf_of_donor[pick]
        else:
            count = self.count[leaves]
            pick = self.start[leaves] + np.minimum((rng.random(len(x)) * count).astype(np.int64), count - 1)
        out = self.donors[pick].astype(np.float64)
        linear = self.coef.size > 0
        if linear:  # the donor's residual on the row's own fitted value; heap donors (NaN) stay
            shift = np.asarray(x, dtype=np.float64) @ self.coef[:-1] + self.coef[-1] - self.fitted[pick]
            moved = ~np.isnan(shift)
            out[moved] += shift[moved]
        if self.bandwidth.size:
            idx = np.flatnonzero(self.bandwidth[pick] > 0)
            if idx.size:
                count = self.count[leaves]
                p, first = pick[idx], self.start[leaves[idx]]
                # a Gaussian kernel around the value, reflected into the leaf's range [lowest, highest
                # donor] (with a linear model the whole real range: the values leave their leaf's)
                lo, hi = self.donors[first], self.donors[first + count[idx] - 1]
                if linear:
                    lo, hi = np.full(idx.size, self._range[0]), np.full(idx.size, self._range[1])
                v = out[idx] + rng.normal(0.0, 1.0, idx.size) * self.bandwidth[p]
                v = np.where(v > hi, 2 * hi - v, v)
                v = np.where(v < lo, 2 * lo - v, v)
                out[idx] = np.clip(v, lo, hi)
        if linear:
            out = np.clip(out, *self._range)
        return out

    @cached_property
    def _range(self) -> tuple[float, float]:
        """The lowest and highest real value of the target (its donors)."""
        return float(np.nanmin(self.donors)), float(np.nanmax(self.donors))

    def _backoff(self, leaves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A donor index per row, drawn with backoff: the leaf's donors are a sample of the values
        its region holds; a fresh row of the region carries a value the sample lacks with the
        Good-Turing probability (exact donors seen once in the node / the node's donors; a smoothed
        donor makes new values itself and never counts). With that probability the row moves up to
        the parent and takes a donor of the parent's other branch, and so on up (never past the root)."""
        n = len(leaves)
        lo, hi, parent, escape = self._nodes
        node = leaves.copy()
        ex_lo = np.zeros(n, dtype=np.int64)
        ex_hi = np.zeros(n, dtype=np.int64)
        active = np.flatnonzero((parent[node] >= 0) & (escape[node] > 0))
        while active.size:
            up = active[rng.random(active.size) < escape[node[active]]]
            if not up.size:
                break
            ex_lo[up], ex_hi[up] = lo[node[up]], hi[node[up]]
            node[up] = parent[node[up]]
            active = up[(parent[node[up]] >= 0) & (escape[node[up]] > 0)]
        size = (hi[node] - lo[node]) - (ex_hi - ex_lo)
        full = size <= 0  # no other branch holds donors: the node's own
        ex_lo, ex_hi = np.where(full, 0, ex_lo), np.where(full, 0, ex_hi)
        size = np.where(full, hi[node] - lo[node], size)
        r = np.minimum((rng.random(n) * size).astype(np.int64), size - 1)
        pick = lo[node] + r
        return np.where(pick >= ex_lo, pick + (ex_hi - ex_lo), pick) if n else pick

    @cached_property
    def _leaf_of_donor(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.count)), self.count)

    @cached_property
    def _nodes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per node: its donors' range ``[lo, hi)`` (scikit-learn numbers nodes depth first, so a
        subtree's leaves, and their donors, are contiguous), its parent (-1 at the root) and its
        Good-Turing escape probability."""
        m = len(self.left)
        parent = np.full(m, -1, dtype=np.int64)
        inner = np.flatnonzero(self.left >= 0)
        parent[self.left[inner]] = inner
        parent[self.right[inner]] = inner
        lo, hi = self.start.copy(), self.start + self.count
        for k in inner[::-1]:  # children are numbered after their parent
            lo[k], hi[k] = lo[self.left[k]], hi[self.right[k]]
        depth = np.zeros(m, dtype=np.int64)
        for k in inner:  # parents first
            depth[self.left[k]] = depth[self.right[k]] = depth[k] + 1
        _, value = np.unique(np.where(np.isnan(self.donors), np.inf, self.donors), return_inverse=True)
        value = value.reshape(-1)
        n_values = int(value.max(initial=0)) + 1
        exact = np.ones(n_values, dtype=bool)  # a value counts as exact unless a donor of it is smoothed
        if self.bandwidth.size:
            exact[value[self.bandwidth > 0]] = False
        # (node, value) -> donors, from the leaves up one depth at a time: a node's entries are its own
        # donors' (a leaf) or its children's merged; few per node where the values are levels
        keys, counts = np.unique(self._leaf_of_donor * n_values + value, return_counts=True)
        seen_once = np.zeros(m)
        carry_keys, carry_counts = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        for d in range(int(depth.max(initial=0)), -1, -1):
            here = depth[keys // n_values] == d
            level, inv = np.unique(np.r_[keys[here], carry_keys], return_inverse=True)
            level_counts = np.bincount(inv, weights=np.r_[counts[here], carry_counts]).astype(np.int64)
            node, val = level // n_values, level % n_values
            seen_once += np.bincount(node, weights=(level_counts == 1) & exact[val], minlength=m)
            up = parent[node]
            carry_keys, carry_counts = (up * n_values + val)[up >= 0], level_counts[up >= 0]
        escape = seen_once / np.maximum(hi - lo, 1)
        return lo, hi, parent, escape

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}{k}": getattr(self, k) for k in _FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> DonorTree:
        """The tree stored under ``prefix`` (trees saved without ``bandwidth`` do not smooth)."""
        stored = {k: arrays[f"{prefix}{k}"] for k in _FIELDS if f"{prefix}{k}" in arrays}
        return cls(**stored)


def fit_donor_tree(
    x: np.ndarray,
    y: np.ndarray,
    *,
    discrete: bool,
    min_samples_leaf: int,
    max_depth: int | None,
    random_state: int,
    max_rows: int | None = None,
    smooth: bool = False,
    min_shared: int = 2,
    prune: bool = False,
    linear: np.ndarray | None = None,
) -> DonorTree:
    """A classification (``discrete``: NaN is a class of its own) or regression tree with donors.

    Regression targets must not be NaN. With fewer than ``2 * min_samples_leaf`` rows, one distinct
    target or no predictor, the tree is a single leaf (the marginal). ``max_rows`` fits the tree on a
    random subset (every row is still a donor); ``smooth`` marks donor values shared by fewer than
    ``min_shared`` rows for smoothing. ``prune`` grows the tree on a seeded half of the rows and prunes,
    on the other half, every split that does not predict those rows better than its parent
    (:func:`_prune`); every row is still a donor. ``linear`` (a regression tree): a mask of the
    predictor columns a linear model of the residual donors may use (see the module docstring).
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
            x, y, discrete, min_samples_leaf, max_depth, random_state, max_rows, prune
        )
    bare = DonorTree(left, right, feature, threshold, np.zeros(0, np.int64), np.zeros(0, np.int64), y)
    leaves = bare.route(x)
    order = np.lexsort((np.where(np.isnan(y), np.inf, y), leaves))
    count = np.bincount(leaves, minlength=len(left)).astype(np.int64)
    start = (np.cumsum(count) - count).astype(np.int64)
    donors = y[order].astype(np.float64)
    lines = not discrete and linear is not None and len(left) > 1
    if not (smooth or lines) or not len(donors):
        return DonorTree(left, right, feature, threshold, start, count, donors)
    leaf_of = leaves[order]
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    shared = counts[inverse.reshape(-1)]  # per row: how many rows hold its value
    coef, fitted, spread = np.zeros(0), np.zeros(0), donors
    # a spike stays where it is (a heap of a real-valued column: zero, a round price); the values of a
    # count all recur, and a count moves (the output rounds it)
    spike = shared >= max(min_shared, LINEAR_SPIKE * float(np.median(counts)))
    model = _linear_model(x, y, leaves, linear, spike, random_state) if lines and linear is not None else None
    if model is not None:
        coef = model
        fit = (x.astype(np.float64) @ coef[:-1] + coef[-1])[order]
        fitted = np.where(spike[order], np.nan, fit)
        resid = np.where(spike[order], donors, donors - fit)  # the kernel's width: the leaf's spread
        spread = resid[np.lexsort((resid, leaf_of))]  # of what a draw moves (sorted in the leaf)
    bandwidth = np.zeros(0)
    if smooth:
        rare = shared[order] < min_shared
        bandwidth = np.where(rare, _leaf_bandwidths(spread, leaf_of, count, start)[leaf_of], 0.0)
    return DonorTree(left, right, feature, threshold, start, count, donors, bandwidth, coef, fitted)


def _linear_model(
    x: np.ndarray, y: np.ndarray, leaves: np.ndarray, usable: np.ndarray, spike: np.ndarray, seed: int
) -> np.ndarray | None:
    """Ridge weights (per predictor, zero for the unusable ones) and intercept of ``y`` on the usable
    predictors, fitted on the rows that may move (not a ``spike``); None where, fitted on a seeded half
    of those rows, it does not take the variance inside the leaves of the other half below
    :data:`LINEAR_GAIN` of what it was, or where it has too few rows."""
    cols = np.flatnonzero(usable)
    movable = np.flatnonzero(~spike)
    if not cols.size or movable.size < 2 * LINEAR_ROWS_PER_TERM * (cols.size + 1):
        return None
    xs = x[:, cols].astype(np.float64)
    keep = xs[movable].std(axis=0) > 0
    if not keep.any():
        return None
    cols, xs = cols[keep], xs[:, keep]
    half = np.random.default_rng([seed, 2]).permutation(len(y))[: 2 * LINEAR_MAX_ROWS]
    fit, check = np.sort(half[: len(half) // 2]), np.sort(half[len(half) // 2 :])
    fit, check = fit[~spike[fit]], check[~spike[check]]
    w, b = _ridge(xs[fit], y[fit])
    pred = xs[check] @ w + b
    moved, kept, leaf = y[check] - pred, y[check], leaves[check]
    if _within_leaves(moved, leaf) > LINEAR_GAIN * _within_leaves(kept, leaf):
        return None
    # a curved relation (a volume and its diameter) gains on average and loses where the line's slope
    # is wrong for the curve: each third of the rows by fitted value must gain too (as leaves, since a
    # leaf's rows lie close together in fitted value)
    third = np.minimum((np.argsort(np.argsort(pred)) * 3) // max(len(pred), 1), 2)
    for k in range(3):
        part = third == k
        if _within_leaves(moved[part], leaf[part]) > _within_leaves(kept[part], leaf[part]):
            return None
    rows = movable if len(half) == len(y) else np.sort(half[~spike[half]])
    w, b = _ridge(xs[rows], y[rows])
    coef = np.zeros(x.shape[1] + 1)
    coef[cols], coef[-1] = w, b
    return coef


def _ridge(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Ridge weights on the raw scale and the intercept (standardized predictors, :data:`_RIDGE`)."""
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = (x - mu) / sd
    w = np.linalg.solve(z.T @ z + _RIDGE * len(y) * np.eye(x.shape[1]), z.T @ (y - y.mean())) / sd
    return w, float(y.mean() - w @ mu)


def _within_leaves(v: np.ndarray, leaves: np.ndarray) -> float:
    """The sum of squares of ``v`` around its leaf means."""
    n = np.bincount(leaves)
    mean = np.bincount(leaves, weights=v) / np.maximum(n, 1)
    return float(((v - mean[leaves]) ** 2).sum())


def _leaf_bandwidths(
    donors: np.ndarray, leaf_of: np.ndarray, count: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Silverman's rule per leaf: 0.9 * min(sd, IQR / 1.34) * n^(-1/5) (sd alone when the IQR is 0)."""
    n_nodes = len(count)
    c = np.maximum(count, 1)
    mean = np.bincount(leaf_of, weights=donors, minlength=n_nodes) / c
    sq = np.bincount(leaf_of, weights=(donors - mean[leaf_of]) ** 2, minlength=n_nodes)
    sd = np.sqrt(sq / np.maximum(c - 1, 1))
    q1 = donors[np.minimum(start + (0.25 * (c - 1)).astype(np.int64), len(donors) - 1)]
    q3 = donors[np.minimum(start + (0.75 * (c - 1)).astype(np.int64), len(donors) - 1)]
    iqr = (q3 - q1) / 1.34
    spread = np.where(iqr > 0, np.minimum(sd, iqr), sd)
    return np.where(count > 1, 0.9 * spread * c ** (-0.2), 0.0)


def _sk_tree(
    x: np.ndarray,
    y: np.ndarray,
    discrete: bool,
    min_samples_leaf: int,
    max_depth: int | None,
    random_state: int,
    max_rows: int | None,
    prune: bool = False,
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
    xs = x[rows]
    target = _classes(np.where(np.isnan(y), -1.0, y)[rows]) if discrete else y[rows]
    fit = np.arange(len(rows))
    check = np.zeros(0, dtype=np.int64)
    if prune and len(rows) >= 4 * min_samples_leaf:  # half grows the tree, half checks its splits
        shuffled = np.random.default_rng([random_state, 1]).permutation(len(rows))
        fit, check = np.sort(shuffled[: len(rows) // 2]), np.sort(shuffled[len(rows) // 2 :])
        params["min_samples_leaf"] = max(1, min_samples_leaf // 2)
    model: Any = DecisionTreeClassifier(**params) if discrete else DecisionTreeRegressor(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(xs[fit], target[fit])
    t = model.tree_
    left, right = t.children_left.astype(np.int64), t.children_right.astype(np.int64)
    if check.size and len(left) > 1:
        _prune(model, left, right, xs[check], target[check], discrete)
    return (left, right, np.maximum(t.feature, 0).astype(np.int64), t.threshold.astype(np.float64))


def _prune(
    model: Any, left: np.ndarray, right: np.ndarray, x: np.ndarray, y: np.ndarray, discrete: bool
) -> None:
    """Reduced-error pruning on held-out rows, in place: a split whose children do not predict the
    held-out rows better than their parent (Brier score of the node's class shares, or squared error
    around the node's mean) was chance, and the parent becomes a leaf."""
    path = model.decision_path(x).tocoo()
    r, k = path.row, path.col
    value = model.tree_.value[:, 0, :]
    if discrete:
        shares = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-12)
        col = np.searchsorted(model.classes_, y)
        known = (col < len(model.classes_)) & (model.classes_[np.minimum(col, len(model.classes_) - 1)] == y)
        p_true = np.where(known[r], shares[k, np.minimum(col, len(model.classes_) - 1)[r]], 0.0)
        loss = 1.0 - 2.0 * p_true + (shares**2).sum(axis=1)[k]
    else:
        loss = (y[r] - value[k, 0]) ** 2
    node_loss = np.bincount(k, weights=loss, minlength=len(left))
    subtree = node_loss.copy()
    for node in range(len(left) - 1, -1, -1):  # children are numbered after their parent
        if left[node] < 0:
            continue
        below = subtree[left[node]] + subtree[right[node]]
        if node_loss[node] <= below:
            left[node] = right[node] = -1
        else:
            subtree[node] = below


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
