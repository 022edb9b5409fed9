"""The column plan of a DP generator and its fine cells: how values are encoded into cells and back.

A :class:`ColumnPlan` holds one modelled column's public facts, then what the DP domain release
(:mod:`synthwise.privacy.dp_domain`) filled in. Each column is then cut into *fine cells*: value cells
(intervals or exact points), then a missing cell, then, for a discovered categorical domain, an "other"
cell for values that were not released. Encoding and drawing values spend no privacy budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError
from synthwise.schema import ColumnSchema
from synthwise.schema.model import TAIL, Kind
from synthwise.transforms.datetime import encode_datetime, encode_time
from synthwise.transforms.numeric import encode_numeric

CONTINUOUS = ("numeric", "datetime", "time")
DISCRETE = ("categorical", "boolean", "constant")
INTERVAL, POINT, MISSING, OTHER = 0, 1, 2, 3


@dataclass
class ColumnPlan:
    """One modelled column: its public facts, then what DP estimation filled in."""

    name: str
    kind: Kind  # numeric, datetime, categorical, boolean, constant
    dtype: str
    integer: bool = False
    bounds: tuple[float, float] | None = None  # public (closed) range, in codes (seconds for datetime)
    categories: tuple[Any, ...] | None = None  # public domain
    decimals: int | None = None
    rounding_known: bool = False  # decimals / resolution declared public
    resolution: str | None = None
    timezone: str | None = None
    datetime_format: str | None = None
    special_values: tuple[str, ...] = ()  # public codes of a numeric column (its side channel is a plan too)
    number_format: str | None = None
    nullable: bool = True  # False when a public schema says the column has no missing value
    discovered: bool = False  # the categorical domain was released under DP (an "other" cell exists)
    buckets: tuple[np.ndarray, np.ndarray] | None = None  # DP range: kept bucket edges, noisy masses
    points: tuple[float, ...] = ()  # frequent exact values released under DP (their own cells)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_range(self) -> bool:
        return self.kind in CONTINUOUS and self.bounds is None

    @property
    def needs_rounding(self) -> bool:
        return self.kind in CONTINUOUS and not self.integer and not self.rounding_known

    @property
    def needs_domain(self) -> bool:
        return self.kind in DISCRETE and self.categories is None


# -- values -------------------------------------------------------------------------------------------
def continuous_values(s: pd.Series, plan: ColumnPlan) -> np.ndarray:
    """A numeric or datetime column as floats (seconds since the epoch for datetimes), NaN for missing."""
    if plan.kind == "datetime":
        stub = ColumnSchema(
            plan.name,
            "datetime",
            dtype=plan.dtype,
            timezone=plan.timezone,
            datetime_format=plan.datetime_format,
        )
        return encode_datetime(s, stub)
    if plan.kind == "time":  # seconds since midnight: a bounded numeric
        return encode_time(s, ColumnSchema(plan.name, "time", datetime_format=plan.datetime_format))
    if plan.number_format is not None:  # numbers written as text ($1,234.50; 12,5): read in their format
        return encode_numeric(s, ColumnSchema(plan.name, "numeric", number_format=plan.number_format))
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(copy=True)


def python_scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


# -- fine cells ----------------------------------------------------------------------------------------
@dataclass
class Cells:
    """The fine cells of one column: ``lo``/``hi`` per cell and its type (interval, point, missing, other)."""

    lo: np.ndarray
    hi: np.ndarray
    kind: np.ndarray  # INTERVAL, POINT, MISSING, OTHER
    integer: bool = False
    nullable: bool = True  # the missing cell may be drawn (a public schema may say there is no missing)

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def missing(self) -> int:
        return int(np.flatnonzero(self.kind == MISSING)[0])

    @property
    def drawable(self) -> np.ndarray:
        """The cells a model may draw: value cells, and the missing cell unless the column is declared
        without missing values (a public fact: zeroing its noisy mass is post-processing). "Other"
        cells are never drawn."""
        return (self.kind <= POINT) | ((self.kind == MISSING) & self.nullable)

    @property
    def impossible(self) -> np.ndarray:
        """The missing cell of a column declared without missing values: a model gives it no mass."""
        return (self.kind == MISSING) & (not self.nullable)

    def values(self, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A value for each cell index: uniform in an interval (whole numbers if integer), the point
        itself, NaN for missing. ``other`` cells must be resolved by the caller first."""
        lo, hi, kind = self.lo[idx], self.hi[idx], self.kind[idx]
        u = rng.random(len(idx))
        out = lo + u * (hi - lo)
        if self.integer:
            out = np.minimum(np.floor(out), np.maximum(hi - 1, lo))
        out = np.where(kind == POINT, lo, out)
        return np.where(kind >= MISSING, np.nan, out)


def categorical_cells(n_categories: int, *, other: bool, nullable: bool = True) -> Cells:
    codes = np.arange(n_categories, dtype=np.float64)
    kinds = [POINT] * n_categories + [MISSING] + ([OTHER] if other else [])
    extra = 1 + int(other)
    lo = np.r_[codes, np.full(extra, np.nan)]
    return Cells(lo, lo.copy(), np.array(kinds, dtype=np.int64), nullable=nullable)


