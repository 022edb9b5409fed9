"""Fitting on a table larger than memory: Parquet row groups as blocks, on any executor.

The table is one Parquet file or a folder of them (files in name order, each row group a block,
numbered by its first row: the order and the numbers do not depend on the engine). :func:`fit_table`:

1. reads a **seeded sample** of ``sample_size`` rows (uniform, rows chosen by number) and infers the
   schema from it (a given schema overrides it, as in ``fit``);
2. makes the schema's facts **exact** in one pass over every block (:func:`table_facts`): missing
   rates, ranges of numeric and datetime columns, the categories of categorical columns (a level
   the sample missed is added, so no block fails to encode); a column the sample saw as constant but
   that varies is refused with the fix;
3. fits: a generator that learns from merged statistics
   (:meth:`~synthwise.generators.base.Generator.fit_blocks`) reads every row through passes over the
   blocks: ``gaussian_copula`` over encoded blocks (:mod:`synthwise.generators.copula_stats`),
   ``bayesian_network`` too (its tables count every row; states and structure come from its own seeded
   fit sample), ``mst`` over raw ones (its DP domain releases and marginals are counts; the sample
   gives only the column types, and a given schema must be public as for ``fit``). Each model equals
   the in-memory fit on the same rows, the privacy ledger included. Any other generator is fitted on
   the seeded sample, and says so.

Either way ``gen.fitted_on_`` (saved in the model file) states the table's rows, the blocks and the rows
the model learned from. Each pass is a pure function of one block, run by the executor's workers; the
driver merges the parts in block order, so the model depends on the seed and the data only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from synthwise.blocks import C, R
from synthwise.errors import ColumnError, DataError
from synthwise.generators import Generator, create
from synthwise.scale.executors import Executor, SerialExecutor
from synthwise.schema import Schema, resolve
from synthwise.schema.infer import _py, _sort_key
from synthwise.schema.resolve import SchemaSource
from synthwise.transforms import TableTransformer
from synthwise.transforms.table import encode_column

SAMPLE_ROWS = 100_000  # rows of the seeded sample (schema inference; the fit of other generators)
MAX_LEVELS = 100_000  # a categorical column with more levels than this over the table is refused
SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Partition:
    """One block: a row group of a Parquet file, its place and its first row in the table."""

    index: int
    path: str
    row_group: int
    rows: int
    offset: int


def parquet_partitions(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Partition]:
    """The blocks of a Parquet file, a folder of them (name order, recursively; names starting with
    ``_`` or ``.`` skipped) or a list of files."""
    if isinstance(source, str | os.PathLike):
        root = Path(source)
        if not root.exists():
            raise DataError(f"{str(root)!r} does not exist. Fix: check the path.")
        if root.is_dir():
            files = sorted(
                p
                for p in root.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("_", "."))
            )
            if not files:
                raise DataError(f"Folder {str(root)!r} holds no Parquet files. Fix: point at Parquet data.")
        else:
            files = [root]
    else:
        files = [Path(p) for p in source]
    parts: list[Partition] = []
    offset = 0
    columns: list[str] | None = None
    for path in files:
        try:
            meta = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise DataError(f"{str(path)!r} cannot be read as Parquet: {exc}. Fix: check the file.") from exc
        names = list(meta.schema_arrow.names)
        if columns is None:
            columns = names
        elif names != columns:
            raise DataError(
                f"{str(path)!r} has columns {names}, the first file {columns}. Fix: give files of one table."
            )
        for g in range(meta.metadata.num_row_groups):
            rows = meta.metadata.row_group(g).num_rows
            if rows:
                parts.append(Partition(len(parts), str(path), g, rows, offset))
                offset += rows
    if not offset:
        raise DataError(f"{str(source)!r} holds no rows. Fix: give a table with data rows.")
    return parts


def read_partition(part: Partition) -> pd.DataFrame:
    return pq.ParquetFile(part.path).read_row_group(part.row_group).to_pandas()


# -- the seeded sample ----------------------------------------------------------------------------------
def _rows_of(wanted: dict[int, np.ndarray], part: Partition) -> tuple[int, pd.DataFrame | None]:
    rows = wanted.get(part.index)
    if rows is None:
        return part.index, None
    return part.index, read_partition(part).iloc[rows].reset_index(drop=True)


def read_rows(parts: list[Partition], rows: np.ndarray, executor: Executor) -> pd.DataFrame:
    """The table's rows numbered ``rows`` (sorted), in that order."""
    starts = np.array([p.offset for p in parts])
    where = np.searchsorted(starts, rows, "right") - 1
    wanted = {int(i): rows[where == i] - parts[i].offset for i in np.unique(where)}
    got = dict(executor.map_unordered(_rows_of, wanted, [parts[i] for i in wanted]))
    return pd.concat([got[i] for i in sorted(wanted)], ignore_index=True)


