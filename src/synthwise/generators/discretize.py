"""Discretization for discrete models: one encoded column to integer states and back.

* categorical, boolean and constant columns: the state is the category code;
* numeric and datetime (seconds) columns: frequent values ("atoms": at least ``1/n_bins`` of the rows,
  or every value when the column has at most ``n_bins`` distinct values) are states of their own; the
  other values fall into quantile bins, so a column has at most ``n_bins`` value states. Drawing a
  value back follows the real values' distribution inside the state: their exact frequency table when
  the column has at most :data:`EXACT_MAX_DISTINCT` distinct values (lattices such as ages, counts and
  dates), otherwise a linear interpolation between :data:`N_KNOTS` + 1 quantiles of the bin, which keeps
  the marginal smooth and copies no real value;
* missing values are one more state, the last, in every column that has any.

A state of ``-1`` from :meth:`ColumnStates.to_states` means "outside the domain" (zero probability).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

EXACT_MAX_DISTINCT = 256
N_KNOTS = 64


@dataclass
class ColumnStates:
    """How one encoded column maps to states ``0..n_states-1`` and back to codes."""

    name: str
    discrete: bool  # category codes are the states
    n_values: int  # states that are not "missing"
    has_missing: bool
    atoms: np.ndarray  # sorted values that are states of their own (state i <-> atoms[i])
    edges: np.ndarray  # bin edges of the other values (bins are states len(atoms)..n_values-1)
    table_values: np.ndarray  # exact sampler: values sorted by (state, value) ...
    table_keys: np.ndarray  # ... and keys state + cumulative frequency within the state
    knots: np.ndarray  # smooth sampler: (n_values, N_KNOTS + 1) quantiles per state

    @property
    def n_states(self) -> int:
        return self.n_values + int(self.has_missing)

    @property
    def missing_state(self) -> int:
        """The state of a missing value, or -1 when the column had none."""
        return self.n_values if self.has_missing else -1

    def to_states(self, codes: np.ndarray) -> np.ndarray:
        """Codes (NaN = missing) to states; ``-1`` for a value outside the column's domain."""
        v = np.asarray(codes, dtype=np.float64)
        miss = np.isnan(v)
        out = np.full(len(v), -1, dtype=np.int64)
        out[miss] = self.missing_state
        x = v[~miss]
        if self.discrete:
            s = np.round(x).astype(np.int64)
            ok = (s >= 0) & (s < self.n_values) & (s == x)
            out[~miss] = np.where(ok, s, -1)
            return out
        states = np.full(len(x), -1, dtype=np.int64)
        n_atoms = len(self.atoms)
        if len(self.edges) >= 2:
            n_bins = len(self.edges) - 1
            b = np.clip(np.searchsorted(self.edges[1:-1], x, side="right"), 0, n_bins - 1)
            inside = (x >= self.edges[0]) & (x <= self.edges[-1])
            states = np.where(inside, n_atoms + b, -1)
        if n_atoms:
            pos = np.clip(np.searchsorted(self.atoms, x), 0, n_atoms - 1)
            for cand in (pos, np.maximum(pos - 1, 0)):
                hit = np.isclose(self.atoms[cand], x, rtol=1e-12, atol=0.0)
                states = np.where(hit, cand, states)
        out[~miss] = states
        return out

    def nearest_states(self, codes: np.ndarray) -> np.ndarray:
        """:meth:`to_states`, a present value outside the domain taking the nearest value state (a
        value the fit sample missed, in a fit over blocks: :mod:`synthwise.blocks`) and a category
        code outside the domain the missing state (or 0)."""
        out = self.to_states(codes)
        v = np.asarray(codes, dtype=np.float64)
        bad = np.flatnonzero((out < 0) & ~np.isnan(v))
        if not bad.size or self.n_values == 0 or self.discrete:
            out[bad] = max(self.missing_state, 0)
            return out
        x = v[bad]
        # the distance to every value state: to its atom, or to its bin's range
        n_bins = max(len(self.edges) - 1, 0)
        dist = np.full((len(x), len(self.atoms) + n_bins), np.inf)
        if len(self.atoms):
            dist[:, : len(self.atoms)] = np.abs(x[:, None] - self.atoms[None, :])
        if n_bins:
            lo, hi = self.edges[:-1][None, :], self.edges[1:][None, :]
            dist[:, len(self.atoms) :] = np.maximum(lo - x[:, None], 0) + np.maximum(x[:, None] - hi, 0)
        out[bad] = np.argmin(dist, axis=1)
        return out

    def sample(self, states: np.ndarray, rng: np.random.Generator, u: np.ndarray | None = None) -> np.ndarray:
        """States to codes: NaN for the missing state, a value drawn inside its bin for the others.

        ``u`` (one uniform per row) sets each value's position inside its state's distribution; by
        default it is drawn from ``rng``. Passing correlated positions couples values across columns.
        """
        s = np.asarray(states, dtype=np.int64)
        out = np.full(len(s), np.nan)
        ok = (s >= 0) & (s < self.n_values)
        sv = s[ok]
        if self.discrete:
            out[ok] = sv
            return out
        pos = (
            rng.random(len(sv)) if u is None else np.clip(np.asarray(u, dtype=np.float64)[ok], 0.0, 1 - 1e-12)
        )
        if len(self.table_keys):
            idx = np.searchsorted(self.table_keys, sv + pos, side="right")
            out[ok] = self.table_values[np.minimum(idx, len(self.table_values) - 1)]
        elif len(sv):
            pos = pos * N_KNOTS
            i = np.minimum(pos.astype(np.int64), N_KNOTS - 1)
            lo, hi = self.knots[sv, i], self.knots[sv, i + 1]
            out[ok] = lo + (pos - i) * (hi - lo)
        return out

    def positions(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each value's position in (0, 1) inside its state (a randomized rank); NaN where it has none.

        Missing values, categories and atoms (single-value states) have no position.
        """
        v = np.asarray(codes, dtype=np.float64)
        out = np.full(len(v), np.nan)
        if self.discrete:
            return out
        states = self.to_states(v)
        spread = (states >= len(self.atoms)) & (states < self.n_values)
        rows = np.flatnonzero(spread)
        if len(rows) == 0:
            return out
        s = states[rows]
        order = np.lexsort((rng.random(len(rows)), v[rows], s))
        s_sorted = s[order]
        counts = np.bincount(s_sorted, minlength=self.n_values)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(rows)) - starts[s_sorted]
        out[rows[order]] = np.clip((rank + rng.random(len(rows))) / counts[s_sorted], 1e-9, 1 - 1e-9)
        return out

    # -- model files ----------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "name": self.name,
            "discrete": self.discrete,
            "n_values": self.n_values,
            "has_missing": self.has_missing,
        }
        arrays = {
            "atoms": self.atoms,
            "edges": self.edges,
            "table_values": self.table_values,
            "table_keys": self.table_keys,
            "knots": self.knots,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> ColumnStates:
        return cls(
            name=str(meta["name"]),
            discrete=bool(meta["discrete"]),
            n_values=int(meta["n_values"]),
            has_missing=bool(meta["has_missing"]),
            **{
                k: np.asarray(arrays[k], dtype=np.float64)
                for k in ("atoms", "edges", "table_values", "table_keys", "knots")
            },
        )


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float64)


def fit_discrete(
    name: str, codes: np.ndarray, n_categories: int, has_missing: bool | None = None
) -> ColumnStates:
    """States for a categorical / boolean / constant column: its ``n_categories`` codes (+ missing;
    ``has_missing`` None: whether ``codes`` hold any)."""
    if has_missing is None:
        has_missing = bool(np.isnan(codes).any())
    return ColumnStates(
        name,
        True,
        int(n_categories),
        has_missing,
        _empty(),
        _empty(),
        _empty(),
        _empty(),
        np.zeros((0, N_KNOTS + 1)),
    )


def fit_continuous(
    name: str,
    codes: np.ndarray,
    n_bins: int,
    has_missing: bool | None = None,
    span: tuple[float, float] | None = None,
) -> ColumnStates:
    """States for a numeric or datetime column: atoms plus quantile bins, at most ``n_bins`` of them.

    ``codes`` may be a sample of the column (a fit over blocks): ``has_missing`` then says whether the
    whole column has missing values, and ``span`` its smallest and largest value, to which the outer
    bins reach (a value the sample missed then falls in a bin)."""
    v = np.asarray(codes, dtype=np.float64)
    miss = np.isnan(v)
    x = v[~miss]
    vals, counts = np.unique(x, return_counts=True)
    edges = _empty()
    if len(vals) <= n_bins:
        atoms = vals
    else:
        heavy = counts >= len(x) / n_bins
        atoms = vals[heavy]
        rest, rest_counts = vals[~heavy], counts[~heavy]
        n_rest_bins = max(n_bins - len(atoms), 1)
        if len(rest) <= n_rest_bins:
            atoms = vals
        else:
            cum = np.cumsum(rest_counts)
            targets = np.linspace(0, 1, n_rest_bins + 1) * cum[-1]
            # inverted-CDF quantiles: every edge is a real value, so every bin holds at least one value
            edges = np.unique(rest[np.minimum(np.searchsorted(cum, targets, side="left"), len(rest) - 1)])
            edges[0], edges[-1] = rest[0], rest[-1]
            if span is not None:
                edges[0], edges[-1] = min(edges[0], span[0]), max(edges[-1], span[1])
    col = ColumnStates(
        name,
        False,
        len(atoms) + max(len(edges) - 1, 0),
        bool(miss.any()) if has_missing is None else has_missing,
        atoms,
        edges,
        _empty(),
        _empty(),
        np.zeros((0, N_KNOTS + 1)),
    )
    if len(vals) == 0:
        return col
    val_states = col.to_states(vals)
    if len(vals) <= EXACT_MAX_DISTINCT:
        order = np.lexsort((vals, val_states))
        s, c, w = val_states[order], vals[order], counts[order].astype(np.float64)
        totals = np.bincount(s, weights=w, minlength=col.n_values)
        starts = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
        within = (np.cumsum(w) - starts[s]) / totals[s]
        within[np.r_[s[1:] != s[:-1], True]] = 1.0  # the last value of each state closes it exactly
        col.table_values, col.table_keys = c, s + within
    else:
        grid = np.linspace(0, 1, N_KNOTS + 1)
        knots = np.zeros((col.n_values, N_KNOTS + 1))
        for state in range(col.n_values):
            sel = val_states == state
            knots[state] = np.quantile(np.repeat(vals[sel], counts[sel]), grid)
        col.knots = knots
    return col


# -- coupling of within-bin positions between related numeric columns ------------------------------------
MIN_COUPLING_GAIN = 0.005  # least share of within-bin score variance an anchor must explain
SHRINK_ROWS = 20.0  # a cell's regression is shrunk towards "independent" with weight n / (n + SHRINK_ROWS)


@dataclass
class Coupling:
    """How a numeric column's within-bin position follows one parent (its anchor).

    ``coef`` is (4, anchor states x own states): per cell of (anchor state, own state), the mean of the
    column's Gaussian within-bin score, its slope on the anchor's standardized score (0 for a categorical
    anchor), the residual deviation and the total deviation. A column without an anchor has
    ``anchor = -1`` and an empty ``coef``.
    """

    anchor: int
    coef: np.ndarray


def fit_couplings(
    states: list[ColumnStates], codes: pd.DataFrame, order: list[int], rng: np.random.Generator
) -> list[Coupling]:
    """For each numeric column, the column whose state (and within-bin position) explains most of its own.

    Positions are drawn after every state, so the anchor may be any categorical column and any numeric
    column earlier in ``order`` (its position is then known). Without an anchor, values inside a bin are
    drawn independently of everything else, which loses tight relations (sizes, weights, prices) and
    within-bin shifts (the top balance bin holds higher balances for defaulters). Cells with few rows
    shrink towards "uniform inside the bin", so no cell reproduces a handful of real rows.
    """
    rank = {v: i for i, v in enumerate(order)}
    scores = [ndtri(cs.positions(codes[cs.name].to_numpy(), rng)) for cs in states]
    st = [cs.to_states(codes[cs.name].to_numpy()) for cs in states]
    out = []
    for v, cs in enumerate(states):
        best, best_gain = Coupling(-1, np.zeros((4, 0))), MIN_COUPLING_GAIN
        own = ~np.isnan(scores[v])
        allowed = [p for p in order if p != v and (states[p].discrete or rank[p] < rank[v])]
        for p in allowed if own.sum() >= 30 else ():
            x = np.where(np.isnan(scores[p]), 0.0, scores[p])[own]
            cell = st[p][own] * cs.n_states + st[v][own]
            coef, gain = _cell_regression(cell, x, scores[v][own], states[p].n_states * cs.n_states)
            if gain > best_gain:
                best, best_gain = Coupling(p, coef), gain
        out.append(best)
    return out


def _cell_regression(
    cell: np.ndarray, x: np.ndarray, y: np.ndarray, n_cells: int
) -> tuple[np.ndarray, float]:
    """Per-cell least squares of ``y`` on standardized ``x`` with shrinkage; (coef, variance explained)."""

    def total(w: np.ndarray | None) -> np.ndarray:
        return np.bincount(cell, weights=w, minlength=n_cells)

    n = total(None)
    safe = np.maximum(n, 1)
    mx, my = total(x) / safe, total(y) / safe
    vx = np.maximum(total(x * x) / safe - mx**2, 0.0)
    vy = np.maximum(total(y * y) / safe - my**2, 0.0)
    cxy = total(x * y) / safe - mx * my
    slope = np.where(vx > 1e-9, cxy / np.sqrt(np.maximum(vx, 1e-9)), 0.0)
    resid = np.maximum(vy - slope**2, 0.0)
    lam = n / (n + SHRINK_ROWS)
    mean, slope = lam * my, lam * slope
    resid_sd = np.sqrt(lam * resid + (1 - lam))
    total_sd = np.sqrt(slope**2 + resid_sd**2)
    explained = 1.0 - float((n * resid).sum() / max((y * y).sum(), 1e-9))
    return np.vstack([mean, slope, resid_sd, total_sd]), explained


def coupled_positions(
    couplings: list[Coupling], order: list[int], data: np.ndarray, card: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Within-state positions in (0, 1) for every column, coupled along the anchors (topological order)."""
    n, d = data.shape
    z = np.zeros((n, d))
    std = np.zeros((n, d))  # each column's score standardized within its cell: N(0, 1) by construction
    for v in order:
        e = rng.standard_normal(n)
        cpl = couplings[v]
        if cpl.anchor < 0:
            z[:, v] = std[:, v] = e
            continue
        cell = data[:, cpl.anchor] * card[v] + data[:, v]
        mean, slope, resid_sd, total_sd = cpl.coef[:, cell]
        dev = slope * std[:, cpl.anchor] + resid_sd * e
        z[:, v] = mean + dev
        std[:, v] = dev / total_sd
    return np.asarray(ndtr(z))
