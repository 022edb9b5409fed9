"""Column domains for DP generators: what is public, what is estimated under DP, and the fine cells.

Public facts (free): column names, pandas dtypes (their kind, integer-ness, time zone), and whatever a
*public* schema or public ``bounds`` declare. Everything else is private and is estimated through a
:class:`~synthwise.privacy.release.Releaser`, which spends from the run's ledger:

* the range of a numeric or datetime column: a noisy histogram over a fixed public grid of signed
  powers of two (:data:`BUCKET_EDGES`); the range spans the buckets whose noisy count clears 5 sigma;
* the rounding of a float column (its decimals) or of a datetime column (its resolution): the
  exponential mechanism over the candidates, quality = -(values not representable) - a fixed penalty
  per extra digit (sensitivity 1);
* the categories of a text column: a thresholded ("sparse") Gaussian histogram of the observed values;
* the frequent exact values of a numeric column (point masses such as wages at common hourly rates):
  the same thresholded histogram over its distinct values.

Each column is then cut into *fine cells*: value cells (intervals or exact points), then a missing cell,
then, for a discovered categorical domain, an "other" cell for values that were not released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem, InvalidParameterError
from synthwise.privacy.release import Releaser
from synthwise.schema import ColumnSchema, Schema
from synthwise.schema.model import Kind
from synthwise.transforms.datetime import encode_datetime
from synthwise.transforms.numeric import round_decimals

CONTINUOUS = ("numeric", "datetime")
DISCRETE = ("categorical", "boolean", "constant")
_POW = 2.0 ** np.arange(-20, 63)
BUCKET_EDGES = np.concatenate([-_POW[::-1], [0.0], _POW])  # public grid: [-2^62, ..., -2^-20, 0, 2^-20, ...]
MAX_DECIMALS = 6
RANGE_Z = 5.0  # a range bucket is kept when its noisy count clears 5 sigma (few false buckets of 166)
RESOLUTIONS = (("D", 86_400.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6))  # then "ns": no rounding
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


def plan_columns(
    data: pd.DataFrame, schema: Schema | None, bounds: dict[str, Any] | None
) -> tuple[list[ColumnPlan], list[ColumnSchema]]:
    """Modelled columns (from public facts only) and the pass-through ones (identifiers, from a schema).

    Reads the frame's column names and dtypes, never its values.
    """
    bounds = dict(bounds or {})
    unknown = sorted(set(bounds) - set(map(str, data.columns)))
    if unknown:
        raise InvalidParameterError(f"bounds names unknown columns {unknown}. Fix: use columns of the data.")
    plans: list[ColumnPlan] = []
    passthrough: list[ColumnSchema] = []
    problems: list[ColumnProblem] = []
    for name in map(str, data.columns):
        col = schema[name] if schema is not None and name in schema else None
        plan = _plan_from_schema(col) if col is not None else _plan_from_dtype(name, data[name].dtype)
        if plan is None:
            assert col is not None
            if col.kind == "text":
                problems.append(
                    ColumnProblem(
                        name,
                        "is free text, which cannot be learned under differential privacy",
                        'drop it, or declare it kind="categorical" (with public categories) or "identifier"',
                    )
                )
            else:
                passthrough.append(col)
            continue
        if name in bounds:
            plan.bounds = _public_bounds(name, bounds[name], plan)
        plans.append(plan)
    if problems:
        raise ColumnError(problems)
    return plans, passthrough


def _plan_from_dtype(name: str, dtype: Any) -> ColumnPlan:
    text = str(dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnPlan(name, "boolean", text, categories=(False, True))
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        tz = str(dtype.tz) if isinstance(dtype, pd.DatetimeTZDtype) else None
        return ColumnPlan(name, "datetime", text, timezone=tz)
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnPlan(name, "numeric", text, integer=pd.api.types.is_integer_dtype(dtype))
    return ColumnPlan(name, "categorical", text)


def _plan_from_schema(col: ColumnSchema) -> ColumnPlan | None:
    if col.kind in ("identifier", "pii", "text"):
        return None
    plan = ColumnPlan(col.name, col.kind, col.dtype, integer=col.integer)
    if col.kind in DISCRETE:
        plan.categories = tuple(col.categories) if col.categories else None
        if col.kind == "boolean" and plan.categories is None:
            plan.categories = (False, True)
    else:
        if col.min is not None and col.max is not None:
            plan.bounds = (float(col.min), float(col.max))
        plan.decimals, plan.resolution = col.decimals, col.resolution
        plan.rounding_known = True  # a public schema declares its rounding (None: keep every digit)
        plan.timezone, plan.datetime_format = col.timezone, col.datetime_format
    return plan


def _public_bounds(name: str, value: Any, plan: ColumnPlan) -> tuple[float, float]:
    if plan.kind not in CONTINUOUS or not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidParameterError(
            f"bounds[{name!r}] must be a (low, high) pair for a numeric or datetime column; got {value!r}."
        )
    lo, hi = (_seconds(v) if plan.kind == "datetime" else float(v) for v in value)
    if not np.isfinite([lo, hi]).all() or lo > hi:
        raise InvalidParameterError(f"bounds[{name!r}] must be finite with low <= high; got {value!r}.")
    return float(lo), float(hi)


def _seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return float((ts - pd.Timestamp(0)) / pd.Timedelta(seconds=1))


# -- private values ------------------------------------------------------------------------------------
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
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(copy=True)


# -- DP estimation -------------------------------------------------------------------------------------
def release_range(values: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float) -> None:
    """Noisy counts on the public power-of-two grid; keeps the buckets that clear ``RANGE_Z`` sigma."""
    v = values[np.isfinite(values)]
    idx = np.clip(np.searchsorted(BUCKET_EDGES, v, "right") - 1, 0, len(BUCKET_EDGES) - 2)
    counts = np.bincount(idx, minlength=len(BUCKET_EDGES) - 1).astype(np.float64)
    noisy = releaser.gaussian("range (log-scale histogram)", counts, rho=rho, column=plan.name)
    sigma = 1.0 / np.sqrt(2.0 * rho)
    kept = np.flatnonzero(noisy > RANGE_Z * sigma)
    if len(kept) == 0:
        kept = np.array([int(np.argmax(noisy))])
        plan.notes.append("no range bucket cleared the noise; the largest noisy bucket is used")
    first, last = int(kept[0]), int(kept[-1])
    plan.bounds = (float(BUCKET_EDGES[first]), float(BUCKET_EDGES[last + 1]))
    mass = np.where(noisy[first : last + 1] > RANGE_Z * sigma, noisy[first : last + 1], 0.0)
    plan.buckets = (BUCKET_EDGES[first : last + 2].copy(), mass)


def refine_range(
    values: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float, n_bins: int = 64
) -> None:
    """A second noisy histogram of ``n_bins`` equal bins inside the released range, which then shrinks to
    the bins that clear ``RANGE_Z`` sigma; their masses place the fine cells. For datetimes, whose range
    on the power-of-two grid is one wide bucket (decades)."""
    assert plan.bounds is not None
    lo, hi = plan.bounds
    edges = np.linspace(lo, hi, n_bins + 1)
    v = values[np.isfinite(values)]
    idx = np.clip(np.searchsorted(edges, v, "right") - 1, 0, n_bins - 1)
    noisy = releaser.gaussian(
        "range (refining histogram)",
        np.bincount(idx, minlength=n_bins).astype(np.float64),
        rho=rho,
        column=plan.name,
    )
    keep = noisy > RANGE_Z / np.sqrt(2.0 * rho)
    if not keep.any():
        return
    first, last = int(np.flatnonzero(keep)[0]), int(np.flatnonzero(keep)[-1])
    plan.bounds = (float(edges[first]), float(edges[last + 1]))
    plan.buckets = (edges[first : last + 2].copy(), np.where(keep, noisy, 0.0)[first : last + 1])


def release_rounding(
    values: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float, *, n_hint: float
) -> None:
    """Decimals (numeric) or resolution (datetime) by the exponential mechanism; see the module doc.

    ``n_hint`` is a noisy row count (a DP release); the penalty per extra digit is 5 % of it.
    """
    v = values[np.isfinite(values)]
    if plan.kind == "datetime":
        steps = [size for _, size in RESOLUTIONS]
        bad = [int(np.sum(np.abs(v / s - np.round(v / s)) > 1e-6)) for s in steps]
    else:
        bad = [int(np.sum(round_decimals(v, d) != v)) for d in range(MAX_DECIMALS + 1)]
    penalty = max(1.0, 0.05 * n_hint)
    quality = np.array(
        [-b - penalty * i for i, b in enumerate(bad)] + [-penalty * len(bad)], dtype=np.float64
    )
    pick = releaser.exponential("rounding (decimals / resolution)", quality, rho=rho, column=plan.name)
    if plan.kind == "datetime":
        plan.resolution = RESOLUTIONS[pick][0] if pick < len(RESOLUTIONS) else "ns"
    else:
        plan.decimals = pick if pick <= MAX_DECIMALS else None
        if plan.decimals == 0:
            plan.integer = True


def release_categories(s: pd.Series, plan: ColumnPlan, releaser: Releaser, rho: float, delta: float) -> None:
    """The categories whose noisy count clears the sparse-histogram threshold, in sorted order."""
    counts = s.dropna().value_counts(sort=False)
    pairs = sorted(((_py(k), int(c)) for k, c in counts.items()), key=lambda kc: _sort_key(kc[0]))
    keys = [k for k, _ in pairs]
    kept, _ = releaser.sparse_histogram(
        "categories (thresholded histogram)",
        keys,
        np.array([c for _, c in pairs], dtype=np.float64),
        rho=rho,
        delta=delta,
        column=plan.name,
    )
    plan.categories = tuple(kept)
    plan.discovered = True
    if not kept:
        plan.notes.append("no category is frequent enough to be released; the column will be missing")


def release_points(
    values: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float, delta: float
) -> None:
    """Exact values held by many rows, by the thresholded histogram over the column's distinct values;
    those inside the range become cells of their own."""
    v = values[np.isfinite(values)]
    uniq, counts = np.unique(v, return_counts=True)
    kept, _ = releaser.sparse_histogram(
        "frequent values (thresholded histogram)",
        [float(x) for x in uniq],
        counts.astype(np.float64),
        rho=rho,
        delta=delta,
        column=plan.name,
    )
    lo, hi = plan.bounds if plan.bounds is not None else (-np.inf, np.inf)
    plan.points = tuple(sorted(float(x) for x in kept if lo <= x <= hi))


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, float(value))
    return (2, str(value))


# -- fine cells ----------------------------------------------------------------------------------------
@dataclass
class Cells:
    """The fine cells of one column: ``lo``/``hi`` per cell and its type (interval, point, missing, other)."""

    lo: np.ndarray
    hi: np.ndarray
    kind: np.ndarray  # INTERVAL, POINT, MISSING, OTHER
    integer: bool = False

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def missing(self) -> int:
        return int(np.flatnonzero(self.kind == MISSING)[0])

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


def categorical_cells(n_categories: int, *, other: bool) -> Cells:
    codes = np.arange(n_categories, dtype=np.float64)
    kinds = [POINT] * n_categories + [MISSING] + ([OTHER] if other else [])
    extra = 1 + int(other)
    lo = np.r_[codes, np.full(extra, np.nan)]
    return Cells(lo, lo.copy(), np.array(kinds, dtype=np.int64))


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
            return _with_missing(points, points, np.full(len(points), POINT), integer=True)
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
    return _with_missing(lows, highs, kinds, integer=plan.integer)


def _with_missing(lo: np.ndarray, hi: np.ndarray, kind: np.ndarray, *, integer: bool) -> Cells:
    return Cells(np.r_[lo, np.nan], np.r_[hi, np.nan], np.r_[kind, MISSING].astype(np.int64), integer=integer)


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
    value = _py(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("num", value)
    return (type(value).__name__, value)
