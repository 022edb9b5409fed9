"""Gaussian copula: per-column marginals joined by one correlation matrix of normal scores.

Every encoded column becomes one or two *latent dimensions*, each a standard normal score ``z``:

* numeric and datetime values (seconds since the epoch): ``z = Φ⁻¹(F(x))`` with ``F`` the column's
  empirical distribution. Sampling inverts a smoothed quantile function, with knots at the order
  statistics (``marginals="empirical"``, at most ``max_knots`` knots) or on the CDF of a Gaussian
  kernel density estimate truncated to the real range (``marginals="kde"``), interpolated linearly in
  the score. New values fall between real ones; tied values (integers, repeated amounts) keep their
  frequencies;
* categorical, boolean and constant columns: each category owns an interval of the uniform scale as
  wide as its frequency; sampling decodes by the interval ``Φ(z)`` falls in. Categories are ordered
  (``order_categories=True``) along the first principal axis of their means of the other scores, so
  the one-dimensional score carries as much of their association as it can (else by frequency);
* a column with missing values gets a second, binary dimension (present / missing), so missingness
  correlates with the other columns and with other columns' missingness.

The correlation of the scores is fitted on intervals: a real value only says its score lies in its tie
block or its state. Pair by pair, the second moment of the interval means is matched to its exact value
under the model (a power series in the correlation, from the Hermite expansion of the bivariate normal),
so binary and rare categories keep their full dependence instead of the attenuated correlation of
midpoint scores. Rows with a missing value are left out of that column's pairs. The matrix is
made positive definite by clipping its eigenvalues (shrinking the near-singular directions).

Conditioning is native: each fixed value turns into an interval of its score (a point for a numeric
value, the state's interval for a category); constrained scores are drawn from their truncated
conditional normal (Gibbs sweeps when several are intervals), free scores from the conditional
multivariate normal given them. A frame of partial rows is grouped by which columns it fixes.

Good for: fast, small models that keep every marginal and the pairwise monotone dependence.
Weak at: non-monotone and higher-order interactions (use ``cart`` or ``bayesian_network``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from synthwise._types import Seed
from synthwise.blocks import Blocks, MemoryBlocks
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.copula_stats import (
    ColumnCounts,
    CountContext,
    Marginal,
    count_block,
    merge_counts,
    numeric_marginals,
)
from synthwise.generators.registry import register_generator
from synthwise.transforms.table import DISCRETE_KINDS

_BOUND = 10.0  # scores are kept in [-10, 10]: P(|z| > 10) is about 1e-23
_EDGE = 1e-3  # a fixed numeric value maps to u in [_EDGE, 1 - _EDGE]: |z| <= 3.1
_KDE_POINTS = 2000  # kernel centres used to tabulate a KDE's CDF
_States = tuple[np.ndarray, np.ndarray]
_TERMS = 40  # Hermite terms of the moment equations (|ρ|^40 < 0.02 up to |ρ| = 0.9)


@dataclass
class _Dim:
    """One latent dimension. ``role``: "value" (numeric knots), "state" (categories) or "missing"."""

    column: str
    role: str
    p: np.ndarray  # value: knot probabilities; state / missing: cumulative bounds, length K + 1
    v: np.ndarray  # value: knot values; state: category code per state, in order; missing: [0, 1]


@register_generator("gaussian_copula")
class GaussianCopula(Generator):
    """Gaussian copula generator (see the module docstring).

    Parameters: ``marginals`` ("empirical" or "kde": how numeric values are drawn), ``max_knots`` (int
    >= 4, knots of each numeric quantile function; more is closer to the real distribution, 2,000 by
    default), ``max_fit_rows`` (int >= 10, rows sampled to fit the correlation; 50,000 by default),
    ``order_categories`` (order states by their association instead of by frequency),
    ``privacy`` ("off" by default, "balanced" or "strict":
    the privacy guard of :mod:`synthwise.generators.guard`), ``seed``.
    """

    summary = "Gaussian copula over empirical marginals; missing values and categories as latent states."
    capabilities = Capabilities(conditions="native")

    def __init__(
        self,
        *,
        marginals: str = "empirical",
        max_knots: int = 2000,
        max_fit_rows: int = 50_000,
        order_categories: bool = True,
        privacy: str = "off",
        seed: Seed = None,
    ) -> None:
        self.marginals = marginals
        self.max_knots = max_knots
        self.max_fit_rows = max_fit_rows
        self.order_categories = order_categories
        self.privacy = privacy
        self.seed = seed

    def _validate_params(self) -> None:
        owner = "GaussianCopula"
        if self.marginals not in ("empirical", "kde"):
            raise InvalidParameterError.expected("marginals", owner, "'empirical' or 'kde'", self.marginals)
        for name, low in (("max_knots", 4), ("max_fit_rows", 10)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise InvalidParameterError.expected(name, owner, f"an int in [{low}, inf)", value)
        if not isinstance(self.order_categories, bool | np.bool_):
            raise InvalidParameterError.expected("order_categories", owner, "a bool", self.order_categories)

    # -- fit ------------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        self._fit_blocks(MemoryBlocks(codes), rng)

    def _fit_blocks(self, blocks: Blocks, rng: np.random.Generator) -> None:
        """Fit from passes over ``blocks`` of codes (:mod:`synthwise.generators.copula_stats`): exact
        counts and order statistics over every row, the correlation on a seeded fit sample of at most
        ``max_fit_rows`` rows. In memory the table is one block; :mod:`synthwise.scale.fitting` passes
        Parquet row groups, with the same result."""
        n = blocks.n_rows
        code_schema = self.transformer_.code_schema
        names = [c.name for c in code_schema.columns]
        discrete = {c.name: len(c.categories) for c in code_schema.columns if c.kind in DISCRETE_KINDS}
        numeric = tuple(name for name in names if name not in discrete)
        keep = (
            np.sort(rng.choice(n, self.max_fit_rows, replace=False))
            if n > self.max_fit_rows
            else np.arange(n)
        )
        cap = self.max_knots // 2  # at most this many distinct values: knots at every value's run
        ctx = CountContext(discrete, numeric, cap, keep)
        counts = merge_counts(blocks.map(count_block, ctx), cap)
        half = max(self.max_knots // 2, 2)
        probs: dict[str, np.ndarray | None] = {
            name: np.linspace(0.0, 1.0, half)
            if self.marginals == "kde"
            else (None if counts.columns[name].values is not None else np.linspace(0.0, 1.0, self.max_knots))
            for name in numeric
        }
        marginal = numeric_marginals(blocks, counts, probs)
        sub = counts.sample
        dims: list[_Dim] = []
        cells: list[np.ndarray] = []  # per dim: the cell (tie block / state) of each sample row, -1 = unknown
        cums: list[np.ndarray] = []  # per dim: the cumulative probability bounds of its cells
        states: dict[int, _States] = {}  # state dims: (code of each sample row, K = missing; counts per code)
        for name in names:
            col = counts.columns[name]
            x = sub[name].to_numpy(dtype=np.float64)
            miss = np.isnan(x)
            if name in discrete:
                k = discrete[name]
                full = np.asarray(col.counts)
                order = np.argsort(-full, kind="stable")
                raw = np.where(miss, k, np.nan_to_num(x)).astype(np.int64)
                states[len(dims)] = (raw, full)
                dims.append(_state_dim(name, order, full))
                cells.append(np.append(_positions(order), -1)[raw])
                cums.append(dims[-1].p)
            else:
                m = marginal[name]
                dims.append(_Dim(name, "value", *self._knots(col, m, x[~miss], rng)))
                cells.append(m.cell)
                cums.append(m.cum)
            if col.missing:
                rate = col.missing / n
                dims.append(_Dim(name, "missing", np.array([0.0, 1.0 - rate, 1.0]), np.array([0.0, 1.0])))
                cells.append(miss.astype(np.int64))
                cums.append(dims[-1].p)
        self.dims_ = dims
        self.corr_ = np.zeros((0, 0))
        if dims:
            if self.order_categories:
                self._order_states(cells, cums, states)
            self.corr_ = _estimate_correlation(*_bounds(cells, cums), cums)
        self._prepare()

    def _knots(
        self, col: ColumnCounts, marginal: Marginal, sample: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """A numeric column's quantile function: from its exact counts or order statistics (``sample``:
        the fit sample's present values, the centres of a KDE)."""
        if col.present == 0:
            return np.array([0.0, 1.0]), np.zeros(2)
        if self.marginals == "kde":
            return _kde_knots(marginal.quantiles, sample, self.max_knots, rng)
        if col.values is not None:
            return _run_knots(col.values, np.asarray(col.value_counts), col.present)
        return np.linspace(0.0, 1.0, self.max_knots), marginal.quantiles

    def _order_states(
        self, cells: list[np.ndarray], cums: list[np.ndarray], states: dict[int, _States]
    ) -> None:
        """Reorder each categorical's states along the first principal axis of the others' means.

        ``cells`` and ``cums`` are updated in place; ``states`` holds each row's code (K = missing) and
        the full data's counts per code.
        """
        targets = [j for j, (_, cnt) in states.items() if len(cnt) > 2]
        if not targets or len(self.dims_) < 2:
            return
        scores = _interval_means(*_bounds(cells, cums))
        for _ in range(2):
            for j in targets:
                raw, full_counts = states[j]
                k = len(full_counts)
                counts = np.bincount(raw, minlength=k + 1)[:k].astype(np.float64)
                others = np.delete(scores, j, axis=1)
                sums = [np.bincount(raw, weights=w, minlength=k + 1)[:k] for w in others.T]
                means = np.column_stack(sums) / np.maximum(counts, 1.0)[:, None]
                weighted = np.sqrt(counts / max(counts.sum(), 1.0))[:, None] * means
                axis = np.linalg.svd(weighted, full_matrices=False)[2][0]
                order = np.argsort(np.where(counts > 0, means @ axis, np.inf), kind="stable")
                self.dims_[j] = _state_dim(self.dims_[j].column, order, full_counts)
                cells[j] = np.append(_positions(order), -1)[raw]
                cums[j] = self.dims_[j].p
                scores[:, j] = _interval_means(*_bounds([cells[j]], [cums[j]])).ravel()

    def _prepare(self) -> None:
        """Derived, non-stored state: the column -> dims map and the square root of the correlation."""
        self.names_ = list(dict.fromkeys(d.column for d in self.dims_))
        self._layout: dict[str, list[int]] = {}
        for j, d in enumerate(self.dims_):
            self._layout.setdefault(d.column, []).append(j)
        self._root = _sqrt_psd(self.corr_)
        # knots and state bounds on the score scale: decoding compares scores, no Φ needed; a value
        # between two knots is linear in z rather than in u, with the same mass between knots
        self._zknots = [_to_z(d.p) for d in self.dims_]

    # -- sample ---------------------------------------------------------------------------------------
    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        z = self._root @ rng.standard_normal((len(self.dims_), n))  # dims x rows: one contiguous row per dim
        if conditions is not None and len(self.dims_):
            self._condition(z.T, conditions, rng)
        return self._decode(z)

    def _decode(self, z: np.ndarray) -> pd.DataFrame:
        """Scores (dims x rows) to a frame of codes: quantile functions, state intervals, missingness."""
        out = np.empty((len(self.names_), z.shape[1]))
        for i, name in enumerate(self.names_):
            js = self._layout[name]
            d, knots = self.dims_[js[0]], self._zknots[js[0]]
            if d.role == "state":
                out[i] = d.v[np.searchsorted(knots[1:-1], z[js[0]], side="right")]
            else:
                out[i] = np.interp(z[js[0]], knots, d.v)
            if len(js) > 1:
                out[i, z[js[1]] >= self._zknots[js[1]][1]] = np.nan
        return pd.DataFrame(out.T, columns=self.names_, copy=False)

    def _condition(self, z: np.ndarray, cond: pd.DataFrame, rng: np.random.Generator) -> None:
        """Overwrite the scores ``z`` (rows x dims) in place with draws given the fixed codes ``cond``."""
        n, p = z.shape
        fixed = np.zeros((n, p), dtype=bool)
        lo = np.zeros((n, p))
        hi = np.ones((n, p))
        for name in self.names_:
            if name not in cond.columns:
                continue
            c = cond[name].to_numpy(dtype=np.float64)
            has = ~np.isnan(c)
            if not has.any():
                continue
            js = self._layout[name]
            d = self.dims_[js[0]]
            if d.role == "state":
                pos = _positions(d.v.astype(np.int64))[c[has].astype(np.int64)]
                lo[has, js[0]], hi[has, js[0]] = d.p[pos], d.p[pos + 1]
            else:
                lo[has, js[0]], hi[has, js[0]] = _value_interval(d.p, d.v, c[has])
            fixed[has, js[0]] = True
            if len(js) > 1:  # a fixed value is present
                lo[has, js[1]], hi[has, js[1]] = 0.0, self.dims_[js[1]].p[1]
                fixed[has, js[1]] = True
        for pattern, rows in _mask_groups(fixed):
            if not pattern.any():
                continue
            c_idx, f_idx = np.flatnonzero(pattern), np.flatnonzero(~pattern)
            r_cc = self.corr_[np.ix_(c_idx, c_idx)]
            box = np.ix_(rows, c_idx)
            zc = _truncated_gibbs(r_cc, _to_z(lo[box]), _to_z(hi[box]), rng)
            z[np.ix_(rows, c_idx)] = zc
            if len(f_idx):
                r_cf = self.corr_[np.ix_(c_idx, f_idx)]
                weights = np.linalg.solve(r_cc + 1e-9 * np.eye(len(c_idx)), r_cf)
                cov = self.corr_[np.ix_(f_idx, f_idx)] - r_cf.T @ weights
                noise = rng.standard_normal((len(rows), len(f_idx))) @ _sqrt_psd(cov).T
                z[np.ix_(rows, f_idx)] = zc @ weights + noise

    # -- state ----------------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {"corr": self.corr_}
        for j, d in enumerate(self.dims_):
            arrays[f"p{j}"], arrays[f"v{j}"] = d.p, d.v
        return {"dims": [[d.column, d.role] for d in self.dims_]}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.dims_ = [
            _Dim(str(col), str(role), arrays[f"p{j}"], arrays[f"v{j}"])
            for j, (col, role) in enumerate(meta["dims"])
        ]
        self.corr_ = arrays["corr"]
        self._prepare()


