"""What ``gaussian_copula`` learns from a table, as passes over blocks that merge exactly.

The copula needs, per code column: its missing count; for a discrete column the rows per code; for a
numeric one its quantile function (order statistics) and, for the rows of the fit sample, the exact
share of present values below and at each of their values (the interval a rank-based score is known
to lie in). The correlation is then fitted on the fit sample alone (a seeded choice of at most
``max_fit_rows`` rows). All of it comes from three passes of pure functions over blocks of codes
(:mod:`synthwise.blocks`), each merged exactly (integer counts add, values concatenate
in block order):

1. :func:`count_block`: missing and present counts, rows per code, each numeric column's distinct
   values with their counts while there are at most ``cap`` of them, and the fit sample's rows;
2. :func:`rank_block`: for a numeric column with more distinct values, the rows below and at each
   distinct value of the fit sample (its *pivots*): the cells of the sample's rows, and the brackets
   that locate any order statistic between two pivots;
3. :func:`gap_block`: the values strictly between two pivots, only for the brackets holding a wanted
   order statistic (a few hundred values each: the table's rows over the sample's).

An order statistic is then exact: a pivot, or the right value of its bracket once sorted. A quantile at
probability ``p`` interpolates the order statistics around ``(n - 1) p`` as ``numpy.quantile`` does.
On a table no larger than the fit sample every value is a pivot and passes 2-3 cost one sort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthwise.blocks import Blocks


@dataclass(frozen=True)
class CountContext:
    """Pass 1's input: the discrete code columns (with their number of codes), the numeric ones, the
    most distinct values a numeric column's counts are kept for, and the fit sample (sorted rows)."""

    discrete: dict[str, int]
    numeric: tuple[str, ...]
    cap: int
    keep: np.ndarray


@dataclass
class ColumnCounts:
    """One column's pass-1 figures over some rows."""

    missing: int
    present: int
    counts: np.ndarray | None = None  # discrete: rows per code
    values: np.ndarray | None = None  # numeric: distinct present values, sorted (None: more than cap)
    value_counts: np.ndarray | None = None


@dataclass
class Counts:
    """Pass 1 over some rows: the figures per column and the fit sample's rows among them."""

    rows: int
    sample: pd.DataFrame
    columns: dict[str, ColumnCounts]


@dataclass
class Marginal:
    """A numeric column's exact marginal: the order statistics asked for, and the cells of the fit
    sample's rows (``cell`` indexes ``cum``, the cumulative share of present rows; -1 = missing)."""

    present: int
    quantiles: np.ndarray
    cum: np.ndarray
    cell: np.ndarray


# -- pass 1 ---------------------------------------------------------------------------------------------
def count_block(ctx: CountContext, codes: pd.DataFrame, offset: int) -> Counts:
    keep = ctx.keep[(ctx.keep >= offset) & (ctx.keep < offset + len(codes))] - offset
    sample = codes.iloc[keep].reset_index(drop=True)
    columns: dict[str, ColumnCounts] = {}
    for name, k in ctx.discrete.items():
        x = codes[name].to_numpy(dtype=np.float64)
        present = x[~np.isnan(x)].astype(np.int64)
        columns[name] = ColumnCounts(len(x) - len(present), len(present), np.bincount(present, minlength=k))
    for name in ctx.numeric:
        x = codes[name].to_numpy(dtype=np.float64)
        present = x[~np.isnan(x)]
        values, counts = np.unique(present, return_counts=True)
        few = len(values) <= ctx.cap
        columns[name] = ColumnCounts(
            len(x) - len(present),
            len(present),
            values=values if few else None,
            value_counts=counts.astype(np.int64) if few else None,
        )
    return Counts(len(codes), sample, columns)


def merge_counts(parts: list[Counts], cap: int) -> Counts:
    """Pass-1 parts of consecutive blocks (in block order) as one."""
    first = parts[0]
    columns: dict[str, ColumnCounts] = {}
    for name in first.columns:
        cols = [p.columns[name] for p in parts]
        merged = ColumnCounts(sum(c.missing for c in cols), sum(c.present for c in cols))
        counts = [c.counts for c in cols if c.counts is not None]
        seen = [
            (c.values, c.value_counts) for c in cols if c.values is not None and c.value_counts is not None
        ]
        if counts:
            merged.counts = np.sum(counts, axis=0)
        elif len(seen) == len(cols):
            values, inverse = np.unique(np.concatenate([v for v, _ in seen]), return_inverse=True)
            if len(values) <= cap:
                weights = np.concatenate([w for _, w in seen])
                merged.values = values
                merged.value_counts = np.bincount(inverse, weights, len(values)).astype(np.int64)
        columns[name] = merged
    sample = pd.concat([p.sample for p in parts], ignore_index=True) if len(parts) > 1 else first.sample
    return Counts(sum(p.rows for p in parts), sample, columns)


# -- passes 2 and 3 -------------------------------------------------------------------------------------
def _present_sorted(codes: pd.DataFrame, name: str) -> np.ndarray:
    x = codes[name].to_numpy(dtype=np.float64)
    return np.sort(x[~np.isnan(x)])


