"""Marginals of every row of tables read in blocks: exact, for tables too large for one process.

:func:`block_column_scores` gives what :func:`~synthwise.evaluation.marginals.column_scores` gives on
the whole tables in memory (``1 - KS`` per numeric or datetime column, ``1 - TVD`` per categorical or
boolean one, missing values included), bit for bit, from passes of pure functions over
:class:`~synthwise.blocks.Blocks` whose parts merge exactly:

* **categorical**: the code counts of each block add up (pass 1);
* **numeric**: pass 1 counts each side's values into bins between fixed edges (any edges: they come
  from the seeded samples' quantiles and only decide how much work is left) and keeps each bin's
  smallest and largest value. The empirical CDFs are then exact at every edge, and the gap at an edge
  is the gap at the last value at or below it, so the largest edge gap is a lower bound of KS. Inside a
  bin neither CDF leaves the range its edges give, which bounds the gap there from above; only bins
  whose bound beats the lower bound and that hold more than one distinct value can hide the statistic.
  When those bins hold many rows they are split between their smallest and largest values and counted
  again (a finer bin bounds its gap closer; at most ``MAX_COLUMN_EDGES`` edges, so a block's counts stay
  small). Then the values of the open bins are collected, the largest bounds first and at most
  ``MAX_COLLECT`` rows per column and pass, and the gaps at them are computed as
  ``count / n - count / n``, the arithmetic of :func:`~synthwise.evaluation.marginals.ks_sorted`; each
  batch raises the lower bound and closes the bins it beats. Memory stays bounded whatever the rows;
  only a column whose two tables hold the same values (KS 0, e.g. row numbers 1..n in both) needs every
  value read, in ``rows / MAX_COLLECT`` passes.

Counts are merged as the blocks arrive (:func:`synthwise.blocks.fold`), so a pass holds a few blocks'
counts at a time, not one per block. Several tables (the synthetic one and the holdout) are compared
with the real one in lockstep: each pass reads the real table once for all of them, counting or
collecting each comparison's own bins.

Blocks hold raw rows; each block is coded with
:func:`~synthwise.transforms.embedding.table_codes`, a row-wise function, so a row's codes do not
depend on the block it sits in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthwise.blocks import Blocks, fold
from synthwise.evaluation.marginals import tvd
from synthwise.schema import Schema
from synthwise.transforms.embedding import CONTINUOUS_KINDS, compared_columns, table_codes

MAX_EDGES = 4096  # bins per numeric column in the first pass
SPLITS = 64  # a candidate bin is cut into this many when its rows are too many to collect
MAX_COLUMN_EDGES = 2**18  # a column's edges never exceed this: a block's counts stay small
MAX_COLLECT = 4_000_000  # values (both tables) of one column gathered by one collecting pass
MAX_ROUNDS = 3  # counting passes; then the open bins are collected, a batch per pass


@dataclass(frozen=True)
class BinPlan:
    schema: Schema
    continuous: tuple[str, ...]
    categorical: tuple[tuple[str, int], ...]  # (column, number of categories)
    edges: tuple[np.ndarray, ...]  # per continuous column: sorted unique finite edges


@dataclass(frozen=True)
class BinCounts:
    rows: int
    bins: tuple[np.ndarray, ...]  # per continuous column: counts per bin (len(edges) + 1)
    low: tuple[np.ndarray, ...]  # per bin: the smallest value (inf where empty)
    high: tuple[np.ndarray, ...]  # per bin: the largest value (-inf where empty)
    categories: tuple[np.ndarray, ...]  # per categorical column: counts (K + 2, see category_shares)


def code_values(codes: pd.DataFrame, name: str) -> np.ndarray:
    v = codes[name].to_numpy(dtype=np.float64)
    return np.where(np.isnan(v), -np.inf, v)  # missing below every value, as in ks_statistic


def count_bins(plan: BinPlan, frame: pd.DataFrame, row_offset: int) -> BinCounts:
    codes = table_codes(frame, plan.schema)
    bins, low, high = [], [], []
    for name, edges in zip(plan.continuous, plan.edges, strict=True):
        v = code_values(codes, name)
        idx = np.searchsorted(edges, v, "left")  # bin i holds (edges[i - 1], edges[i]]
        size = len(edges) + 1
        bins.append(np.bincount(idx, minlength=size).astype(np.int64))
        lo = np.full(size, np.inf)
        hi = np.full(size, -np.inf)
        np.minimum.at(lo, idx, v)
        np.maximum.at(hi, idx, v)
        low.append(lo)
        high.append(hi)
    cats = []
    for name, k in plan.categorical:
        v = codes[name].to_numpy(dtype=np.float64)  # laid out as category_shares lays its shares out
        idx = np.where(np.isnan(v), k, v)
        idx = np.where(idx < 0, k + 1, idx).astype(np.int64)
        cats.append(np.bincount(idx, minlength=k + 2).astype(np.int64))
    return BinCounts(len(frame), tuple(bins), tuple(low), tuple(high), tuple(cats))


def merge_counts(a: BinCounts, b: BinCounts) -> BinCounts:
    """Two blocks' counts as one (sums, minima, maxima: the same whatever the order)."""
    return BinCounts(
        a.rows + b.rows,
        tuple(x + y for x, y in zip(a.bins, b.bins, strict=True)),
        tuple(np.minimum(x, y) for x, y in zip(a.low, b.low, strict=True)),
        tuple(np.maximum(x, y) for x, y in zip(a.high, b.high, strict=True)),
        tuple(x + y for x, y in zip(a.categories, b.categories, strict=True)),
    )