# -- marginals ------------------------------------------------------------------------------------------
def _run_knots(values: np.ndarray, counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Knots ``(p, value)`` of the quantile function interpolating the order statistics of ``n`` values
    (``values`` distinct, ``counts`` rows each): runs of equal values stay flat (their exact frequency)."""
    if n == 1:
        return np.array([0.0, 1.0]), np.repeat(values, 2)
    end = np.cumsum(counts)
    p = np.column_stack([end - counts, end - 1]).ravel() / (n - 1)
    v = np.repeat(values, 2)
    keep = np.concatenate([[True], np.diff(p) > 0])
    return p[keep], v[keep]


def _kde_knots(
    quantiles: np.ndarray, centres: np.ndarray, max_knots: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Knots of the inverse CDF of a Gaussian KDE (Silverman's bandwidth) truncated to the real range.

    ``quantiles``: the column's exact quantiles at ``max_knots // 2`` equally spaced probabilities (the
    first and last are its range); ``centres``: present values of the fit sample (at most
    :data:`_KDE_POINTS` of them are the kernels)."""
    low, high = float(quantiles[0]), float(quantiles[-1])
    if high <= low or not len(centres):
        return np.array([0.0, 1.0]), np.array([low, low])
    if len(centres) > _KDE_POINTS:
        centres = rng.choice(centres, _KDE_POINTS, replace=False)
    q75, q25 = np.percentile(centres, [75, 25])
    spread = min(float(centres.std()), (q75 - q25) / 1.349) if q75 > q25 else float(centres.std())
    width = max(0.9 * spread * len(centres) ** -0.2, (high - low) * 1e-6)
    half = max(max_knots // 2, 2)
    grid = np.unique(np.concatenate([np.linspace(low, high, half), quantiles]))
    cdf = np.empty(len(grid))
    for start in range(0, len(grid), 256):
        block = grid[start : start + 256, None]
        cdf[start : start + 256] = ndtr((block - centres[None, :]) / width).mean(axis=1)
    cdf = (cdf - cdf[0]) / (cdf[-1] - cdf[0])
    return np.maximum.accumulate(cdf), grid


def _state_dim(column: str, order: np.ndarray, counts: np.ndarray) -> _Dim:
    """A state dimension: categories in ``order``, each with an interval as wide as its frequency."""
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, dtype=np.float64)[order])])
    cum = np.minimum(cum / cum[-1], 1.0) if cum[-1] > 0 else np.linspace(0.0, 1.0, len(cum))
    return _Dim(column, "state", cum, order.astype(np.float64))