def sample_rows(n: int, m: int, seed: int) -> np.ndarray:
    """``m`` of ``n`` row numbers, seeded and sorted (all of them when ``m >= n``)."""
    if m >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, 0x5CA1E]).choice(n, m, replace=False))


# -- exact schema facts ----------------------------------------------------------------------------------
@dataclass
class Facts:
    """Exact facts of some rows: missing counts, ranges (as encoded: datetimes in seconds) and the
    distinct values of the categorical and constant columns."""

    rows: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    low: dict[str, float] = field(default_factory=dict)
    high: dict[str, float] = field(default_factory=dict)
    levels: dict[str, set[Any]] = field(default_factory=dict)


RANGED = ("numeric", "datetime", "time")


def _facts_block(schema: Schema, part: Partition) -> tuple[int, Facts]:
    frame = read_partition(part)
    facts = Facts(rows=len(frame))
    for col in schema.columns:
        s = frame[col.name]
        facts.missing[col.name] = int(s.isna().sum())
        if col.kind in RANGED:
            x = encode_column(s, col)
            x = x[~np.isnan(x)]
            if len(x):
                facts.low[col.name], facts.high[col.name] = float(x.min()), float(x.max())
        elif (col.kind == "categorical" and col.tail is None) or col.kind == "constant":
            facts.levels[col.name] = {_py(v) for v in s.dropna().unique()[: MAX_LEVELS + 1]}
    return part.index, facts


def _merge_facts(parts: list[Facts]) -> Facts:
    out = Facts()
    for f in parts:
        out.rows += f.rows
        for k, v in f.missing.items():
            out.missing[k] = out.missing.get(k, 0) + v
        for k, low in f.low.items():
            out.low[k] = min(out.low.get(k, low), low)
        for k, high in f.high.items():
            out.high[k] = max(out.high.get(k, high), high)
        for k, levels in f.levels.items():
            out.levels.setdefault(k, set()).update(levels)
    return out


def table_facts(parts: list[Partition], schema: Schema, executor: Executor) -> Facts:
    """The exact :class:`Facts` of the whole table, merged in block order."""
    got = dict(executor.map_unordered(_facts_block, schema, parts))
    return _merge_facts([got[p.index] for p in parts])


def exact_schema(schema: Schema, facts: Facts) -> Schema:
    """``schema`` (inferred from a sample) with the table's exact facts."""
    cols = []
    for col in schema.columns:
        present = facts.rows - facts.missing.get(col.name, 0)  # the rate as infer_schema writes it
        changes: dict[str, Any] = {"missing_rate": float(1.0 - present / facts.rows) if facts.rows else 0.0}
        if col.name in facts.low and col.kind in RANGED:
            changes["min"], changes["max"] = facts.low[col.name], facts.high[col.name]
        levels = facts.levels.get(col.name)
        if levels is not None and col.kind == "constant" and len(levels) > 1:
            raise ColumnError.single(
                col.name,
                f"the seeded sample saw one value but the table holds {len(levels):,}",
                "pass a schema (--schema) giving the column's kind, or a larger --sample-rows",
            )
        if levels is not None and col.kind == "categorical":
            if len(levels) > MAX_LEVELS:
                raise ColumnError.single(
                    col.name,
                    f"more than {MAX_LEVELS:,} distinct values over the table",
                    "pass a schema (--schema) marking it text or identifier, or drop it",
                )
            merged = set(col.categories) | levels
            if len(merged) > len(col.categories):
                changes["categories"] = tuple(sorted(merged, key=_sort_key))
                changes["n_unique"] = len(merged)
        cols.append(replace(col, **changes))
    return replace(schema, columns=tuple(cols), n_rows=facts.rows)