@dataclass(frozen=True)
class CollectPlan:
    schema: Schema
    columns: tuple[str, ...]
    edges: tuple[np.ndarray, ...]
    bins: tuple[np.ndarray, ...]  # per column: the candidate bin numbers


@dataclass
class _Open:
    """A numeric column whose statistic some bins may still hide after counting."""

    name: str
    edges: np.ndarray
    lower: float  # the largest gap found so far
    bins: np.ndarray  # the bins still open, largest upper bound first
    upper: np.ndarray  # their upper bounds
    held: np.ndarray  # their rows (both tables)
    below_a: np.ndarray  # per bin: rows of the first table below it
    below_b: np.ndarray
    n_a: int
    n_b: int

    def batch(self) -> np.ndarray:
        """The next bins to collect: the open ones with the largest bounds, at most MAX_COLLECT rows
        (at least one bin)."""
        take = max(1, int(np.searchsorted(np.cumsum(self.held), MAX_COLLECT, "right")))
        return self.bins[:take]

    def settle(self, taken: int, found: float) -> None:
        """``taken`` bins collected, their largest gap ``found``: drop them and every bin it beats."""
        self.lower = max(self.lower, found)
        keep = self.upper[taken:] > self.lower
        self.bins, self.upper, self.held = (x[taken:][keep] for x in (self.bins, self.upper, self.held))


def collect_values(plan: CollectPlan, frame: pd.DataFrame, row_offset: int) -> tuple[np.ndarray, ...]:
    codes = table_codes(frame, plan.schema)
    out = []
    for name, edges, wanted in zip(plan.columns, plan.edges, plan.bins, strict=True):
        v = code_values(codes, name)
        out.append(v[np.isin(np.searchsorted(edges, v, "left"), wanted)])
    return tuple(out)


def _gap(c_a: np.ndarray | int, n_a: int, c_b: np.ndarray | int, n_b: int) -> np.ndarray:
    return np.abs(np.asarray(c_a) / n_a - np.asarray(c_b) / n_b)


