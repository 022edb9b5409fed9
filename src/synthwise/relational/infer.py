"""Metadata from the tables themselves, for databases and folders that declare no keys.

* Column types come from the pandas dtypes (:func:`column_type`).
* A primary key is a unique, complete column named like a key: ``id``, ``<table>_id``, ``<singular>_id``,
  or ending in ``_id`` / ``_key`` / ``code``; the first such column wins; else the first column when it
  is unique, complete and key-like (whole numbers, short tokens without spaces).
* A foreign key is a column whose non-missing values all lie among another table's single-column primary
  key, and whose name matches that key (``carrier`` -> ``airlines.carrier``, ``plane_id`` ->
  ``planes.id``), or, for text keys, any column whose values are all contained (``origin`` ->
  ``airports.faa``). Containment alone is never enough for numbers: small integers are contained in any
  ``id`` range.

Declared keys win: inference only fills what a database or metadata file leaves out.
"""

from __future__ import annotations

import pandas as pd

from synthwise.relational.metadata import Column, ForeignKey, RelationalMetadata, Table


def column_type(values: pd.Series) -> str:
    """The portable SQL type of a pandas column."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        finite = values.dropna()
        return "bigint" if len(finite) and bool((finite % 1 == 0).all()) and _named_int(values) else "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "string"


def _named_int(values: pd.Series) -> bool:
    """Whole floats (an integer column with NULLs) stay integers only for count-like names."""
    name = str(values.name).lower()
    return name in ("year", "id") or name.endswith(("_id", "year", "count"))


def infer_tables(frames: dict[str, pd.DataFrame]) -> list[Table]:
    """Tables with types from the dtypes and inferred single-column primary keys."""
    out = []
    for name, df in frames.items():
        cols = tuple(Column(str(c), column_type(df[c]), bool(df[c].isna().any())) for c in df.columns)
        pk = infer_primary_key(name, df)
        out.append(Table(name, cols, (pk,) if pk else ()))
    return out


def infer_primary_key(table: str, df: pd.DataFrame) -> str | None:
    """A unique, complete, key-named column of ``df``, or None."""
    singular = table[:-1] if table.endswith("s") else table
    named = {"id", f"{table}_id", f"{singular}_id"}
    candidates = [c for c in map(str, df.columns) if c.lower() in named]
    candidates += [
        c
        for c in map(str, df.columns)
        if c.lower().endswith(("_id", "_key", "code", "num")) and c not in named
    ]
    for c in candidates:
        if len(df) and df[c].notna().all() and df[c].is_unique:
            return c
    first = df.iloc[:, 0] if df.shape[1] else None
    if first is not None and len(df) and first.notna().all() and first.is_unique and _key_like(first):
        return str(df.columns[0])
    return None


def _key_like(values: pd.Series) -> bool:
    """Whole numbers, or short text tokens without spaces (``JFK``, ``N123AB``)."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return True
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return False
    text = values.astype(str)
    return bool((text.str.len() <= 20).all() and not text.str.contains(r"\s").any())


def infer_foreign_keys(
    frames: dict[str, pd.DataFrame], tables: list[Table], declared: list[ForeignKey] | None = None
) -> list[ForeignKey]:
    """Foreign keys by name and value containment, leaving out columns a declared key already covers."""
    found = list(declared or [])
    covered = {(fk.child, c) for fk in found for c in fk.columns}
    parents = [(t.name, t.primary_key[0]) for t in tables if len(t.primary_key) == 1]
    for t in tables:
        df = frames[t.name]
        for col in t.column_names:
            if (t.name, col) in covered or (len(t.primary_key) == 1 and col == t.primary_key[0]):
                continue
            for parent, key in parents:
                if parent == t.name or not _references(df[col], frames[parent][key], col, parent, key):
                    continue
                found.append(ForeignKey(t.name, (col,), parent, (key,)))
                covered.add((t.name, col))
                break
    return found


def _references(child: pd.Series, key: pd.Series, col: str, parent: str, key_name: str) -> bool:
    values = child.dropna()
    if values.empty or values.nunique() < 2:
        return False
    text = not pd.api.types.is_numeric_dtype(key.dtype) and not pd.api.types.is_bool_dtype(key.dtype)
    if text != (not pd.api.types.is_numeric_dtype(values.dtype)):
        return False
    singular = parent[:-1] if parent.endswith("s") else parent
    c, k = col.lower(), key_name.lower()
    named = c == k or c in (f"{singular}_{k}", f"{parent}_{k}") or (k == "id" and c == f"{singular}_id")
    if not (named or text):
        return False
    return bool(values.isin(set(key.dropna())).all())


def infer_metadata(
    frames: dict[str, pd.DataFrame], declared: RelationalMetadata | None = None
) -> RelationalMetadata:
    """Metadata for ``frames``: ``declared`` tables and keys where given, inferred for the rest.

    A table listed in ``declared`` keeps its types and primary key (inferred when it declares none);
    foreign keys are inferred only when ``declared`` has none.
    """
    inferred = {t.name: t for t in infer_tables(frames)}
    known = {t.name: t for t in declared.tables} if declared is not None else {}
    tables = []
    for name in frames:
        t = known.get(name)
        if t is None:
            tables.append(inferred[name])
        elif not t.primary_key and inferred[name].primary_key:
            tables.append(Table(t.name, t.columns, inferred[name].primary_key, t.sequence_index))
        else:
            tables.append(t)
    if declared is not None and declared.foreign_keys:
        fks = list(declared.foreign_keys)
    else:
        fks = infer_foreign_keys(frames, tables)
    return RelationalMetadata(tuple(tables), tuple(fks)).validate()
