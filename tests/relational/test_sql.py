"""Databases through SQLAlchemy: SQLite, DuckDB and a real PostgreSQL server; atomic writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from synthwise.errors import DataError
from synthwise.relational import Database, read_database, write_database

pytest.importorskip("sqlalchemy")


def _same(a: Database, b: Database) -> None:
    assert set(a.metadata.tables) == set(b.metadata.tables)
    assert set(a.metadata.foreign_keys) == set(b.metadata.foreign_keys)
    for name, df in a.tables.items():
        other = b.tables[name]
        assert len(df) == len(other), name
        df, other = _sorted(df), _sorted(other)
        for col in df.columns:
            x, y = df[col], other[col]
            assert ((x == y) | (x.isna() & y.isna())).all(), (name, col)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order: a server need not return them in insertion order."""
    order = df.astype(str).sort_values(list(df.columns)).index
    return df.loc[order].reset_index(drop=True)


def test_sqlite_round_trip_keeps_types_keys_and_values(flights_db, flights_sqlite) -> None:  # type: ignore[no-untyped-def]
    _same(flights_db, read_database(flights_sqlite))


def test_duckdb_round_trip(flights_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("duckdb_engine")
    url = f"duckdb:///{tmp_path / 'f.duckdb'}"
    write_database(flights_db, url)
    _same(flights_db, read_database(url))


def test_a_failed_sqlite_write_leaves_the_old_file(flights_db, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.db"
    target.write_bytes(b"old")
    import synthwise.relational.sql as sql

    def boom(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sql, "_insert", boom)
    with pytest.raises(KeyboardInterrupt):
        write_database(flights_db, f"sqlite:///{target}")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.db"]


def test_undeclared_keys_are_inferred(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as conn:
        pd.DataFrame({"customer_id": [1, 2, 3], "age": [30, 40, 50]}).to_sql("customers", conn, index=False)
        pd.DataFrame({"order_id": [1, 2, 3, 4], "customer_id": [1, 1, 3, 2]}).to_sql(
            "orders", conn, index=False
        )
    meta = read_database(f"sqlite:///{path}").metadata
    assert meta.table("customers").primary_key == ("customer_id",)
    assert [fk.name for fk in meta.foreign_keys] == ["orders(customer_id) -> customers(customer_id)"]


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_database(f"sqlite:///{tmp_path / 'nope.db'}")


def test_postgresql_round_trip_into_a_new_schema(flights_db, postgres_url) -> None:  # type: ignore[no-untyped-def]
    write_database(flights_db, postgres_url + "?schema=real_data")
    _same(flights_db, read_database(postgres_url + "?schema=real_data"))
    with pytest.raises(DataError, match="already exists"):
        write_database(flights_db, postgres_url + "?schema=real_data")


def test_a_failed_postgresql_write_leaves_nothing(flights_db, postgres_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    import synthwise.relational.sql as sql

    calls = []

    def fail_late(conn: object, table: object, frame: pd.DataFrame) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise sa.exc.DBAPIError("insert", {}, RuntimeError("boom"))
        real_insert(conn, table, frame)

    real_insert = sql._insert
    monkeypatch.setattr(sql, "_insert", fail_late)
    with pytest.raises(DataError, match="nothing was written"):
        write_database(flights_db, postgres_url + "?schema=half")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert "half" not in sa.inspect(conn).get_schema_names()
    engine.dispose()
