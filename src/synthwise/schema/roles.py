"""Sequence roles: which column keys the entities, which orders their steps, which are per-entity.

A *sequential* (long) table holds many entities (patients, accounts, countries), each with its own
sequence of rows ordered by a *sequence index* (a datetime or an integer step). Columns that never
change within an entity are *static* (the entity's attributes: a patient's sex, a country's continent).

:func:`infer_roles` finds the roles where they are obvious and leaves them unset otherwise:

* entity: a repeated key (at least 2 distinct values, on average at least 2 rows each) of a key-like
  kind (categorical, identifier, integer numeric) whose name says so (``id``, ``patient_id``,
  ``country``, ``account`` ...);
* sequence index: a datetime or integer column, strictly increasing within every entity in the given
  row order (or over the whole table when there is no entity); datetimes and time-like names
  (``date``, ``day``, ``year``, ``step`` ...) win over other integers;
* static columns: constant within every entity (missing counts as a value), found by
  :func:`static_columns` once the entity is known.

:func:`with_roles` returns a copy of a :class:`Schema` with the roles set (``Schema.entity``,
``Schema.sequence_index`` and ``ColumnSchema.role``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem
from synthwise.schema.datetimes import epoch_seconds, parse_datetimes
from synthwise.schema.model import Role, Schema

_ENTITY_NAME = re.compile(
    r"(^|[_\s.-])(id|key|uuid|guid)$|^id([_\s.-]|$)|[a-z]Id$|"
    r"^(entity|patient|subject|person|user|customer|client|account|member|country|region|state|city|"
    r"store|shop|site|station|sensor|device|machine|unit|series|ticker|symbol|household|firm|company)"
    r"(s|_?id|_?key|_?code|_?name)?$",
    re.IGNORECASE,
)
_TIME_NAME = re.compile(
    r"(^|[_\s.-])(date|time|datetime|timestamp|ts|day|days|week|month|year|yr|hour|minute|step|"
    r"period|visit|seq|sequence|index|idx|t|order|tick|epoch)$|^(date|time|day|year|month|week|step|"
    r"visit|period)|(Date|Time|Day|Year)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Roles:
    """The sequence roles of a table: any of them may be None / empty."""

    entity: str | None
    sequence_index: str | None
    static: tuple[str, ...] = ()


def infer_roles(
    df: pd.DataFrame,
    schema: Schema | None = None,
    *,
    entity: str | None = None,
    sequence_index: str | None = None,
) -> Roles:
    """The entity, sequence index and static columns of ``df``; given roles are kept as they are.

    Roles that are not obvious stay None: a table with no repeated key-like column has no entity, and
    one with no strictly increasing time-like column has no sequence index.
    """
    from synthwise.schema.infer import infer_schema

    schema = infer_schema(df) if schema is None else schema
    check_roles(df, entity, sequence_index)
    if entity is None:
        entity = schema.entity or _guess_entity(df, schema)
    if sequence_index is None:
        sequence_index = schema.sequence_index or _guess_index(df, schema, entity)
    static = static_columns(df, entity, exclude=tuple(c for c in (sequence_index,) if c))
    return Roles(entity, sequence_index, tuple(static))


def with_roles(schema: Schema, roles: Roles) -> Schema:
    """A copy of ``schema`` with the entity and sequence-index roles set (and every other role cleared)."""
    check_roles(None, roles.entity, roles.sequence_index, names=schema.names)
    cols = []
    for col in schema.columns:
        role: Role | None = (
            "entity"
            if col.name == roles.entity
            else "sequence_index"
            if col.name == roles.sequence_index
            else None
        )
        cols.append(replace(col, role=role) if col.role != role else col)
    return replace(schema, columns=tuple(cols), entity=roles.entity, sequence_index=roles.sequence_index)


def static_columns(df: pd.DataFrame, entity: str | None, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """Columns constant within every entity (missing counts as a value), in table order.

    With no entity, or when no entity has two rows, nothing can be told apart from chance: returns [].
    """
    if entity is None or entity not in df.columns:
        return []
    keys = _keys(df[entity])
    sizes = np.bincount(keys)
    if not (sizes >= 2).any():
        return []
    out = []
    for name in df.columns:
        if name == entity or name in exclude:
            continue
        codes = _keys(df[name])
        if _constant_within(keys, codes):
            out.append(str(name))
    return out


def check_roles(
    df: pd.DataFrame | None,
    entity: str | None,
    sequence_index: str | None,
    *,
    names: list[str] | None = None,
) -> None:
    """Raise a ColumnError naming every role that points at a missing column, or at the same column."""
    cols = [str(c) for c in (df.columns if df is not None else names or [])]
    problems: list[ColumnProblem] = []
    for role, name in (("entity", entity), ("sequence index", sequence_index)):
        if name is not None and name not in cols:
            problems.append(
                ColumnProblem(name, f"is named as the {role} but is not in the table", f"use one of {cols}")
            )
    if entity is not None and entity == sequence_index:
        problems.append(
            ColumnProblem(
                entity,
                "is named both as the entity and the sequence index",
                "name the key column as the entity and the time or order column as the sequence index",
            )
        )
    if problems:
        raise ColumnError(problems)


# -- guesses ---------------------------------------------------------------------------------------------
def _guess_entity(df: pd.DataFrame, schema: Schema) -> str | None:
    n = len(df)
    found = []
    for col in schema.columns:
        if not _ENTITY_NAME.search(col.name):
            continue
        key_like = col.kind in ("categorical", "identifier") or (col.kind == "numeric" and col.integer)
        s = df[col.name]
        if not key_like or s.isna().any():
            continue
        n_unique = int(s.nunique())
        if 2 <= n_unique <= n / 2:
            found.append(col.name)
    return found[0] if len(found) == 1 else None


def _guess_index(df: pd.DataFrame, schema: Schema, entity: str | None) -> str | None:
    keys = _keys(df[entity]) if entity is not None else np.zeros(len(df), dtype=np.int64)
    candidates: list[tuple[int, str]] = []
    for col in schema.columns:
        if col.name == entity:
            continue
        if col.kind == "datetime":
            rank = 0 if _TIME_NAME.search(col.name) else 1
        elif col.kind == "numeric" and col.integer:
            rank = 2 if _TIME_NAME.search(col.name) else 3
        else:
            continue
        values = _order_values(df[col.name], col.kind, col.datetime_format)
        if values is not None and _increasing_within(keys, values):
            candidates.append((rank, col.name))
    if not candidates:
        return None
    candidates.sort()
    best = candidates[0]
    # an unnamed integer is only obvious when it is the one candidate
    if best[0] == 3 and len(candidates) > 1:
        return None
    return best[1]


def _order_values(s: pd.Series, kind: str, fmt: str | None) -> np.ndarray | None:
    if s.isna().any():
        return None
    if kind == "datetime":
        ts = parse_datetimes(s, fmt) if fmt else pd.to_datetime(s, errors="coerce")
        if ts.isna().any():
            return None
        return epoch_seconds(ts)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)


def _increasing_within(keys: np.ndarray, values: np.ndarray) -> bool:
    """Strictly increasing within every entity, in row order, and not trivially (some entity has 2 rows)."""
    order = np.argsort(keys, kind="stable")
    k, v = keys[order], values[order]
    same = k[1:] == k[:-1]
    if not same.any():
        return False
    return bool(np.all(v[1:][same] > v[:-1][same]))


def _keys(s: pd.Series) -> np.ndarray:
    """Integer codes of a column's values, missing as one value of its own."""
    codes, _ = pd.factorize(s, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def _constant_within(keys: np.ndarray, codes: np.ndarray) -> bool:
    order = np.argsort(keys, kind="stable")
    k, c = keys[order], codes[order]
    same = k[1:] == k[:-1]
    return bool(np.all(c[1:][same] == c[:-1][same]))
