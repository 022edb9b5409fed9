"""Parse constraints: ``'end >= start'``, ``{check: ...}``, ``{unique: cols}``, ``{range: col, min, max}``."""

from __future__ import annotations

from typing import Any

from synthwise.simulation.expressions import parse_expression
from synthwise.simulation.source import Problems, SpecMap, Where
from synthwise.simulation.spec import ConstraintSpec


def parse_constraint(value: Any, where: Where, problems: Problems) -> ConstraintSpec | None:
    """A constraint: 'end >= start', {check: ...}, {unique: col or [cols]} or {range: col, min:, max:}."""
    if isinstance(value, str):
        expr = parse_expression(value, where, problems)
        return None if expr is None else ConstraintSpec(value.strip(), where, expr=expr)
    if not isinstance(value, SpecMap):
        problems.add(
            where,
            f"a constraint must be an expression or a mapping, not {value!r}",
            "write e.g. 'end_date >= start_date' or {unique: email}",
        )
        return None
    kinds = [k for k in ("check", "unique", "range") if k in value]
    allowed = {
        "check": {"check", "name"},
        "unique": {"unique", "name"},
        "range": {"range", "min", "max", "name"},
    }
    if len(kinds) != 1:
        problems.add(
            where,
            "a constraint mapping needs exactly one of 'check', 'unique', 'range'",
            "write e.g. {unique: email}",
        )
        return None
    kind = kinds[0]
    for key in value:
        if key not in allowed[kind]:
            problems.add(
                value.where(where, key),
                f"unknown constraint key {key!r}",
                f"use {', '.join(sorted(allowed[kind]))}",
            )
    at = value.where(where, kind)
    if kind == "check":
        expr = parse_expression(value["check"], at, problems)
        return None if expr is None else ConstraintSpec(str(value.get("name", value["check"])), at, expr=expr)
    if kind == "unique":
        cols = value["unique"]
        cols = [cols] if isinstance(cols, str) else cols
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            problems.add(at, "'unique' must name a column or a list of columns", "write {unique: email}")
            return None
        return ConstraintSpec(str(value.get("name", f"unique({', '.join(cols)})")), at, unique=tuple(cols))
    col = value["range"]
    lo, hi = value.get("min"), value.get("max")
    bounds_ok = all(b is None or (isinstance(b, int | float) and not isinstance(b, bool)) for b in (lo, hi))
    if not isinstance(col, str) or not bounds_ok or (lo is None and hi is None):
        problems.add(
            at,
            "'range' needs a column name and a numeric 'min' and/or 'max'",
            "write {range: amount, min: 0, max: 10000}",
        )
        return None
    parts = ([f"{col} >= {lo!r}"] if lo is not None else []) + (
        [f"{col} <= {hi!r}"] if hi is not None else []
    )
    text = " and ".join(parts)
    expr = parse_expression(text, at, problems)
    return None if expr is None else ConstraintSpec(str(value.get("name", text)), at, expr=expr)
