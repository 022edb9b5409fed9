"""The column side of every DP generator: public facts, DP domains, fine cells, the public output schema.

A DP generator (``mst``, ``dp_ar``) starts its fit with :func:`begin_private_fit`: it refuses a schema
inferred from the private rows, plans the columns from public facts, opens the run's one
:class:`~synthwise.privacy.ledger.BudgetLedger`, releases what is not public (ranges, rounding,
categories, frequent values; :func:`release_domains`) and cuts each column into fine cells. The model
then learns the joint distribution of the fine-cell indices (:meth:`PrivateColumns.encode`) with its
own mechanism, and writes back values with :meth:`PrivateColumns.values`. Everything here reads the
private rows only through the :class:`~synthwise.privacy.release.Releaser`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.blocks import Blocks, MemoryBlocks
from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp_cells import (
    CONTINUOUS,
    INTERVAL,
    POINT,
    Cells,
    ColumnPlan,
    categorical_cells,
    continuous_cells,
    continuous_values,
    encode_categorical,
    encode_continuous,
)
from synthwise.privacy.dp_domain import (
    category_counts,
    plan_columns,
    point_counts,
    range_counts,
    refine_counts,
    refine_edges,
    refine_range,
    release_categories,
    release_points,
    release_range,
    release_rounding,
    rounding_misses,
)
from synthwise.privacy.dp_tree import combine, project_simplex
from synthwise.privacy.ledger import BudgetLedger
from synthwise.privacy.release import Releaser
from synthwise.random import make_rng
from synthwise.schema import ColumnSchema, Schema, check_table
from synthwise.schema.model import DEFAULT_MIN_COUNT, TAIL
from synthwise.transforms.special import with_side_columns

SCHEMA_SHARE = 0.1  # of the zCDP budget, for domains and ranges (only when something is not public)
DELTA_SHARE = 0.1  # of delta, for the thresholded category histograms
SAFETY = 1.0 - 1e-9  # spend a hair under the exact remainder (float round-off)


@dataclass
class PrivateColumns:
    """The modelled columns of a DP fit (plans and fine cells), the pass-through ones, and the ledger."""

    plans: list[ColumnPlan]
    cells: list[Cells]
    passthrough: list[ColumnSchema]
    ledger: BudgetLedger
    releaser: Releaser
    source: Blocks  # the private rows, in blocks of raw rows (one block in memory)

    def encode(self, data: pd.DataFrame) -> list[np.ndarray]:
        """The fine cell index of every row, per modelled column."""
        return encode_fine((self.plans, self.cells), data)

    def fine_counts(self) -> list[np.ndarray]:
        """Rows per fine cell of each modelled column, over every block."""
        parts = self.source.map(_fine_block, (self.plans, self.cells))
        return [np.sum([p[i] for p in parts], axis=0) for i in range(len(self.plans))]

    def pair_tables(self, groups: list[np.ndarray], sizes: list[int]) -> dict[tuple[int, int], np.ndarray]:
        """Rows per pair of coarse cells (``groups``: each fine cell's coarse cell), for every pair of
        modelled columns ``(a, b)`` with ``a < b``, over every block."""
        parts = self.source.map(_pairs_block, (self.plans, self.cells, groups, sizes))
        return {key: np.sum([p[key] for p in parts], axis=0) for key in parts[0]}

    @property
    def notes(self) -> list[str]:
        text = [
            f"{c.name}: free text cannot be learned under differential privacy; written as placeholder "
            "text (lorem ipsum) with the public schema's missing share"
            for c in self.passthrough
            if c.kind == "text"
        ]
        return [f"{p.name}: {note}" for p in self.plans for note in p.notes] + text


def encode_fine(columns: tuple[list[ColumnPlan], list[Cells]], data: pd.DataFrame) -> list[np.ndarray]:
    """The fine cell index of every row of ``data``, per modelled column."""
    plans, cells = columns
    data = with_side_columns(data, side_channels(plans))
    out = []
    for p, c in zip(plans, cells, strict=True):
        if p.kind in CONTINUOUS:
            out.append(encode_continuous(continuous_values(data[p.name], p), c))
        else:
            out.append(encode_categorical(data[p.name], p.categories or (), c))
    return out


def pair_table(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    """Rows per pair of cells: ``a`` in ``0..ka-1`` against ``b`` in ``0..kb-1``."""
    return np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb).astype(np.int64)


def _fine_block(
    columns: tuple[list[ColumnPlan], list[Cells]], frame: pd.DataFrame, offset: int
) -> list[np.ndarray]:
    fine = encode_fine(columns, frame)
    return [np.bincount(f, minlength=len(c)).astype(np.int64) for f, c in zip(fine, columns[1], strict=True)]


def _pairs_block(
    ctx: tuple[list[ColumnPlan], list[Cells], list[np.ndarray], list[int]], frame: pd.DataFrame, offset: int
) -> dict[tuple[int, int], np.ndarray]:
    plans, cells, groups, sizes = ctx
    coarse = [g[f] for g, f in zip(groups, encode_fine((plans, cells), frame), strict=True)]
    d = len(plans)
    return {
        (a, b): pair_table(coarse[a], coarse[b], sizes[a], sizes[b])
        for a in range(d)
        for b in range(a + 1, d)
    }


def begin_private_fit(
    gen: Any, data: pd.DataFrame, schema: Schema | None, *, blocks: Blocks | None = None
) -> PrivateColumns:
    """Check the input, open the ledger, release the private domains and cut every column into cells.

    ``gen`` is the DP generator: its ``epsilon``, ``delta``, ``seed``, ``bounds`` and ``n_fine_bins``.
    The private rows are ``data`` or, for a fit in blocks, ``blocks`` (raw rows; ``data`` then only gives
    the columns and their dtypes, which are public): every release reads merged statistics of every
    row, so both give the same release from the same rows."""
    owner = type(gen).__name__
    epsilon, delta, seed, bounds, n_fine_bins = gen.epsilon, gen.delta, gen.seed, gen.bounds, gen.n_fine_bins
    check_table(data)
    source: Blocks = MemoryBlocks(data) if blocks is None else blocks
    if schema is not None and schema.n_rows == source.n_rows:
        raise InvalidParameterError(
            f"The schema passed to {owner}.fit looks inferred from this very data "
            f"(n_rows={schema.n_rows:,}); "
            f"{owner} treats a schema as PUBLIC and would leak its ranges and categories without spending "
            "budget. Fix: pass no schema (domains are then estimated under DP), or a schema written from "
            "public knowledge only, with n_rows 0."
        )
    ledger = BudgetLedger(float(epsilon), float(delta))
    releaser = Releaser(ledger, make_rng(seed))
    plans, passthrough = plan_columns(data, schema, bounds)
    if not plans:
        raise InvalidParameterError(
            f"{owner} has no column to learn: every column is an identifier. "
            "Fix: keep at least one other column."
        )
    release_domains(source, plans, releaser, n_fine_bins=n_fine_bins)
    cells = [
        continuous_cells(p, n_fine_bins)
        if p.kind in CONTINUOUS
        else categorical_cells(len(p.categories or ()), other=p.discovered, nullable=p.nullable)
        for p in plans
    ]
    return PrivateColumns(plans, cells, passthrough, ledger, releaser, source)


def side_channels(plans: list[ColumnPlan]) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """The numeric plans with public special values: name -> (codes, number format)."""
    return {p.name: (p.special_values, p.number_format) for p in plans if p.special_values}


@dataclass
class DomainStats:
    """What the domain releases read from the private rows, per column; merges exactly over blocks."""

    rows: int = 0
    categories: dict[str, dict[Any, int]] = field(default_factory=dict)
    buckets: dict[str, np.ndarray] = field(default_factory=dict)  # the power-of-two grid
    misses: dict[str, np.ndarray] = field(default_factory=dict)  # rows off each rounding candidate
    refine: dict[str, np.ndarray] = field(default_factory=dict)  # datetimes: equal bins in the range
    points: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # distinct values


def _domain_block(
    ctx: tuple[list[ColumnPlan], dict[str, tuple[tuple[str, ...], str | None]], dict[str, np.ndarray] | None],
    frame: pd.DataFrame,
    offset: int,
) -> DomainStats:
    """Pass 1 (``edges`` None): category counts, range buckets, rounding misses; pass 2: the refining
    histograms (``edges`` per datetime column) and the distinct values of the columns named with edges
    of length 0 (numeric columns whose frequent values are released)."""
    plans, side, edges = ctx
    data = with_side_columns(frame, side)
    out = DomainStats(rows=len(frame))
    for p in plans:
        if edges is None:
            if p.needs_domain:
                out.categories[p.name] = category_counts(data[p.name])
            if p.kind in CONTINUOUS and (p.needs_range or p.needs_rounding):
                v = continuous_values(data[p.name], p)
                if p.needs_range:
                    out.buckets[p.name] = range_counts(v)
                if p.needs_rounding:
                    out.misses[p.name] = rounding_misses(v, p.kind)
        elif p.name in edges:
            v = continuous_values(data[p.name], p)
            if len(edges[p.name]):
                out.refine[p.name] = refine_counts(v, edges[p.name])
            else:
                out.points[p.name] = point_counts(v)
    return out


def _merge_domain(parts: list[DomainStats]) -> DomainStats:
    out = DomainStats(rows=sum(p.rows for p in parts))
    for part in parts:
        for name, counts in part.categories.items():
            merged = out.categories.setdefault(name, {})
            for key, c in counts.items():
                merged[key] = merged.get(key, 0) + c
        for attr in ("buckets", "misses", "refine"):
            into: dict[str, np.ndarray] = getattr(out, attr)
            for name, arr in getattr(part, attr).items():
                into[name] = into[name] + arr if name in into else arr.copy()
    for name in parts[0].points:
        values, inverse = np.unique(np.concatenate([p.points[name][0] for p in parts]), return_inverse=True)
        weights = np.concatenate([p.points[name][1] for p in parts]).astype(np.float64)
        out.points[name] = (values, np.bincount(inverse, weights, len(values)).astype(np.int64))
    return out


def release_domains(source: Blocks, plans: list[ColumnPlan], releaser: Releaser, *, n_fine_bins: int) -> None:
    """Release, under DP, every range, rounding and category set that is not public (``SCHEMA_SHARE``
    of the zCDP budget, plus ``DELTA_SHARE`` of delta for the thresholded histograms), from statistics
    of every row merged over the blocks of ``source`` (two passes: the refining histograms and the
    frequent values need the released ranges)."""
    ledger = releaser.ledger
    needs = [p for p in plans if p.needs_range or p.needs_rounding or p.needs_domain]
    n_sparse = sum(p.needs_domain or (p.needs_range and p.kind == "numeric") for p in plans)
    reserve = DELTA_SHARE * ledger.delta if n_sparse else 0.0
    if not needs:
        return
    rho_col = SCHEMA_SHARE * ledger.remaining_rho(reserve_delta=reserve) / len(needs) * SAFETY
    side = side_channels(plans)
    first = _merge_domain(source.map(_domain_block, (needs, side, None)))
    # per column: categories 100 %; numeric range 50 %, frequent values 30 %, rounding 20 %; datetime
    # range 40 % + refining 40 %, rounding 20 %. One step at a time over the columns (a short ledger).
    for p in needs:
        if p.needs_domain:
            release_categories(first.categories[p.name], p, releaser, rho_col, reserve / n_sparse)
    ranged = [p for p in needs if p.needs_range]
    for p in ranged:
        release_range(first.buckets[p.name], p, releaser, rho_col * (0.4 if p.kind == "datetime" else 0.5))
    edges = {p.name: refine_edges(p) for p in ranged if p.kind == "datetime"}
    pointed = []
    for p in ranged:
        lo, hi = p.bounds or (0.0, 0.0)
        small_int = p.integer and np.ceil(hi) - np.ceil(lo) <= n_fine_bins  # exact cells anyway
        if p.kind == "numeric" and not small_int:
            pointed.append(p)
            edges[p.name] = np.zeros(0)
    second = _merge_domain(source.map(_domain_block, (ranged, side, edges))) if edges else DomainStats()
    for p in ranged:
        if p.kind == "datetime":
            refine_range(second.refine[p.name], edges[p.name], p, releaser, rho_col * 0.4)
    for p in pointed:
        release_points(second.points[p.name], p, releaser, rho_col * 0.3, reserve / n_sparse)
    hint = max((float(p.buckets[1].sum()) for p in plans if p.buckets is not None), default=0.0)
    for p in needs:
        if p.needs_rounding:
            share = 0.2 if p.buckets is not None else 1.0  # unspent shares flow to the model
            if hint <= 0:  # no range was released: a noisy row count sets the rounding penalty
                count = np.array([float(source.n_rows)])
                hint = float(releaser.gaussian("row count", count, rho=rho_col * share / 2)[0])
                share /= 2
            release_rounding(first.misses[p.name], p, releaser, rho_col * share, n_hint=hint)


def public_schema(
    columns: list[str],
    plans: list[ColumnPlan],
    cells: list[Cells],
    passthrough: list[ColumnSchema],
    margins: list[np.ndarray],
    n_rows: float,
) -> Schema:
    """The output schema, from public facts and DP releases only; ``margins`` is the model's mass on each
    fine cell (a function of DP releases), which sets the missing rates and the drawable ranges."""
    by_name: dict[str, ColumnSchema] = {c.name: c for c in passthrough}
    for p, c, m in zip(plans, cells, margins, strict=True):
        missing_rate = float(m[c.missing] / max(m.sum(), 1e-12))
        if p.kind in CONTINUOUS:
            lo, hi = drawable_range(c, m, p)
            extra: dict[str, Any] = {"min": lo, "max": hi}
            if p.kind == "numeric":
                extra |= {"integer": p.integer, "decimals": 0 if p.integer else p.decimals}
                # public codes (learned through the side channel's plan) and how numbers are written
                extra |= {"special_values": p.special_values, "number_format": p.number_format}
            else:
                extra |= {
                    "resolution": p.resolution or "ns",
                    "timezone": p.timezone,
                    "datetime_format": p.datetime_format,
                }
            by_name[p.name] = ColumnSchema(p.name, p.kind, dtype=p.dtype, missing_rate=missing_rate, **extra)
        else:
            cats = tuple(p.categories or ())
            # a public long-tail domain: tail rows are drawn from the public frequent values (no tail model)
            tail: dict[str, Any] = (
                {"min_count": DEFAULT_MIN_COUNT, "tail": "frequent"} if cats and cats[-1] == TAIL else {}
            )
            by_name[p.name] = ColumnSchema(
                p.name,
                p.kind,
                dtype=p.dtype,
                missing_rate=missing_rate,
                n_unique=len(cats),
                categories=cats,
                **tail,
            )
    return Schema(columns=tuple(by_name[name] for name in columns), n_rows=round(n_rows))


def drawable_range(cells: Cells, mass: np.ndarray, plan: ColumnPlan) -> tuple[float, float]:
    """The smallest and largest values the model can emit (the output's range)."""
    live = np.flatnonzero((cells.kind <= POINT) & (mass > 0))
    if len(live) == 0:
        live = np.flatnonzero(cells.kind <= POINT)
    if len(live) == 0:
        lo = plan.bounds[0] if plan.bounds else 0.0
        return float(lo), float(lo)
    lo = float(cells.lo[live].min())
    highs = np.where(
        cells.kind[live] == INTERVAL, cells.hi[live] - (1.0 if cells.integer else 0.0), cells.lo[live]
    )
    return lo, float(max(lo, highs.max()))


def release_marginals(
    cols: PrivateColumns, fine: list[np.ndarray], rho: float, *, step: str = "1-way marginals"
) -> tuple[list[np.ndarray], float]:
    """Noisy counts of every column's fine cells (Gaussian mechanism, ``rho`` split evenly over the
    columns), denoised to the nearest non-negative table with the pooled noisy row count; returns the
    shares per column and that count. Cells below 1.5 sigma are taken as empty, as in ``mst``."""
    d = len(cols.plans)
    noisy = [
        cols.releaser.gaussian(
            step, np.bincount(f, minlength=len(c)).astype(np.float64), rho=rho / d, column=p.name
        )
        for p, c, f in zip(cols.plans, cols.cells, fine, strict=True)
    ]
    var = 1.0 / (2.0 * rho / d)
    n_hat = max(1.0, float(combine([(np.array([v.sum()]), np.array([len(v) * var])) for v in noisy])[0]))
    shares = []
    for v, c in zip(noisy, cols.cells, strict=True):
        m = project_simplex(np.where(v >= 1.5 * np.sqrt(var), v, 0.0), n_hat, zero=c.impossible)
        shares.append(m / m.sum() if m.sum() > 0 else np.full(len(m), 1.0 / len(m)))
    return shares, n_hat


def cells_state(
    plans: list[ColumnPlan], cells: list[Cells]
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Plans and cells as JSON plus arrays (model files)."""
    meta = [
        {"name": p.name, "kind": p.kind, "integer": c.integer, "nullable": c.nullable}
        for p, c in zip(plans, cells, strict=True)
    ]
    arrays: dict[str, np.ndarray] = {}
    for i, c in enumerate(cells):
        arrays |= {f"c{i}_lo": c.lo, f"c{i}_hi": c.hi, f"c{i}_kind": c.kind}
    return meta, arrays


def cells_from_state(
    meta: list[dict[str, Any]], arrays: dict[str, np.ndarray], schema: Schema
) -> tuple[list[ColumnPlan], list[Cells]]:
    plans, cells = [], []
    for i, info in enumerate(meta):
        dtype = schema[info["name"]].dtype if info["name"] in schema else "object"  # a side channel: not
        plans.append(ColumnPlan(info["name"], info["kind"], dtype))  # a schema column of its own
        cells.append(
            Cells(
                arrays[f"c{i}_lo"],
                arrays[f"c{i}_hi"],
                arrays[f"c{i}_kind"],
                integer=bool(info["integer"]),
                nullable=bool(info.get("nullable", True)),
            )
        )
    return plans, cells


def cell_values(
    plans: list[ColumnPlan], cells: list[Cells], fine: list[np.ndarray], rng: np.random.Generator
) -> pd.DataFrame:
    """Codes (see :mod:`synthwise.transforms`) for drawn fine cells: a value in each cell, per column."""
    return pd.DataFrame({p.name: c.values(f, rng) for p, c, f in zip(plans, cells, fine, strict=True)})
