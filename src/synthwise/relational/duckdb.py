"""DuckDB's catalogue read directly: duckdb-engine's reflection queries PostgreSQL catalogue tables that
DuckDB does not have (``pg_collation``), so tables, types and keys come from ``information_schema`` and
``duckdb_constraints()`` instead."""

from __future__ import annotations

from typing import Any

from synthwise.errors import DataError
from synthwise.relational.metadata import Column, ForeignKey, RelationalMetadata, Table

_TYPES = (
    ("BIGINT", "bigint"),
    ("HUGEINT", "bigint"),
    ("UBIGINT", "bigint"),
    ("INT", "integer"),
    ("DOUBLE", "float"),
    ("FLOAT", "float"),
    ("REAL", "float"),
    ("DECIMAL", "numeric"),
    ("BOOL", "boolean"),
    ("TIMESTAMP", "datetime"),
    ("DATE", "date"),
    ("TIME", "time"),
)


def portable(duck_type: str) -> str:
    upper = duck_type.upper()
    return next((name for prefix, name in _TYPES if upper.startswith(prefix) or prefix in upper), "string")


def duckdb_metadata(conn: Any, schema: str | None) -> RelationalMetadata:
    where = schema or "main"
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
        (where,),
    ).fetchall()
    if not rows:
        raise DataError(f"No tables found in schema {where!r}. Fix: check the URL (and its ?schema=).")
    columns: dict[str, list[Column]] = {}
    for table, column, dtype, nullable in rows:
        columns.setdefault(table, []).append(Column(column, portable(dtype), nullable == "YES"))
    keys = conn.exec_driver_sql(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() WHERE schema_name = ? "
        "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY constraint_index",
        (where,),
    ).fetchall()
    pks: dict[str, tuple[str, ...]] = {}
    fks = []
    for table, kind, cols, parent, parent_cols in keys:
        if kind == "PRIMARY KEY":
            pks[table] = tuple(cols)
        elif parent in columns:
            fks.append(ForeignKey(table, tuple(cols), parent, tuple(parent_cols)))
    tables = tuple(Table(name, tuple(cols), pks.get(name, ())) for name, cols in columns.items())
    return RelationalMetadata(tables, tuple(fks))
