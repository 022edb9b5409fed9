"""Column statistics that merge exactly across blocks: counts, ranges, moments, category counts.

:func:`block_stats` is a pure function over one block (a frame); :func:`merge` combines two results
exactly (counts and category counts add; minima and maxima compare; means and second central moments
combine by Chan et al.'s pairwise update, so the merged variance equals the one-pass variance of the
whole table up to float rounding, whatever the order of the merges). :func:`table_stats` maps
:func:`block_stats` over Parquet files with any executor and reduces the results in file order, so the
figures do not depend on the engine or the number of workers. These are the exact parts of a schema
(row count, missing rates, ranges, category counts) and of marginal and moment checks on a table too
large for one process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import pandas as pd

from synthwise.scale.executors import Executor, SerialExecutor


@dataclass(frozen=True)
class ColumnStats:
    """One column over some rows. Numeric (and boolean, datetime as epoch seconds) columns fill
    ``minimum`` to ``m2``; other columns fill ``counts`` (value -> rows, as text)."""

    rows: int
    missing: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float = 0.0
    m2: float = 0.0  # sum of squared deviations from the mean
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def present(self) -> int:
        return self.rows - self.missing

    @property
    def variance(self) -> float:
        """The population variance of the present values (0 when fewer than one)."""
        return self.m2 / self.present if self.present else 0.0

    @property
    def missing_rate(self) -> float:
        return self.missing / self.rows if self.rows else 0.0


TableStats = dict[str, ColumnStats]


def _numeric(values: pd.Series) -> np.ndarray | None:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt.tz_convert("UTC") if getattr(values.dt, "tz", None) is not None else values
        out = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
        out[values.isna().to_numpy()] = np.nan
        return out
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return None


def column_stats(values: pd.Series) -> ColumnStats:
    """The statistics of one column of one block."""
    rows = len(values)
    x = _numeric(values)
    if x is None:
        present = values.dropna()
        counts = present.astype(str).value_counts(sort=False)
        return ColumnStats(rows, rows - len(present), counts={str(k): int(v) for k, v in counts.items()})
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return ColumnStats(rows, rows)
    mean = float(x.mean())
    return ColumnStats(
        rows, rows - len(x), float(x.min()), float(x.max()), mean, float(((x - mean) ** 2).sum())
    )


def block_stats(frame: pd.DataFrame) -> TableStats:
    """The statistics of every column of one block."""
    return {str(name): column_stats(frame[name]) for name in frame.columns}


def merge_column(a: ColumnStats, b: ColumnStats) -> ColumnStats:
    """Two columns' statistics over disjoint rows, combined exactly."""
    counts = dict(a.counts)
    for key, value in b.counts.items():
        counts[key] = counts.get(key, 0) + value
    na, nb = a.present, b.present
    if na == 0 or nb == 0:
        mean, m2 = (a.mean, a.m2) if nb == 0 else (b.mean, b.m2)
    else:
        delta = b.mean - a.mean
        mean = a.mean + delta * nb / (na + nb)
        m2 = a.m2 + b.m2 + delta * delta * na * nb / (na + nb)
    lows = [v for v in (a.minimum, b.minimum) if v is not None]
    highs = [v for v in (a.maximum, b.maximum) if v is not None]
    return ColumnStats(
        a.rows + b.rows,
        a.missing + b.missing,
        min(lows) if lows else None,
        max(highs) if highs else None,
        mean,
        m2,
        counts,
    )


def merge(a: TableStats, b: TableStats) -> TableStats:
    """Two blocks' statistics combined exactly (the blocks must have the same columns)."""
    if list(a) != list(b):
        raise ValueError(f"blocks with different columns cannot merge: {list(a)} vs {list(b)}")
    return {name: merge_column(a[name], b[name]) for name in a}


def table_stats(paths: Sequence[str | os.PathLike[str]], executor: Executor | None = None) -> TableStats:
    """The statistics of the table stored as the Parquet files ``paths`` (one block each), merged in
    the order of ``paths``."""
    names = [str(p) for p in paths]
    if not names:
        raise ValueError("table_stats needs at least one file")
    executor = executor or SerialExecutor()
    results: dict[str, TableStats] = {}
    with executor:
        for path, stats in executor.map_unordered(_with_path, None, names):
            results[path] = stats
    return reduce(merge, (results[p] for p in names))


def _with_path(_: None, path: str) -> tuple[str, TableStats]:
    return path, block_stats(pd.read_parquet(path))
