"""A database in memory: one DataFrame per table plus the relational metadata, and type conformance.

Every reader returns a :class:`Database` whose frames hold the pandas dtypes the metadata's types
call for (:func:`conform`): integers without NULLs as ``int64``, with NULLs as ``float64`` (what the
generators read), datetimes and dates as ``datetime64``, decimals as floats. :func:`for_writing` goes
the other way just before a write: whole floats of integer columns become nullable integers, dates
become ``datetime.date``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synthwise.errors import DataError
from synthwise.relational.metadata import RelationalMetadata, Table

INTEGER_TYPES = ("integer", "bigint")


@dataclass
class Database:
    """Tables by name (in metadata order) and their metadata."""

    tables: dict[str, pd.DataFrame]
    metadata: RelationalMetadata

    def __post_init__(self) -> None:
        missing = [n for n in self.metadata.names if n not in self.tables]
        if missing:
            raise DataError(
                f"The metadata names tables {missing} that the data does not hold. "
                "Fix: remove them from the metadata or add them to the data."
            )
        problems = []
        for t in self.metadata.tables:
            absent = [c for c in t.column_names if c not in self.tables[t.name].columns]
            if absent:
                problems.append(f"Table {t.name!r}: the metadata lists columns {absent} the data lacks.")
        if problems:
            raise DataError("\n".join(problems) + " Fix: make the metadata match the tables.")
        self.tables = {t.name: self.tables[t.name][t.column_names] for t in self.metadata.tables}

    @property
    def n_rows(self) -> dict[str, int]:
        return {name: len(df) for name, df in self.tables.items()}


def conform(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``df`` with the dtypes ``table``'s column types call for (a new frame; ``df`` is not modified)."""
    out = df.copy()
    for col in table.columns:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.type in INTEGER_TYPES:
            num = pd.to_numeric(s, errors="coerce")
            out[col.name] = num.astype("int64") if num.notna().all() else num.astype("float64")
        elif col.type in ("float", "numeric"):
            out[col.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif col.type in ("datetime", "date"):
            converted = pd.to_datetime(s, errors="coerce")
            if isinstance(converted.dtype, pd.DatetimeTZDtype):
                converted = converted.dt.tz_convert("UTC").dt.tz_localize(None)
            out[col.name] = converted
        elif col.type == "boolean":
            out[col.name] = s.astype(bool) if s.notna().all() else s.astype("boolean")
    return out


def for_writing(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``df`` ready for a SQL insert: nullable integers, dates as dates, missing values as None."""
    out = df.copy()
    for col in table.columns:
        s = out[col.name]
        if col.type in INTEGER_TYPES:
            out[col.name] = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif col.type == "date":
            out[col.name] = pd.to_datetime(s, errors="coerce").dt.date.astype(object).where(s.notna(), None)
        elif col.type == "boolean" and not pd.api.types.is_bool_dtype(s.dtype):
            out[col.name] = s.astype("boolean")
        elif col.type in ("string", "text") and not pd.api.types.is_object_dtype(s.dtype):
            out[col.name] = s.astype(object).where(s.notna(), None)
    return out