def _candidates(a: BinCounts, b: BinCounts, i: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The lower bound of KS from the edges, the bins that may still hold a larger gap (largest bound
    first) and their upper bounds."""
    n_a, n_b = a.rows, b.rows
    ca, cb = np.cumsum(a.bins[i]), np.cumsum(b.bins[i])
    at_edges = _gap(ca[:-1], n_a, cb[:-1], n_b)  # the CDFs at each edge (the last bin has none)
    lower = float(at_edges.max()) if len(at_edges) else 0.0
    prev_a, prev_b = np.r_[0, ca[:-1]], np.r_[0, cb[:-1]]
    upper = np.maximum(ca / n_a - prev_b / n_b, cb / n_b - prev_a / n_a)
    lo = np.minimum(a.low[i], b.low[i])
    hi = np.maximum(a.high[i], b.high[i])
    # a bin of one distinct value hides nothing: the CDFs at that value are the ones at the bin's right
    # edge (after the last edge: 1 and 1)
    open_bins = np.flatnonzero((upper > lower) & (hi > lo) & (a.bins[i] + b.bins[i] > 0))
    open_bins = open_bins[np.argsort(-upper[open_bins], kind="stable")]
    return lower, open_bins, upper[open_bins]


def _exact_in_bins(values_a: np.ndarray, values_b: np.ndarray, col: _Open) -> float:
    """The largest gap at the collected values (every value of some of ``col``'s bins), counted from the
    rows below each bin."""
    if len(values_a) + len(values_b) == 0:
        return 0.0
    sa, sb = np.sort(values_a), np.sort(values_b)
    grid = np.concatenate([sa, sb])
    where = np.searchsorted(col.edges, grid, "left")  # each value's bin
    ka = col.below_a[where] + _in_bin_up_to(sa, grid, col.edges, where)
    kb = col.below_b[where] + _in_bin_up_to(sb, grid, col.edges, where)
    return float(_gap(ka, col.n_a, kb, col.n_b).max())


def _in_bin_up_to(values: np.ndarray, grid: np.ndarray, edges: np.ndarray, where: np.ndarray) -> np.ndarray:
    """How many collected ``values`` (sorted) lie in each grid value's bin at or below it: those at or
    below it less those at or below the bin's left edge (none for the first bin, which starts at -inf,
    where missing values sit)."""
    up_to = np.searchsorted(values, grid, "right")
    if len(edges) == 0:
        return up_to
    left = np.searchsorted(values, edges[np.maximum(where - 1, 0)], "right")
    return up_to - np.where(where > 0, left, 0)


def sample_edges(sample_a: np.ndarray, sample_b: np.ndarray) -> np.ndarray:
    pooled = np.concatenate([sample_a, sample_b])
    finite = np.unique(pooled[np.isfinite(pooled)])
    if len(finite) <= MAX_EDGES:
        return finite
    return np.unique(np.quantile(finite, np.linspace(0.0, 1.0, MAX_EDGES)))


def split_bins(edges: np.ndarray, bins: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``edges`` with open ``bins`` cut between their smallest and largest values: into as many pieces
    (2 to SPLITS) as keep the column within MAX_COLUMN_EDGES, every open bin if it can (largest bound
    first otherwise). A bin holding missing values (-inf) is left as it is."""
    room = MAX_COLUMN_EDGES - len(edges)
    pieces = int(min(SPLITS, max(2, room // max(1, len(bins)))))
    cut = bins[: room // pieces]
    extra = [np.linspace(low[j], high[j], pieces + 1)[:-1] for j in cut if np.isfinite(low[j])]
    return np.unique(np.concatenate([edges, *extra])) if extra else edges


@dataclass
class _Comparison:
    """The state of one table's comparison with the real one: its edges, the numeric columns still
    being counted, the finished scores and the columns whose open bins are being collected."""

    other: Blocks
    edges: list[np.ndarray]
    todo: list[int]
    out: dict[str, float] = field(default_factory=dict)
    opened: list[_Open] = field(default_factory=list)


def block_column_scores(
    real: Blocks,
    others: Sequence[Blocks],
    schema: Schema,
    samples: Sequence[pd.DataFrame],
) -> list[dict[str, float]]:
    """Per compared column, ``1 - KS`` or ``1 - TVD`` of ``real`` against each of ``others`` over every
    row of both (see the module docstring); equal to ``column_scores`` on the whole tables in memory.
    ``samples`` (seeded samples of ``real`` then of each of ``others``, raw rows) place the first
    pass's bin edges. Each pass reads the real table once for every comparison (a column may then be
    counted with several comparisons' edges)."""
    cols = compared_columns(schema)
    cont = tuple(c.name for c in cols if c.kind in CONTINUOUS_KINDS)
    cat = tuple((c.name, len(c.categories)) for c in cols if c.kind not in CONTINUOUS_KINDS)
    sr, *so = (table_codes(s, schema) for s in samples)
    runs = [
        _Comparison(
            other,
            [sample_edges(code_values(sr, n), code_values(sb, n)) for n in cont],
            list(range(len(cont))),
        )
        for other, sb in zip(others, so, strict=True)
    ]
    for round_ in range(MAX_ROUNDS):
        active = [run for run in runs if run.todo or round_ == 0]
        if not active:
            break
        plans = [
            BinPlan(
                schema,
                tuple(cont[i] for i in run.todo),
                cat if round_ == 0 else (),
                tuple(run.edges[i] for i in run.todo),
            )
            for run in active
        ]
        shared = BinPlan(
            schema,
            tuple(n for p in plans for n in p.continuous),
            cat if round_ == 0 else (),
            tuple(e for p in plans for e in p.edges),
        )
        counted = fold(real, count_bins, shared, merge_counts)
        start = 0
        for run, plan in zip(active, plans, strict=True):
            part = slice(start, start + len(plan.continuous))
            start = part.stop
            a = BinCounts(
                counted.rows, counted.bins[part], counted.low[part], counted.high[part], counted.categories
            )
            _count_round(run, a, fold(run.other, count_bins, plan, merge_counts), cont, cat, round_)
    while any(run.opened for run in runs):  # each pass collects the next batch of every open column's bins
        active = [run for run in runs if run.opened]
        batches = [[col.batch() for col in run.opened] for run in active]
        wanted = [
            CollectPlan(
                schema, tuple(c.name for c in run.opened), tuple(c.edges for c in run.opened), tuple(batch)
            )
            for run, batch in zip(active, batches, strict=True)
        ]
        gather = CollectPlan(
            schema,
            tuple(n for p in wanted for n in p.columns),
            tuple(e for p in wanted for e in p.edges),
            tuple(b for p in wanted for b in p.bins),
        )
        got_a = [np.concatenate(parts) for parts in zip(*real.map(collect_values, gather), strict=True)]
        start = 0
        for run, cplan, batch in zip(active, wanted, batches, strict=True):
            mine = got_a[start : start + len(cplan.columns)]
            start += len(cplan.columns)
            got_b = [np.concatenate(p) for p in zip(*run.other.map(collect_values, cplan), strict=True)]
            for col, bins, va, vb in zip(run.opened, batch, mine, got_b, strict=True):
                col.settle(len(bins), _exact_in_bins(va, vb, col))
                if not len(col.bins):
                    run.out[col.name] = 1.0 - col.lower
            run.opened = [col for col in run.opened if len(col.bins)]
    return [{c.name: run.out[c.name] for c in cols if c.name in run.out} for run in runs]


def _count_round(
    run: _Comparison,
    a: BinCounts,
    b: BinCounts,
    cont: tuple[str, ...],
    cat: tuple[tuple[str, int], ...],
    round_: int,
) -> None:
    """One counting round of ``run``: categorical scores (first round), numeric columns settled by their
    edges, their open bins split for another round, or opened for collection."""
    if round_ == 0:
        for (name, _), ca, cb in zip(cat, a.categories, b.categories, strict=True):
            run.out[name] = 1.0 - tvd(ca / max(1, a.rows), cb / max(1, b.rows))
    again = []
    for pos, i in enumerate(run.todo):
        lower, open_bins, upper = _candidates(a, b, pos)
        held = a.bins[pos][open_bins] + b.bins[pos][open_bins]
        room = (MAX_COLUMN_EDGES - len(run.edges[i])) // 2
        if not len(open_bins):
            run.out[cont[i]] = 1.0 - lower
        elif held.sum() > MAX_COLLECT and room > 0 and round_ < MAX_ROUNDS - 1:
            # recount with the open bins cut finer: a finer bin bounds its gap closer
            lo = np.minimum(a.low[pos], b.low[pos])
            hi = np.maximum(a.high[pos], b.high[pos])
            run.edges[i] = split_bins(run.edges[i], open_bins, lo, hi)
            again.append(i)
        else:
            below_a = np.r_[0, np.cumsum(a.bins[pos])[:-1]]
            below_b = np.r_[0, np.cumsum(b.bins[pos])[:-1]]
            run.opened.append(
                _Open(cont[i], run.edges[i], lower, open_bins, upper, held, below_a, below_b, a.rows, b.rows)
            )
    run.todo = again
