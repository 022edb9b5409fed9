"""Pairs over every row of tables read in blocks: :func:`~synthwise.evaluation.pairs.pair_scores` for
tables too large for one process, from passes of pure functions over :class:`~synthwise.blocks.Blocks`
whose parts merge exactly.

* **A pair with a categorical column**, ``1 - TVD`` of the joint table: bit for bit the in-memory
  figure. The cuts come from the real table. A numeric column's deciles are order statistics of its
  finite values, interpolated with numpy's arithmetic (:func:`quantiles_from_order`). They are read
  from the column's distinct values when it has few (below), else found by counting passes: the bin
  that holds a wanted rank is known from the counts; when it holds one distinct value, that is the
  value; otherwise it is split and counted again while it holds many rows, then its values are
  collected. A categorical column's most frequent levels come from its counts. The joint tables are
  counts that add up.
* **Two numeric columns**, ``1 - |Spearman_real - Spearman_synthetic| / 2``, Spearman as
  :func:`~synthwise.evaluation.pairs.spearman_matrix` defines it: each column ranked over its
  non-missing values (midranks for ties), Pearson over the rows where both are present. A row's
  midrank is the count of smaller values plus half its ties', which the column's distinct values and
  their counts give. Those are merged over the blocks while they number at most
  :data:`MAX_DISTINCT`; then every midrank is exact. The sums of ranks, squares and products over the
  present rows add up across blocks (equal to the in-memory figure within float rounding).
  A column with more distinct values than that (a continuous measurement over millions of rows) has no
  bounded merge that gives exact ranks. Its pairs with other numeric columns keep their value from the
  seeded samples, and :class:`BlockPairs` names them.

Blocks hold raw rows, coded by :func:`~synthwise.transforms.embedding.table_codes` (row-wise), as in
:mod:`synthwise.evaluation.block_marginals`, whose counting and collecting passes this reuses.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from synthwise.blocks import Blocks, fold
from synthwise.evaluation.block_marginals import (
    MAX_COLLECT,
    MAX_ROUNDS,
    BinPlan,
    CollectPlan,
    code_values,
    collect_values,
    count_bins,
    merge_counts,
    sample_edges,
    split_bins,
)
from synthwise.evaluation.pairs import (
    QUANTILES,
    BinSpec,
    apply_bins,
    decile_spec,
    joint_score,
    level_spec,
    rho_score,
    spearman_matrix,
)
from synthwise.schema import Schema
from synthwise.transforms.embedding import CONTINUOUS_KINDS, compared_columns, table_codes

MAX_DISTINCT = 2**19  # a numeric column's distinct values kept for exact ranks (16 bytes each, per table)


def order_ranks(n: int, qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 0-based ranks that numpy's linear quantiles of ``n`` sorted values read: the floor of
    ``(n - 1) q`` and the next rank (both the last at the top)."""
    virtual = (n - 1) * qs
    top = virtual >= n - 1
    prev = np.floor(virtual)
    return np.where(top, n - 1, prev).astype(np.int64), np.where(top, n - 1, prev + 1).astype(np.int64)


