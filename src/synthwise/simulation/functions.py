"""The functions of the expression language, vectorized over numpy arrays.

Each entry of :data:`FUNCTIONS` is ``name -> (min args, max args or None, implementation)``; an
implementation takes the evaluated arguments and the number of rows. Only these names may be called in
an expression; ``date('2024-01-01')`` is replaced by a constant when the expression is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np

from synthwise.simulation import values as V

_NS = {"weeks": 7 * 86_400e9, "days": 86_400e9, "hours": 3_600e9, "minutes": 60e9, "seconds": 1e9}


class ExprError(Exception):
    """An expression could not be evaluated on the data (wrong types, bad values)."""


def as_number(x: Any) -> Any:
    """Booleans as integers for arithmetic; text refused."""
    if V.is_stringy(x):
        raise ExprError("text can only be compared (==, !=, in), not used in arithmetic")
    if isinstance(x, np.ndarray) and x.dtype == bool:
        return x.astype(np.int64)
    if isinstance(x, bool | np.bool_):
        return int(x)
    return x


def _unary(fn: Callable[[Any], Any]) -> Callable[[list[Any], int], Any]:
    def run(args: list[Any], n: int) -> Any:
        with np.errstate(all="ignore"):
            return fn(np.asarray(as_number(args[0]), dtype=np.float64))

    return run


def _timedelta(unit: str) -> Callable[[list[Any], int], Any]:
    def run(args: list[Any], n: int) -> Any:
        x = np.asarray(as_number(args[0]), dtype=np.float64) * _NS[unit]
        return np.round(x).astype(np.int64).astype("timedelta64[ns]")

    return run


def _part(unit: str) -> Callable[[list[Any], int], Any]:
    def run(args: list[Any], n: int) -> Any:
        t = np.asarray(args[0])
        if t.dtype.kind != "M":
            raise ExprError(f"{unit}() needs a datetime column")
        day = t.astype("datetime64[D]")
        if unit == "hour":
            return t.astype("datetime64[h]").astype(np.int64) % 24
        if unit == "minute":
            return t.astype("datetime64[m]").astype(np.int64) % 60
        if unit == "weekday":
            return (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        if unit == "month":
            return t.astype("datetime64[M]").astype(np.int64) % 12 + 1
        if unit == "year":
            return t.astype("datetime64[Y]").astype(np.int64) + 1970
        if unit == "day":
            return (day - t.astype("datetime64[M]")).astype(np.int64) + 1
        return (day - t.astype("datetime64[Y]")).astype(np.int64) + 1  # dayofyear

    return run


def _minmax(fn: Any) -> Callable[[list[Any], int], Any]:
    def run(args: list[Any], n: int) -> Any:
        return reduce(fn, [as_number(a) for a in args])

    return run


def _round(args: list[Any], n: int) -> Any:
    return np.round(as_number(args[0]), int(args[1]) if len(args) > 1 else 0)


def _cast(kind: str) -> Callable[[list[Any], int], Any]:
    def run(args: list[Any], n: int) -> Any:
        x = np.asarray(as_number(args[0]))
        return np.trunc(x).astype(np.int64) if kind == "int" else x.astype(np.float64)

    return run


def _sigmoid(args: list[Any], n: int) -> Any:
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(as_number(args[0]), dtype=np.float64)))


# name -> (min args, max args or None, implementation(args, n_rows))
FUNCTIONS: dict[str, tuple[int, int | None, Callable[[list[Any], int], Any]]] = {
    "abs": (1, 1, lambda a, n: np.abs(as_number(a[0]))),
    "min": (2, None, _minmax(np.minimum)),
    "max": (2, None, _minmax(np.maximum)),
    "log": (1, 1, _unary(np.log)),
    "log1p": (1, 1, _unary(np.log1p)),
    "exp": (1, 1, _unary(np.exp)),
    "sqrt": (1, 1, _unary(np.sqrt)),
    "floor": (1, 1, _unary(np.floor)),
    "ceil": (1, 1, _unary(np.ceil)),
    "sin": (1, 1, _unary(np.sin)),
    "cos": (1, 1, _unary(np.cos)),
    "sigmoid": (1, 1, _sigmoid),
    "round": (1, 2, _round),
    "clip": (3, 3, lambda a, n: np.clip(as_number(a[0]), as_number(a[1]), as_number(a[2]))),
    "where": (3, 3, lambda a, n: V.select(np.asarray(a[0], dtype=bool), a[1], a[2], n)),
    "int": (1, 1, _cast("int")),
    "float": (1, 1, _cast("float")),
    **{u: (1, 1, _timedelta(u)) for u in _NS},
    **{p: (1, 1, _part(p)) for p in ("hour", "minute", "weekday", "day", "month", "year", "dayofyear")},
    "date": (1, 1, lambda a, n: a[0]),  # checked and converted when parsed
}