# -- blocks ------------------------------------------------------------------------------------------------
def _block(ctx: tuple[TableTransformer | None, Any, Any], part: Partition) -> tuple[int, Any]:
    transformer, fn, context = ctx
    frame = read_partition(part)
    if transformer is not None:
        frame = transformer.to_codes(frame)
    return part.index, fn(context, frame, part.offset)


@dataclass
class ParquetBlocks:
    """The Parquet blocks (:class:`~synthwise.blocks.Blocks`), raw or encoded where they are read."""

    parts: list[Partition]
    transformer: TableTransformer | None
    executor: Executor

    @property
    def n_rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def map(self, fn: Callable[[C, pd.DataFrame, int], R], context: C) -> list[R]:
        got = dict(self.executor.map_unordered(_block, (self.transformer, fn, context), self.parts))
        return [got[p.index] for p in self.parts]

    def fold(self, fn: Callable[[C, pd.DataFrame, int], R], context: C, merge: Callable[[R, R], R]) -> R:
        """The parts of ``fn`` merged as the executor returns them (:func:`synthwise.blocks.fold`)."""
        out: R | None = None
        for _, part in self.executor.map_unordered(_block, (self.transformer, fn, context), self.parts):
            out = part if out is None else merge(out, part)
        assert out is not None  # parquet_partitions refuses a table without rows
        return out


@dataclass
class ParquetSource:
    """:class:`~synthwise.generators.blockfit.BlockSource` over Parquet partitions."""

    parts: list[Partition]
    executor: Executor

    def raw(self) -> ParquetBlocks:
        return ParquetBlocks(self.parts, None, self.executor)

    def encoded(self, transformer: TableTransformer) -> ParquetBlocks:
        return ParquetBlocks(self.parts, transformer, self.executor)


# -- the entry point ---------------------------------------------------------------------------------------
def fit_table(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    generator: str = "gaussian_copula",
    *,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    schema: SchemaSource | None = None,
    executor: Executor | None = None,
    sample_size: int = SAMPLE_ROWS,
) -> Generator:
    """Fit ``generator`` on the Parquet table at ``source`` (see the module docstring). ``schema`` (a
    :class:`~synthwise.schema.Schema` or a JSON / YAML file) overrides what the sample shows, as in
    ``fit``."""
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 10:
        raise DataError(f"--sample-rows must be a whole number >= 10. Got {sample_size!r} instead.")
    parts = parquet_partitions(source)
    n = sum(p.rows for p in parts)
    executor = executor or SerialExecutor()
    started = time.perf_counter()
    gen = create(generator, seed=seed, **(params or {}))
    with executor:
        sample = read_rows(parts, sample_rows(n, sample_size, seed), executor)
        private = gen.capabilities.differential_privacy
        sch = resolve(sample, schema, differential_privacy=private)
        if hasattr(gen, "_fit_raw_blocks"):  # DP: every release from counts of every row
            gen.fit_blocks(ParquetSource(parts, executor), sch, sample)
            how = "differentially private counts of every row (the sample gave only column types)"
        elif hasattr(gen, "_fit_blocks") and sch is not None:
            gen.fit_blocks(
                ParquetSource(parts, executor), exact_schema(sch, table_facts(parts, sch, executor)), sample
            )
            fit_rows = min(n, int(getattr(gen, "max_fit_rows", n)))
            how = f"merged statistics of every row; dependence on a seeded sample of {fit_rows:,} rows"
        else:
            gen.fit(sample, sch)
            how = f"a seeded uniform sample of {len(sample):,} rows"
    gen.fitted_on_ = {"rows": n, "blocks": len(parts), "sample_rows": len(sample), "how": how}
    gen.fit_seconds_ = time.perf_counter() - started  # the passes over the blocks included
    return gen