def rank_block(pivots: dict[str, np.ndarray], codes: pd.DataFrame, offset: int) -> dict[str, np.ndarray]:
    """Per column: rows below (row 0) and at or below (row 1) each pivot."""
    out = {}
    for name, piv in pivots.items():
        x = _present_sorted(codes, name)
        out[name] = np.vstack([np.searchsorted(x, piv, "left"), np.searchsorted(x, piv, "right")])
    return out


def gap_block(
    wanted: dict[str, tuple[np.ndarray, np.ndarray]], codes: pd.DataFrame, offset: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per column ``(pivots, gaps)``: the present values strictly inside the wanted gaps (gap ``g`` lies
    between pivots ``g - 1`` and ``g``), with their gap."""
    out = {}
    for name, (piv, gaps) in wanted.items():
        x = _present_sorted(codes, name)
        g = np.searchsorted(piv, x, "left")
        on_pivot = (g < len(piv)) & (_at(piv, g) == x)
        sel = ~on_pivot & np.isin(g, gaps)
        out[name] = (g[sel], x[sel])
    return out


def _sum(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.sum([p[name] for p in parts], axis=0) for name in parts[0]}


# -- assembling -------------------------------------------------------------------------------------------
def numeric_marginals(
    blocks: Blocks, counts: Counts, probs: dict[str, np.ndarray | None]
) -> dict[str, Marginal]:
    """Each numeric column's :class:`Marginal`, with the quantiles at ``probs[name]`` (none if None)."""
    out: dict[str, Marginal] = {}
    ranked: dict[str, np.ndarray] = {}  # columns that need passes 2-3: their pivots
    for name in probs:
        col = counts.columns[name]
        s = counts.sample[name].to_numpy(dtype=np.float64)
        if col.values is not None:
            ends = np.cumsum(col.value_counts)  # type: ignore[arg-type]
            cum = np.concatenate([[0.0], ends]) / max(col.present, 1)
            cell = np.full(len(s), -1, dtype=np.int64)
            cell[~np.isnan(s)] = np.searchsorted(col.values, s[~np.isnan(s)])
            p = probs[name]
            q = np.zeros(0)
            if p is not None and col.present:
                lo, hi, gamma = _ranks(p, col.present)
                stat = col.values[np.searchsorted(ends, np.concatenate([lo, hi]), "right")]
                q = _lerp(stat[: len(lo)], stat[len(lo) :], gamma)
            out[name] = Marginal(col.present, q, cum, cell)
        else:
            ranked[name] = np.unique(s[~np.isnan(s)])
    if not ranked:
        return out
    brackets = _sum(blocks.map(rank_block, ranked))
    wanted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    plans = {}
    for name, piv in ranked.items():
        col = counts.columns[name]
        lower, upper = brackets[name]
        p = probs[name]
        lo, hi, gamma = (
            _ranks(p, col.present)
            if p is not None and col.present
            else (np.zeros(0, np.int64),) * 2 + (np.zeros(0),)
        )
        ranks = np.concatenate([lo, hi])
        at = np.searchsorted(upper, ranks, "right")  # the first pivot with more rows at or below it
        on_pivot = (at < len(piv)) & (_at(lower, at) <= ranks)
        plans[name] = (lower, upper, ranks, at, on_pivot, gamma, len(lo))
        wanted[name] = (piv, np.unique(at[~on_pivot]))
    wanted = {k: v for k, v in wanted.items() if len(v[1])}
    inside = blocks.map(gap_block, wanted) if wanted else []
    for name, piv in ranked.items():
        lower, upper, ranks, at, on_pivot, gamma, n_lo = plans[name]
        col = counts.columns[name]
        stat = np.where(on_pivot, _at(piv, at), np.nan)
        if name in wanted:
            gap = np.concatenate([part[name][0] for part in inside])
            vals = np.concatenate([part[name][1] for part in inside])
            order = np.lexsort((vals, gap))
            gap, vals = gap[order], vals[order]
            first = np.searchsorted(gap, at[~on_pivot], "left")  # where each wanted gap starts
            below = np.where(at[~on_pivot] > 0, _at(upper, at[~on_pivot] - 1), 0)
            stat[~on_pivot] = vals[first + ranks[~on_pivot] - below]
        edges = np.unique(np.concatenate([[0], lower, upper, [col.present]]))
        s = counts.sample[name].to_numpy(dtype=np.float64)
        cell = np.full(len(s), -1, dtype=np.int64)
        cell[~np.isnan(s)] = np.searchsorted(edges, lower[np.searchsorted(piv, s[~np.isnan(s)])])
        q = _lerp(stat[:n_lo], stat[n_lo:], gamma)
        out[name] = Marginal(col.present, q, edges / max(col.present, 1), cell)
    return out


def _at(a: np.ndarray, i: np.ndarray) -> np.ndarray:
    """``a[i]`` with ``i`` clipped into range (``a`` empty: zeros); callers mask what is out of range."""
    if not len(a):
        return np.zeros(len(i), dtype=a.dtype)
    return a[np.clip(i, 0, len(a) - 1)]


def _ranks(p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order statistics (0-based) around ``(n - 1) p`` and the weight of the upper one."""
    h = (n - 1) * np.asarray(p, dtype=np.float64)
    lo = np.clip(np.floor(h), 0, n - 1).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    return lo, hi, h - lo


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``a + (b - a) t``, from the nearer end (as ``numpy.quantile`` interpolates)."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
