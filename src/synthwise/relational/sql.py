"""Databases through SQLAlchemy URLs: SQLite (the embedded default), DuckDB and PostgreSQL.

Reading reflects every table of the database (or of ``?schema=NAME``) with its declared primary and
foreign keys; keys it does not declare are inferred (:mod:`synthwise.relational.infer`) unless a
metadata file is given. Writing creates the tables with the metadata's types, primary keys and foreign
keys, and is atomic:

* SQLite and DuckDB files: the database is written to a temporary file beside the target, then moved
  into place (``os.replace``), so a reader sees the old file or the whole new one;
* PostgreSQL (and any server): everything happens in one transaction; with ``?schema=NAME`` the schema
  is created in that transaction too (it must not exist yet), otherwise the tables must not exist yet.

``?schema=NAME`` is ours, not the driver's: it is taken off the URL before connecting.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from synthwise.errors import DataError, MissingDependencyError
from synthwise.relational.database import Database, conform, for_writing
from synthwise.relational.infer import infer_metadata
from synthwise.relational.metadata import Column, ForeignKey, RelationalMetadata, Table

FILE_BACKENDS = ("sqlite", "duckdb")


def is_url(source: str) -> bool:
    """True for a database URL (``sqlite:///x.db``, ``postgresql+psycopg://...``)."""
    head, sep, _ = str(source).partition("://")
    return bool(sep) and head.replace("+", "").replace("_", "").isalnum()


def _sa() -> Any:
    try:
        import sqlalchemy
    except ModuleNotFoundError as exc:
        raise MissingDependencyError("sqlalchemy", "sql", "Reading and writing databases") from exc
    return sqlalchemy


def split_url(url: str) -> tuple[Any, str | None]:
    """The SQLAlchemy URL without our ``schema`` query parameter, and that schema."""
    sa = _sa()
    try:
        parsed = sa.engine.make_url(url)
    except Exception as exc:
        raise DataError(
            f"{url!r} is not a database URL: {exc}. Fix: write e.g. sqlite:///data.db, duckdb:///data.duckdb "
            "or postgresql+psycopg://user@host:5432/db."
        ) from exc
    schema = parsed.query.get("schema")
    if isinstance(schema, tuple):
        schema = schema[0]
    return parsed.difference_update_query(["schema"]), schema


def _engine(url: Any) -> Any:
    sa = _sa()
    backend = url.get_backend_name()
    try:
        return sa.create_engine(url)
    except sa.exc.NoSuchModuleError as exc:
        package = "duckdb-engine" if backend == "duckdb" else backend
        raise MissingDependencyError(package, "sql", f"A {backend} database") from exc
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(exc.name or backend, "sql", f"A {backend} database") from exc


@contextlib.contextmanager
def _connected(url: str) -> Iterator[tuple[Any, str | None]]:
    sa = _sa()
    parsed, schema = split_url(url)
    local = parsed.get_backend_name() in FILE_BACKENDS and parsed.database not in (None, "", ":memory:")
    if local and not Path(parsed.database).is_file():
        raise DataError(f"Database file {parsed.database!r} does not exist. Fix: check the URL's path.")
    engine = _engine(parsed)
    try:
        with engine.connect() as conn:
            yield conn, schema
    except sa.exc.OperationalError as exc:
        raise DataError(f"Cannot read {url!r}: {str(exc.orig).strip()}. Fix: check the URL.") from exc
    finally:
        engine.dispose()


# -- types -----------------------------------------------------------------------------------------------
def portable_type(sql_type: Any) -> str:
    """A reflected SQLAlchemy type as one of :data:`~synthwise.relational.metadata.TYPES`."""
    types = _sa().types
    try:
        t = sql_type.as_generic()
    except NotImplementedError:
        t = sql_type
    for cls, name in (
        (types.Boolean, "boolean"),
        (types.BigInteger, "bigint"),
        (types.Integer, "integer"),
        (types.Float, "float"),
        (types.Numeric, "numeric"),
        (types.DateTime, "datetime"),
        (types.Date, "date"),
        (types.Time, "time"),
        (types.Text, "text"),
    ):
        if isinstance(t, cls):
            return name
    return "string"


def sql_type(name: str) -> Any:
    """The SQLAlchemy type a portable type name is written as."""
    t = _sa().types
    return {
        "integer": t.Integer,
        "bigint": t.BigInteger,
        "float": t.Double,
        "numeric": t.Numeric,
        "boolean": t.Boolean,
        "string": t.String,
        "text": t.Text,
        "date": t.Date,
        "datetime": t.DateTime,
        "time": t.Time,
    }[name]()


# -- reading ---------------------------------------------------------------------------------------------
def declared_metadata(conn: Any, schema: str | None) -> RelationalMetadata:
    """The tables, types, primary keys and foreign keys the database itself declares."""
    if conn.dialect.name == "duckdb":
        from synthwise.relational.duckdb import duckdb_metadata

        return duckdb_metadata(conn, schema)
    sa = _sa()
    inspector = sa.inspect(conn)
    names = sorted(inspector.get_table_names(schema=schema))
    if not names:
        where = f"schema {schema!r}" if schema else "the database"
        raise DataError(f"No tables found in {where}. Fix: check the URL (and its ?schema=).")
    tables, fks = [], []
    for name in names:
        cols = tuple(
            Column(c["name"], portable_type(c["type"]), bool(c.get("nullable", True)))
            for c in inspector.get_columns(name, schema=schema)
        )
        pk = inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
        tables.append(Table(name, cols, tuple(pk)))
        for fk in inspector.get_foreign_keys(name, schema=schema):
            if fk.get("referred_table") in names:
                fks.append(
                    ForeignKey(
                        name,
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                    )
                )
    return RelationalMetadata(tuple(tables), tuple(fks))


def read_sql(url: str, metadata: RelationalMetadata | None = None) -> Database:
    """Every table of the database at ``url``, with its metadata (declared, given or inferred)."""
    sa = _sa()
    with _connected(url) as (conn, schema):
        declared = declared_metadata(conn, schema)
        if metadata is not None:
            absent = [n for n in metadata.names if n not in declared.names]
            if absent:
                raise DataError(
                    f"The metadata names tables {absent} that {url!r} does not hold. "
                    f"Fix: use tables among {declared.names}."
                )
        names = metadata.names if metadata is not None else declared.names
        quote = conn.dialect.identifier_preparer.quote
        prefix = f"{quote(schema)}." if schema else ""
        frames = {
            name: pd.read_sql_query(sa.text(f"SELECT * FROM {prefix}{quote(name)}"), conn) for name in names
        }
    meta = metadata if metadata is not None else infer_metadata(frames, declared)
    return Database({t.name: conform(frames[t.name], t) for t in meta.tables}, meta)


# -- writing ---------------------------------------------------------------------------------------------
def sql_tables(metadata: RelationalMetadata, schema: str | None) -> Any:
    """A SQLAlchemy MetaData with every table, its types, primary key and foreign keys."""
    sa = _sa()
    md = sa.MetaData(schema=schema)
    for t in metadata.tables:
        constraints: list[Any] = []
        if t.primary_key:
            constraints.append(sa.PrimaryKeyConstraint(*t.primary_key))
        for fk in metadata.parents(t.name):
            prefix = f"{schema}." if schema else ""
            refs = [f"{prefix}{fk.parent}.{c}" for c in fk.parent_columns]
            constraints.append(sa.ForeignKeyConstraint(list(fk.columns), refs))
        cols = [sa.Column(c.name, sql_type(c.type), nullable=c.nullable) for c in t.columns]
        sa.Table(t.name, md, *cols, *constraints)
    return md


def write_sql(db: Database, url: str) -> None:
    """Write ``db`` to ``url`` atomically (see the module docstring)."""
    parsed, schema = split_url(url)
    backend = parsed.get_backend_name()
    if backend in FILE_BACKENDS:
        if not parsed.database or parsed.database == ":memory:":
            raise DataError(f"{url!r} names no file. Fix: write e.g. {backend}:///synthetic.db.")
        from synthwise.io import atomic_path

        with atomic_path(parsed.database) as tmp:
            tmp.unlink()  # the engine creates the file itself (DuckDB refuses an empty one)
            engine = _engine(parsed.set(database=str(tmp)))
            try:
                _write(engine, db, schema, create_schema=False)
            finally:
                engine.dispose()
        return
    engine = _engine(parsed)
    try:
        _write(engine, db, schema, create_schema=schema is not None)
    finally:
        engine.dispose()


def _write(engine: Any, db: Database, schema: str | None, *, create_schema: bool) -> None:
    sa = _sa()
    md = sql_tables(db.metadata, schema)
    try:
        with engine.begin() as conn:
            if create_schema:
                conn.execute(sa.schema.CreateSchema(schema))
            md.create_all(conn, checkfirst=False)
            for t in db.metadata.order():
                table = db.metadata.table(t)
                frame = for_writing(db.tables[t], table)
                _insert(conn, md.tables[f"{schema}.{t}" if schema else t], frame)
    except sa.exc.ProgrammingError as exc:
        raise DataError(
            f"Cannot write the database: {str(exc.orig).strip().splitlines()[0]}. Fix: write into a new "
            "schema (?schema=NAME, created in the same transaction) or an empty database."
        ) from exc
    except sa.exc.DBAPIError as exc:
        raise DataError(
            f"Cannot write the database: {str(exc.orig).strip().splitlines()[0]}. Fix: check the output "
            "URL; nothing was written."
        ) from exc


def _insert(conn: Any, table: Any, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(records), 50_000):
        conn.execute(table.insert(), records[start : start + 50_000])