def continuous_cells(plan: ColumnPlan, n_fine: int) -> Cells:
    """Fine cells over the column's range: exact whole numbers when an integer range is small, else
    intervals (finer where the DP range histogram saw more rows) plus exact cells for zero and for the
    released frequent values."""
    assert plan.bounds is not None
    lo, hi = plan.bounds
    closed = plan.buckets is None  # public bounds are closed [lo, hi]; bucket ranges are [lo, hi)
    if plan.integer:
        first = int(np.ceil(lo))
        last = int(np.floor(hi)) if closed else int(np.ceil(hi)) - 1
        last = max(last, first)
        if last - first + 1 <= n_fine:
            points = np.arange(first, last + 1, dtype=np.float64)
            return _with_missing(points, points, np.full(len(points), POINT), plan)
    edges = _interval_edges(plan, n_fine)
    if plan.integer:
        edges = np.unique(np.round(edges))
        edges[-1] = max(edges[-1], np.floor(hi) + 1 if closed else np.ceil(hi))
        edges = np.unique(edges)
    lows, highs = edges[:-1], edges[1:]
    kinds = np.full(len(lows), INTERVAL)
    frequent = set(plan.points)
    if not plan.integer and lo <= 0 <= hi:  # exact zeros are common (balances, counts): their own cell
        frequent.add(0.0)
    exact = np.array(sorted(frequent), dtype=np.float64)
    lows, highs = np.r_[lows, exact], np.r_[highs, exact]
    kinds = np.r_[kinds, np.full(len(exact), POINT)]
    return _with_missing(lows, highs, kinds, plan)


def _with_missing(lo: np.ndarray, hi: np.ndarray, kind: np.ndarray, plan: ColumnPlan) -> Cells:
    """The value cells plus the missing cell, with the plan's integer and nullable facts."""
    return Cells(
        np.r_[lo, np.nan],
        np.r_[hi, np.nan],
        np.r_[kind, MISSING].astype(np.int64),
        integer=plan.integer,
        nullable=plan.nullable,
    )


def _interval_edges(plan: ColumnPlan, n_fine: int) -> np.ndarray:
    assert plan.bounds is not None
    lo, hi = plan.bounds
    if hi <= lo:
        return np.array([lo, lo + 1.0])
    if plan.buckets is None:
        return np.linspace(lo, hi, n_fine + 1)
    edges, mass = plan.buckets
    weight = np.maximum(mass, 0.0) ** 0.75
    total = weight.sum()
    out: list[float] = [float(edges[0])]
    empty_run = False
    for b in range(len(mass)):
        if weight[b] <= 0:  # a run of empty buckets becomes one cell
            if empty_run:
                out[-1] = float(edges[b + 1])
            else:
                out.append(float(edges[b + 1]))
            empty_run = True
            continue
        k = max(1, round(n_fine * weight[b] / total))
        out.extend(np.linspace(edges[b], edges[b + 1], k + 1)[1:].tolist())
        empty_run = False
    return np.array(out, dtype=np.float64)


def encode_continuous(values: np.ndarray, cells: Cells) -> np.ndarray:
    """The fine cell of each value (values outside the range go to the nearest end cell)."""
    value_cells = np.flatnonzero(cells.kind <= POINT)
    out = np.full(len(values), cells.missing, dtype=np.int64)
    finite = np.isfinite(values)
    v = values[finite]
    intervals = np.flatnonzero(cells.kind == INTERVAL)
    if len(intervals):
        edges = np.r_[cells.lo[intervals], cells.hi[intervals][-1]]
        j = np.clip(np.searchsorted(edges, v, "right") - 1, 0, len(intervals) - 1)
        res = intervals[j]
        points = np.flatnonzero(cells.kind == POINT)  # exact values (zero, frequent values) win
        if len(points):
            order = points[np.argsort(cells.lo[points], kind="stable")]
            pv = cells.lo[order]
            k = np.clip(np.searchsorted(pv, v), 0, len(pv) - 1)
            hit = pv[k] == v
            res = np.where(hit, order[k], res)
    else:
        pts = cells.lo[value_cells]
        j = np.clip(np.round(v - pts[0]).astype(np.int64), 0, len(pts) - 1)
        res = value_cells[j]
    out[finite] = res
    return out


def encode_categorical(s: pd.Series, categories: tuple[Any, ...], cells: Cells) -> np.ndarray:
    """The fine cell of each value: its category, the missing cell, or the "other" cell."""
    other = np.flatnonzero(cells.kind == OTHER)
    fallback = int(other[0]) if len(other) else -1
    if categories and categories[-1] == TAIL:  # a public long-tail domain: other values are its tail
        fallback = len(categories) - 1
    out = np.full(len(s), cells.missing, dtype=np.int64)
    mask = s.notna().to_numpy()
    vals = s.to_numpy(dtype=object)[mask]
    if len(vals) > 5000 and all(isinstance(c, str) for c in categories):  # vectorized for large columns
        idx = (
            pd.Index(list(categories), dtype=object).get_indexer(vals)
            if categories
            else np.full(len(vals), -1)
        )
        is_str = np.fromiter((isinstance(v, str) for v in vals), dtype=bool, count=len(vals))
        arr = np.where((idx >= 0) & is_str, idx, fallback).astype(np.int64)
    else:
        lookup = {_key(c): i for i, c in enumerate(categories)}
        arr = np.array([lookup.get(_key(v), fallback) for v in vals], dtype=np.int64)
    if (arr < 0).any():
        bad = sorted({str(v) for v, c in zip(vals, arr, strict=True) if c < 0})[:3]
        raise ColumnError.single(
            str(s.name),
            f"holds values outside the public schema's categories (e.g. {bad})",
            "add them to the schema's categories",
        )
    out[mask] = arr
    return out


def _key(value: Any) -> tuple[str, Any]:
    """Lookup key: numpy and python scalars of the same number match; 1, True and "1" do not."""
    value = python_scalar(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("num", value)
    return (type(value).__name__, value)