def quantiles_from_order(n: int, qs: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``np.quantile(x, qs)`` (method "linear") of ``n`` values, from the sorted values at
    :func:`order_ranks` ``(n, qs)``: numpy's arithmetic, step for step, so the same bits (tested)."""
    virtual = (n - 1) * qs
    gamma = virtual - np.where(virtual >= n - 1, -1.0, np.floor(virtual))
    diff = high - low
    return np.where(gamma >= 0.5, high - diff * (1 - gamma), low + diff * gamma)


@dataclass(frozen=True)
class _FactsPlan:
    schema: Schema
    continuous: tuple[str, ...]
    categorical: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class _Facts:
    rows: int
    missing: tuple[int, ...]  # per continuous column
    values: tuple[np.ndarray | None, ...]  # per continuous column: distinct finite values (None: too many)
    counts: tuple[np.ndarray | None, ...]
    levels: tuple[np.ndarray, ...]  # per categorical column: counts of codes 0 .. K - 1


def _facts(plan: _FactsPlan, frame: pd.DataFrame, row_offset: int) -> _Facts:
    codes = table_codes(frame, plan.schema)
    missing, values, counts = [], [], []
    for name in plan.continuous:
        v = codes[name].to_numpy(dtype=np.float64)
        present = v[~np.isnan(v)]
        missing.append(len(v) - len(present))
        u, c = np.unique(present, return_counts=True)
        keep = len(u) <= MAX_DISTINCT
        values.append(u if keep else None)
        counts.append(c.astype(np.int64) if keep else None)
    levels = []
    for name, k in plan.categorical:
        v = codes[name].to_numpy(dtype=np.float64)
        v = v[~np.isnan(v) & (v >= 0)].astype(np.int64)
        levels.append(np.bincount(v, minlength=k).astype(np.int64))
    return _Facts(len(frame), tuple(missing), tuple(values), tuple(counts), tuple(levels))


def _union(
    va: np.ndarray | None, ca: np.ndarray | None, vb: np.ndarray | None, cb: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if va is None or vb is None or ca is None or cb is None:
        return None, None
    u, inverse = np.unique(np.concatenate([va, vb]), return_inverse=True)
    if len(u) > MAX_DISTINCT:
        return None, None
    c = np.zeros(len(u), dtype=np.int64)
    np.add.at(c, inverse.reshape(-1), np.concatenate([ca, cb]))
    return u, c


def _merge_facts(a: _Facts, b: _Facts) -> _Facts:
    merged = [_union(*x) for x in zip(a.values, a.counts, b.values, b.counts, strict=True)]
    levels = []
    for x, y in zip(a.levels, b.levels, strict=True):
        size = max(len(x), len(y))
        levels.append(np.pad(x, (0, size - len(x))) + np.pad(y, (0, size - len(y))))
    return _Facts(
        a.rows + b.rows,
        tuple(x + y for x, y in zip(a.missing, b.missing, strict=True)),
        tuple(m[0] for m in merged),
        tuple(m[1] for m in merged),
        tuple(levels),
    )


def _order_values(
    blocks: Blocks, schema: Schema, names: list[str], ranks: list[np.ndarray], samples: list[np.ndarray]
) -> list[np.ndarray]:
    """The values at 0-based ``ranks`` of each column's codes sorted ascending, missing values first
    (as :func:`~synthwise.evaluation.block_marginals.code_values` places them), exact: counting passes
    find each rank's bin; a bin of one distinct value gives it; others are split while they hold more
    than ``MAX_COLLECT`` rows, then collected."""
    edges = [sample_edges(s, s) for s in samples]
    out = [np.full(len(r), np.nan) for r in ranks]
    todo = list(range(len(names)))
    for round_ in range(MAX_ROUNDS):
        plan = BinPlan(schema, tuple(names[i] for i in todo), (), tuple(edges[i] for i in todo))
        counts = fold(blocks, count_bins, plan, merge_counts)
        again, wanted = [], {}
        for pos, i in enumerate(todo):
            bins = counts.bins[pos]
            cum = np.cumsum(bins)
            where = np.searchsorted(cum, ranks[i], "right")  # the bin of each rank
            low, high = counts.low[pos][where], counts.high[pos][where]
            single = low == high
            out[i][single] = low[single]
            need = np.unique(where[~single])
            if not len(need):
                continue
            if bins[need].sum() > MAX_COLLECT and round_ < MAX_ROUNDS - 1:
                edges[i] = split_bins(edges[i], need, counts.low[pos], counts.high[pos])
                again.append(i)
            else:
                wanted[i] = (need, where, cum - bins, ~single)
        if wanted:
            cols = sorted(wanted)
            cplan = CollectPlan(
                schema,
                tuple(names[i] for i in cols),
                tuple(edges[i] for i in cols),
                tuple(wanted[i][0] for i in cols),
            )
            got = [np.sort(np.concatenate(p)) for p in zip(*blocks.map(collect_values, cplan), strict=True)]
            for i, values in zip(cols, got, strict=True):
                need, where, below, todo_mask = wanted[i]
                in_bin = np.searchsorted(edges[i], values, "left")
                for b in need:
                    chosen = todo_mask & (where == b)
                    mine = values[in_bin == b]
                    out[i][chosen] = mine[ranks[i][chosen] - below[b]]
        todo = again
        if not todo:
            break
    return out


@dataclass(frozen=True)
class _RankPlan:
    schema: Schema
    continuous: tuple[str, ...]
    values: tuple[np.ndarray, ...]  # per ranked column: distinct finite values
    below: tuple[np.ndarray, ...]  # per distinct value: the midrank minus (n + 1) / 2 (centred)
    pairs: tuple[tuple[int, int], ...]


def _rank_sums(plan: _RankPlan, frame: pd.DataFrame, row_offset: int) -> np.ndarray:
    """Per pair: rows with both present, then the sums of x, y, x^2, y^2 and xy of their centred
    midranks: ``(n_pairs, 6)``."""
    codes = table_codes(frame, plan.schema)
    ranks = []
    for name, values, mid in zip(plan.continuous, plan.values, plan.below, strict=True):
        v = codes[name].to_numpy(dtype=np.float64)
        r = np.full(len(v), np.nan)
        ok = ~np.isnan(v)
        r[ok] = mid[np.searchsorted(values, v[ok])]
        ranks.append(r)
    out = np.zeros((len(plan.pairs), 6))
    for k, (i, j) in enumerate(plan.pairs):
        ok = ~np.isnan(ranks[i]) & ~np.isnan(ranks[j])
        x, y = ranks[i][ok], ranks[j][ok]
        out[k] = (ok.sum(), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum())
    return out


def _pearson(sums: np.ndarray, both_complete: bool) -> float:
    n, sx, sy, sxx, syy, sxy = sums
    if n < (2 if both_complete else 3):
        return 0.0
    cov = sxy - sx * sy / n
    var = (sxx - sx * sx / n) * (syy - sy * sy / n)
    return float(cov / np.sqrt(var)) if var > 0 else 0.0


@dataclass(frozen=True)
class BlockPairs:
    """Every pair's score (``pair_scores``' keys) and the numeric pairs whose Spearman came from the
    samples (a column of more than ``MAX_DISTINCT`` distinct values)."""

    scores: dict[tuple[str, str], float]
    sampled: list[tuple[str, str]]


def _spearman(blocks: Blocks, schema: Schema, cont: list[str], facts: _Facts) -> dict[tuple[int, int], float]:
    ranked = [i for i, v in enumerate(facts.values) if v is not None]
    pairs = tuple((a, b) for a, b in combinations(range(len(ranked)), 2))
    if not pairs:
        return {}
    mids = []
    for i in ranked:
        counts = facts.counts[i]
        assert counts is not None
        n = int(counts.sum())
        mids.append(np.cumsum(counts) - counts + (counts + 1) / 2 - (n + 1) / 2)
    plan = _RankPlan(
        schema,
        tuple(cont[i] for i in ranked),
        tuple(facts.values[i] for i in ranked),  # type: ignore[misc]
        tuple(mids),
        pairs,
    )
    sums = fold(blocks, _rank_sums, plan, operator.add)
    out = {}
    for k, (a, b) in enumerate(pairs):
        i, j = ranked[a], ranked[b]
        out[(i, j)] = _pearson(sums[k], facts.missing[i] == 0 and facts.missing[j] == 0)
    return out


@dataclass(frozen=True)
class _JointPlan:
    schema: Schema
    specs: tuple[tuple[str, BinSpec], ...]
    pairs: tuple[tuple[int, int], ...]


def _joint(plan: _JointPlan, frame: pd.DataFrame, row_offset: int) -> tuple[np.ndarray, ...]:
    codes = table_codes(frame, plan.schema)
    binned = [apply_bins(spec, codes[name].to_numpy(dtype=np.float64)) for name, spec in plan.specs]
    sizes = [spec.size for _, spec in plan.specs]
    return tuple(
        np.bincount(binned[a] * sizes[b] + binned[b], minlength=sizes[a] * sizes[b]).astype(np.int64)
        for a, b in plan.pairs
    )


def _add_tables(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _specs(real: Blocks, schema: Schema, fr: _Facts, sample: pd.DataFrame) -> dict[str, BinSpec]:
    """Each column's cuts for the joint tables, from every row of the real table: the numeric columns'
    deciles (of those paired with a categorical one) and the categorical columns' top levels."""
    cols = compared_columns(schema)
    cont = [c.name for c in cols if c.kind in CONTINUOUS_KINDS]
    cat = [c.name for c in cols if c.kind not in CONTINUOUS_KINDS]
    specs: dict[str, BinSpec] = {}
    slow, slow_ranks = [], []
    for i, name in enumerate(cont if cat else []):
        n = fr.rows - fr.missing[i]
        if n == 0:
            specs[name] = decile_spec(np.zeros(0))
            continue
        low, high = order_ranks(n, QUANTILES)
        values, counts = fr.values[i], fr.counts[i]
        if values is not None and counts is not None:
            cum = np.cumsum(counts)
            at_low, at_high = (values[np.searchsorted(cum, r, "right")] for r in (low, high))
            specs[name] = decile_spec(quantiles_from_order(n, QUANTILES, at_low, at_high))
        else:
            slow.append(name)
            slow_ranks.append(np.concatenate([low, high]) + fr.missing[i])  # missing values sort first
    if slow:
        found = _order_values(real, schema, slow, slow_ranks, [code_values(sample, name) for name in slow])
        for name, at in zip(slow, found, strict=True):
            n = fr.rows - fr.missing[cont.index(name)]
            half = len(at) // 2
            specs[name] = decile_spec(quantiles_from_order(n, QUANTILES, at[:half], at[half:]))
    for name, counts in zip(cat, fr.levels, strict=True):
        levels = np.flatnonzero(counts)
        specs[name] = level_spec(levels, counts[levels])
    return specs


def block_pair_scores(
    real: Blocks, others: Sequence[Blocks], schema: Schema, samples: Sequence[pd.DataFrame]
) -> list[BlockPairs]:
    """Every pair's score of each of ``others`` against ``real``, over every row of both (see the module
    docstring); the real table is read once for all. ``samples`` (seeded samples of ``real`` then of each
    of ``others``, raw rows) place the counting passes' first edges and give the Spearman of the pairs
    that cannot be ranked exactly."""
    cols = compared_columns(schema)
    cont = [c.name for c in cols if c.kind in CONTINUOUS_KINDS]
    cat = [(c.name, len(c.categories)) for c in cols if c.kind not in CONTINUOUS_KINDS]
    fplan = _FactsPlan(schema, tuple(cont), tuple(cat))
    fr = fold(real, _facts, fplan, _merge_facts)
    codes = [table_codes(s, schema) for s in samples]
    specs = _specs(real, schema, fr, codes[0])
    joint_pairs = [
        (a.name, b.name) for a, b in combinations(cols, 2) if not (a.name in cont and b.name in cont)
    ]
    names = sorted({n for p in joint_pairs for n in p}, key=[c.name for c in cols].index)
    index = {n: k for k, n in enumerate(names)}
    jplan = _JointPlan(
        schema, tuple((n, specs[n]) for n in names), tuple((index[a], index[b]) for a, b in joint_pairs)
    )
    tr = fold(real, _joint, jplan, _add_tables) if joint_pairs else ()
    rho_r = _spearman(real, schema, cont, fr)
    rho_rs = spearman_matrix(codes[0][cont].to_numpy(dtype=np.float64))
    pos = {name: i for i, name in enumerate(cont)}
    out = []
    for other, sample in zip(others, codes[1:], strict=True):
        fo = fold(other, _facts, fplan, _merge_facts)
        scores: dict[tuple[str, str], float] = {}
        if joint_pairs:
            to = fold(other, _joint, jplan, _add_tables)
            for (a, b), p, q in zip(joint_pairs, tr, to, strict=True):
                scores[(a, b)] = joint_score(p, fr.rows, q, fo.rows)
        rho_o = _spearman(other, schema, cont, fo)
        rho_os = spearman_matrix(sample[cont].to_numpy(dtype=np.float64))
        sampled: list[tuple[str, str]] = []
        for ca, cb in combinations(cols, 2):
            if ca.name not in pos or cb.name not in pos:
                continue
            i, j = pos[ca.name], pos[cb.name]
            if (i, j) in rho_r and (i, j) in rho_o:
                scores[(ca.name, cb.name)] = rho_score(rho_r[(i, j)], rho_o[(i, j)])
            else:
                scores[(ca.name, cb.name)] = rho_score(rho_rs[i, j], rho_os[i, j])
                sampled.append((ca.name, cb.name))
        out.append(
            BlockPairs(
                {(x.name, y.name): scores[(x.name, y.name)] for x, y in combinations(cols, 2)}, sampled
            )
        )
    return out
