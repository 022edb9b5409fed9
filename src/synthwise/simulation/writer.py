"""Write tables chunk by chunk (CSV or Parquet) to a temporary file, then move it into place.

A block becomes an Arrow table (process columns first, then the kept columns in spec order; datetimes
at the column's ``unit``; ``missing`` shares left empty by their own random stream). CSV chunks are
appended with pyarrow's C++ writer (one header); Parquet chunks become row groups. Nothing is visible
at the final path until :meth:`TableWriter.close` succeeds; :meth:`TableWriter.abort` removes the
temporary file, so an error or Ctrl-C never leaves a half-written table.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthwise.errors import SpecError
from synthwise.simulation import values as V
from synthwise.simulation.engine import Block, RunContext
from synthwise.simulation.streams import uniforms

FORMATS = ("csv", "parquet")


def _arrow(value: Any, unit: str) -> pa.Array:
    if isinstance(value, V.Cat):
        return value.to_arrow()
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    if isinstance(value, pa.Array):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind == "M":
        ns = pa.array(arr.astype("datetime64[ns]"))
        if unit == "D":
            return ns.cast(pa.date32(), safe=False)
        return ns.cast(pa.timestamp(unit), safe=False)
    if arr.dtype.kind == "f":
        return pa.array(arr, from_pandas=True)  # NaN -> null
    return pa.array(arr)


def to_arrow(ctx: RunContext, block: Block) -> pa.Table:
    """The output columns of a block as an Arrow table."""
    table = block.table
    arrays, names = [], []
    for name in table.process_columns:
        arrays.append(_arrow(block.values[name], "s"))
        names.append(name)
    for col in table.columns:
        if not col.keep:
            continue
        arr = _arrow(block.values[col.name], col.unit)
        if col.missing > 0 and block.n:
            empty = uniforms(ctx.key(table.name, col.name, "__missing"), block.rowid) < col.missing
            arr = pc.if_else(pa.array(empty), pa.scalar(None, arr.type), arr)
        arrays.append(arr)
        names.append(col.name)
    return pa.Table.from_arrays(arrays, names=names)


class TableWriter:
    """Streams chunks of one table to ``path`` atomically."""

    def __init__(self, path: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise SpecError(f"Unknown output format {fmt!r}. Fix: use one of {', '.join(FORMATS)}.")
        self.path, self.fmt = Path(path), fmt
        self.rows = 0
        self._tmp: Path | None = None
        self._sink: Any = None
        self._schema: pa.Schema | None = None
        self._header = False

    def _open(self, schema: pa.Schema) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(name)
        self._schema = schema
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            self._sink = pq.ParquetWriter(str(self._tmp), schema, compression="snappy")
        else:
            self._sink = pa.OSFile(str(self._tmp), "wb")

    def write(self, data: pa.Table) -> None:
        if self._sink is None:
            self._open(data.schema)
        elif data.schema != self._schema:
            data = self._conform(data)
        if self.fmt == "parquet":
            if data.num_rows or self.rows == 0:
                self._sink.write_table(data)
        else:
            import pyarrow.csv as pcsv

            if data.num_rows or not self._header:
                pcsv.write_csv(data, self._sink, pcsv.WriteOptions(include_header=not self._header))
                self._header = True
        self.rows += data.num_rows

    def _conform(self, data: pa.Table) -> pa.Table:
        assert self._schema is not None
        try:
            return data.cast(self._schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            if self._schema.equals(data.schema, check_metadata=False):
                return data
            bad = [f.name for f, g in zip(self._schema, data.schema, strict=True) if f.type != g.type]
            raise SpecError(
                f"Table {self.path.stem!r}: column(s) {bad} change type between chunks ({exc}). "
                "Fix: make every case of the column give the same kind of value (e.g. 1.0 rather than 1)."
            ) from exc

    def close(self) -> Path:
        if self._sink is None:
            self._open(pa.schema([]))
        self._sink.close()
        assert self._tmp is not None
        os.replace(self._tmp, self.path)
        self._tmp = None
        return self.path

    def abort(self) -> None:
        if self._sink is not None:
            with contextlib.suppress(Exception):
                self._sink.close()
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._tmp.unlink()
