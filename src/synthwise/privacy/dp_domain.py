"""Column domains for DP generators: what is public, and what is estimated under DP.

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

The results fill each column's :class:`~synthwise.privacy.dp_cells.ColumnPlan`, from which
:mod:`synthwise.privacy.dp_cells` cuts the fine cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp_cells import CONTINUOUS, DISCRETE, ColumnPlan, python_scalar
from synthwise.privacy.release import Releaser
from synthwise.schema import ColumnSchema, Schema
from synthwise.schema.values import round_decimals
from synthwise.transforms.special import has_side_channel, side_column

_POW = 2.0 ** np.arange(-20, 63)
BUCKET_EDGES = np.concatenate([-_POW[::-1], [0.0], _POW])  # public grid: [-2^62, ..., -2^-20, 0, 2^-20, ...]
MAX_DECIMALS = 6
RANGE_Z = 5.0  # a range bucket is kept when its noisy count clears 5 sigma (few false buckets of 166)
RESOLUTIONS = (("D", 86_400.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6))  # then "ns": no rounding


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
    for name in map(str, data.columns):
        col = schema[name] if schema is not None and name in schema else None
        plan = _plan_from_schema(col) if col is not None else _plan_from_dtype(name, data[name].dtype)
        if plan is None:  # regenerated from public facts: identifiers, personal data, placeholder text
            assert col is not None
            passthrough.append(col)
            continue
        if name in bounds:
            plan.bounds = _public_bounds(name, bounds[name], plan)
        plans.append(plan)
        if col is not None and has_side_channel(col):  # its public codes: a categorical side channel
            side = side_column(col)
            plan.special_values, plan.number_format = col.special_values, col.number_format
            # missing values and codes live in the side channel: the value is drawn for every row and
            # written only where the side channel says "a number"
            plan.nullable = False
            plans.append(
                ColumnPlan(
                    side.name,
                    "categorical",
                    side.dtype,
                    categories=side.categories,
                    nullable=side.missing_rate > 0,
                )
            )
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
    plan = ColumnPlan(col.name, col.kind, col.dtype, integer=col.integer, nullable=col.missing_rate > 0)
    if col.kind in DISCRETE:
        plan.categories = tuple(col.categories) if col.categories else None
        if col.kind == "boolean" and plan.categories is None:
            plan.categories = (False, True)
        if col.kind == "boolean" and col.bool_labels:  # booleans written as words: the words are the cells
            plan.categories = tuple(col.bool_labels)
    else:
        if col.min is not None and col.max is not None:
            plan.bounds = (float(col.min), float(col.max))
        plan.decimals, plan.resolution = col.decimals, col.resolution
        plan.rounding_known = True  # a public schema declares its rounding (None: keep every digit)
        plan.timezone, plan.datetime_format = col.timezone, col.datetime_format
        plan.number_format = col.number_format if col.kind == "numeric" else None
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


# -- DP estimation -------------------------------------------------------------------------------------
# -- what the releases read from the private rows: per-block statistics that merge exactly ------------------
def range_counts(values: np.ndarray) -> np.ndarray:
    """Rows per bucket of the public power-of-two grid :data:`BUCKET_EDGES`."""
    v = values[np.isfinite(values)]
    idx = np.clip(np.searchsorted(BUCKET_EDGES, v, "right") - 1, 0, len(BUCKET_EDGES) - 2)
    return np.bincount(idx, minlength=len(BUCKET_EDGES) - 1).astype(np.int64)


def refine_edges(plan: ColumnPlan, n_bins: int = 64) -> np.ndarray:
    """The refining histogram's equal bins inside the released range."""
    assert plan.bounds is not None
    lo, hi = plan.bounds
    return np.linspace(lo, hi, n_bins + 1)


def refine_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    v = values[np.isfinite(values)]
    idx = np.clip(np.searchsorted(edges, v, "right") - 1, 0, len(edges) - 2)
    return np.bincount(idx, minlength=len(edges) - 1).astype(np.int64)


def point_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct finite values and their rows."""
    uniq, counts = np.unique(values[np.isfinite(values)], return_counts=True)
    return uniq, counts.astype(np.int64)


def rounding_misses(values: np.ndarray, kind: str) -> np.ndarray:
    """Rows not representable at each rounding candidate (datetime resolutions, or 0..MAX_DECIMALS)."""
    v = values[np.isfinite(values)]
    if kind == "datetime":
        return np.array([int(np.sum(np.abs(v / s - np.round(v / s)) > 1e-6)) for _, s in RESOLUTIONS])
    return np.array([int(np.sum(round_decimals(v, d) != v)) for d in range(MAX_DECIMALS + 1)])


def category_counts(s: pd.Series) -> dict[Any, int]:
    """Rows per present value (as a Python scalar)."""
    counts = s.dropna().value_counts(sort=False)
    out: dict[Any, int] = {}
    for k, c in counts.items():
        key = python_scalar(k)
        out[key] = out.get(key, 0) + int(c)
    return out


# -- the releases --------------------------------------------------------------------------------------------
def release_range(counts: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float) -> None:
    """Noisy counts on the public power-of-two grid (``counts``: :func:`range_counts`); keeps the buckets
    that clear ``RANGE_Z`` sigma."""
    noisy = releaser.gaussian(
        "range (log-scale histogram)", counts.astype(np.float64), rho=rho, column=plan.name
    )
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
    counts: np.ndarray, edges: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float
) -> None:
    """A second noisy histogram of equal bins inside the released range (``edges``: :func:`refine_edges`,
    ``counts``: :func:`refine_counts`), which then shrinks to the bins that clear ``RANGE_Z`` sigma; their
    masses place the fine cells. For datetimes, whose range on the power-of-two grid is one wide bucket
    (decades)."""
    noisy = releaser.gaussian(
        "range (refining histogram)", counts.astype(np.float64), rho=rho, column=plan.name
    )
    keep = noisy > RANGE_Z / np.sqrt(2.0 * rho)
    if not keep.any():
        return
    first, last = int(np.flatnonzero(keep)[0]), int(np.flatnonzero(keep)[-1])
    plan.bounds = (float(edges[first]), float(edges[last + 1]))
    plan.buckets = (edges[first : last + 2].copy(), np.where(keep, noisy, 0.0)[first : last + 1])


def release_rounding(
    misses: np.ndarray, plan: ColumnPlan, releaser: Releaser, rho: float, *, n_hint: float
) -> None:
    """Decimals (numeric) or resolution (datetime) by the exponential mechanism; see the module doc.

    ``misses``: :func:`rounding_misses`; ``n_hint`` is a noisy row count (a DP release); the penalty per
    extra digit is 5 % of it.
    """
    bad = [int(b) for b in misses]
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


def release_categories(
    counts: dict[Any, int], plan: ColumnPlan, releaser: Releaser, rho: float, delta: float
) -> None:
    """The categories whose noisy count clears the sparse-histogram threshold, in sorted order
    (``counts``: :func:`category_counts`)."""
    pairs = sorted(counts.items(), key=lambda kc: _sort_key(kc[0]))
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
    points: tuple[np.ndarray, np.ndarray], plan: ColumnPlan, releaser: Releaser, rho: float, delta: float
) -> None:
    """Exact values held by many rows, by the thresholded histogram over the column's distinct values
    (``points``: :func:`point_counts`); those inside the range become cells of their own."""
    uniq, counts = points
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


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, float(value))
    return (2, str(value))