def _positions(order: np.ndarray) -> np.ndarray:
    """The inverse permutation: ``pos[order[i]] = i``."""
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    return pos


def _bounds(cells: list[np.ndarray], cums: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Score intervals (rows x dims) from each row's cell and the cells' cumulative bounds.

    A cell of -1 (a missing value) spans the whole line.
    """
    lo = np.empty((len(cells[0]), len(cells)), order="F")
    hi = np.empty_like(lo)
    for j, (cell, cum) in enumerate(zip(cells, cums, strict=True)):
        known = cell >= 0
        safe = np.where(known, cell, 0)
        lo[:, j] = np.where(known, cum[safe], 0.0)
        hi[:, j] = np.where(known, cum[safe + 1], 1.0)
    return _to_z(lo), _to_z(hi)


def _mask_groups(mask: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows grouped by their boolean pattern: ``[(pattern, row indices), ...]``."""
    if (mask == mask[0]).all():
        return [(mask[0], np.arange(len(mask)))]
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return [(mask[i], np.flatnonzero(inverse.ravel() == g)) for g, i in enumerate(first)]


def _value_interval(kp: np.ndarray, kv: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The probabilities whose quantile is ``x``: a flat run's interval, else one interpolated point."""
    left = np.searchsorted(kv, x, side="left")
    right = np.searchsorted(kv, x, side="right")
    i = np.clip(left, 1, len(kv) - 1)
    gap = kv[i] - kv[i - 1]
    frac = np.where(gap > 0, (x - kv[i - 1]) / np.where(gap > 0, gap, 1.0), 0.0)
    point = np.clip(kp[i - 1] + np.clip(frac, 0.0, 1.0) * (kp[i] - kp[i - 1]), _EDGE, 1 - _EDGE)
    run = right > left
    lo = np.where(run, kp[np.clip(left, 0, len(kp) - 1)], point)
    hi = np.where(run, kp[np.clip(right - 1, 0, len(kp) - 1)], point)
    return lo, hi


# -- latent normal machinery ----------------------------------------------------------------------------
def _to_z(u: np.ndarray) -> np.ndarray:
    return np.clip(ndtri(np.clip(u, 0.0, 1.0)), -_BOUND, _BOUND)


def _interval_means(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of a standard normal truncated to ``[lo, hi]`` (the point itself when the width is 0)."""
    mass = ndtr(hi) - ndtr(lo)
    dens = np.exp(-0.5 * lo**2) - np.exp(-0.5 * hi**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = dens / np.sqrt(2 * np.pi) / mass
    return np.where(mass > 1e-12, mean, np.clip((lo + hi) / 2, -_BOUND, _BOUND))


def _truncated_normal(
    mean: np.ndarray, sd: float | np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draws of ``N(mean, sd²)`` truncated to ``[lo, hi]`` by inversion, in the tail nearer to zero."""
    a, b = (lo - mean) / sd, (hi - mean) / sd
    upper = a > 0  # mirror upper-tail intervals so that ndtr keeps its precision
    a2, b2 = np.where(upper, -b, a), np.where(upper, -a, b)
    pa, pb = ndtr(a2), ndtr(b2)
    x = ndtri(pa + rng.random(np.shape(lo)) * (pb - pa))
    x = np.clip(np.where(np.isfinite(x), x, b2), a2, b2)
    return np.clip(mean + sd * np.where(upper, -x, x), lo, hi)


def _truncated_gibbs(
    corr: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator, sweeps: int = 10
) -> np.ndarray:
    """Draws of ``N(0, corr)`` truncated to the box ``[lo, hi]`` per row (exact for one interval)."""
    z = _truncated_normal(np.zeros(lo.shape), 1.0, lo, hi, rng)
    if z.shape[1] < 2:
        return z
    prec = np.linalg.inv(corr + 1e-9 * np.eye(len(corr)))
    for _ in range(sweeps):
        for j in range(z.shape[1]):
            d = prec[j, j]
            mean = -(z @ prec[:, j] - z[:, j] * d) / d
            z[:, j] = _truncated_normal(mean, 1 / np.sqrt(d), lo[:, j], hi[:, j], rng)
    return z


def _estimate_correlation(lo: np.ndarray, hi: np.ndarray, cums: list[np.ndarray]) -> np.ndarray:
    """Correlation of latent scores known only up to intervals (rows x dims ``[lo, hi]``).

    Pair by pair, the second moment of the interval means (over rows where both are known) is matched
    to its value under the model, a power series in the correlation; then made positive definite.
    """
    means = _interval_means(lo, hi)
    known = ((lo > -_BOUND) | (hi < _BOUND)).astype(np.float64)
    moments = (means.T @ means) / np.maximum(known.T @ known, 1.0)
    coefs = np.vstack([_hermite_coefficients(c) for c in cums])
    informed = coefs[:, 0] > 1e-6
    corr = _solve_moments(moments, coefs)
    corr[~informed, :] = 0.0
    corr[:, ~informed] = 0.0
    np.fill_diagonal(corr, 1.0)
    return _nearest_correlation(corr)


def _hermite_coefficients(cum: np.ndarray, terms: int = _TERMS) -> np.ndarray:
    """``E[m(Z) h_k(Z)]`` for k = 1..terms: the normalized Hermite coefficients of the step function
    ``m`` that maps a standard normal score to the mean of its cell (cells bounded by ``Φ⁻¹(cum)``)."""
    b = _to_z(cum)
    m = _interval_means(b[:-1], b[1:])
    dens = np.exp(-0.5 * b**2) / np.sqrt(2 * np.pi)
    out = np.empty(terms)
    h_prev, h = np.zeros_like(b), np.ones_like(b)
    for k in range(1, terms + 1):
        g = dens * h  # φ(b) h_{k-1}(b); the integral of φ h_k over a cell is the difference / sqrt(k)
        out[k - 1] = np.sum(m * (g[:-1] - g[1:])) / np.sqrt(k)
        h_prev, h = h, (b * h - np.sqrt(k - 1) * h_prev) / np.sqrt(k)
    return out


def _solve_moments(moments: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """The ρ per pair with ``Σ_k ρ^k c_jk c_lk = E[m_j m_l]`` (monotone in ρ), by bisection on [-1, 1]."""
    p = len(moments)
    out = np.empty((p, p))
    block = max(1, 2_000_000 // max(p * coefs.shape[1], 1))
    for start in range(0, p, block):
        a = coefs[start : start + block, None, :] * coefs[None, :, :]
        target = moments[start : start + block]
        low, high = -np.ones(target.shape), np.ones(target.shape)
        for _ in range(40):
            mid = (low + high) / 2
            value = np.zeros(target.shape)
            for k in range(a.shape[2] - 1, -1, -1):
                value = (value + a[:, :, k]) * mid
            above = value > target
            high = np.where(above, mid, high)
            low = np.where(above, low, mid)
        out[start : start + block] = np.clip((low + high) / 2, -0.999, 0.999)
    return (out + out.T) / 2


def _nearest_correlation(r: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """A positive definite correlation matrix near ``r``: eigenvalues clipped, unit diagonal restored."""
    if len(r) == 0:
        return r
    r = (r + r.T) / 2
    w, v = np.linalg.eigh(r)
    if w.min() < floor:
        r = (v * np.maximum(w, floor)) @ v.T
        d = np.sqrt(np.diag(r))
        r = r / np.outer(d, d)
    np.fill_diagonal(r, 1.0)
    return np.asarray(r)


def _sqrt_psd(cov: np.ndarray) -> np.ndarray:
    """A square root ``L`` with ``L @ L.T == cov``: Cholesky, or clipped eigenvalues when singular."""
    if len(cov) == 0:
        return cov
    try:
        return np.asarray(np.linalg.cholesky(cov))
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh((cov + cov.T) / 2)
        return np.asarray(v * np.sqrt(np.maximum(w, 0.0)))
