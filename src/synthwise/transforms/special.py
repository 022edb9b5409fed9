"""Numeric columns with special values: two code columns, the number and a categorical side channel.

A column of kind ``numeric`` with ``special_values`` (``("T", "*")``) is encoded as its value column
and a side column named ``"<name>::special"`` (0 = a number, ``i`` = the ``i``-th special value, NaN =
missing). The side column is the one missingness indicator of the column: where no number stands, the
value column holds a filler drawn deterministically from the column's own numbers (:func:`fill_gaps`),
so no generator can make a row missing through the value column alone. Every generator
learns the side column jointly with the rest, as a categorical, so the codes come back at their rate and
in their context. Decoding writes the code where the side column says so and the number elsewhere, as
the input wrote numbers (``number_format``); the output column is then text (or objects).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError
from synthwise.schema import ColumnSchema
from synthwise.schema.numbers import parse_number, write_number
from synthwise.transforms.numeric import decode_numeric

SIDE_SUFFIX = "::special"
NUMBER_LABEL = "(number)"  # the side column's category 0: the row holds a number


def has_side_channel(col: ColumnSchema) -> bool:
    return col.kind == "numeric" and bool(col.special_values)


def side_name(name: str) -> str:
    return f"{name}{SIDE_SUFFIX}"


def owner_name(code_name: str) -> str:
    """The schema column a code column belongs to: itself, or the column whose side channel it is."""
    return code_name.removesuffix(SIDE_SUFFIX)


def value_column(col: ColumnSchema) -> ColumnSchema:
    """The plain numeric column the value codes follow (same name and facts, no codes, float values)."""
    return replace(col, special_values=(), number_format=None, dtype="float64", why=None, missing_rate=0.0)


def side_column(col: ColumnSchema) -> ColumnSchema:
    """The categorical side column: category 0 is "a number", then each special value."""
    return ColumnSchema(
        name=side_name(col.name),
        kind="categorical",
        dtype="object",
        missing_rate=col.missing_rate,
        n_unique=len(col.special_values) + 1,
        categories=(NUMBER_LABEL, *col.special_values),
    )


def code_columns(col: ColumnSchema) -> list[ColumnSchema]:
    """The code columns of one schema column: itself, or its value and side columns."""
    return [value_column(col), side_column(col)] if has_side_channel(col) else [col]


def encode_special(
    s: pd.Series, col: ColumnSchema, *, unseen: str = "error"
) -> tuple[np.ndarray, np.ndarray]:
    """``(values, side codes)``: the numbers (NaN elsewhere) and 0 / code index / NaN per row."""
    n = len(s)
    values = np.full(n, np.nan)
    side = np.full(n, np.nan)
    index = {code: float(i + 1) for i, code in enumerate(col.special_values)}
    for i, v in enumerate(s.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        number = parse_number(v, col.number_format)  # None for a code, text, True / False
        if number is not None:
            values[i], side[i] = number, 0.0
        elif str(v) in index:
            side[i] = index[str(v)]
        elif unseen == "error":
            _unseen(col, str(v))
    return fill_gaps(values), side


def fill_gaps(values: np.ndarray) -> np.ndarray:
    """The value column where no number stands (a code, or missing), filled from the column's own numbers
    spread over their quantiles (a golden-ratio sequence: deterministic, no draw), so that the side
    channel is the one place that says "missing" or "code" and the numbers keep their distribution."""
    gaps = np.isnan(values)
    numbers = np.sort(values[~gaps])
    if not gaps.any() or len(numbers) == 0:
        return values
    positions = np.mod(np.arange(1, gaps.sum() + 1) * 0.6180339887498949, 1.0)
    values[gaps] = numbers[np.minimum((positions * len(numbers)).astype(np.int64), len(numbers) - 1)]
    return values


def decode_special(
    values: np.ndarray, side: np.ndarray, col: ColumnSchema, *, clip: bool = True
) -> pd.Series:
    """The value and side codes back to one column: numbers written as the input wrote them, and codes."""
    numbers = decode_numeric(values, value_column(col), clip=clip).to_numpy(dtype="float64", na_value=np.nan)
    side = np.asarray(side, dtype="float64")
    k = len(col.special_values)
    code = np.where(np.isnan(side), -1, np.clip(np.round(np.nan_to_num(side)), 0, k)).astype(np.int64)
    out = np.full(len(side), np.nan, dtype=object)
    for i in np.flatnonzero(code > 0):
        out[i] = col.special_values[code[i] - 1]
    for i in np.flatnonzero((code == 0) & ~np.isnan(numbers)):
        out[i] = write_number(numbers[i], col.number_format)
    series = pd.Series(out, name=col.name, dtype=object)
    if col.dtype in ("str", "string") and col.number_format is not None:
        return series.astype(col.dtype)
    return series


def _unseen(col: ColumnSchema, text: str) -> None:
    raise ColumnError.single(
        col.name,
        f"holds {text!r}, which is neither a number nor one of its special values {list(col.special_values)}",
        "refit on data that holds it, or add it to the schema's special_values",
    )


def with_side_columns(
    data: pd.DataFrame, specials: dict[str, tuple[tuple[str, ...], str | None]]
) -> pd.DataFrame:
    """``data`` plus, for each column named in ``specials`` (name -> its special values and number
    format), its side
    column as text: ``""`` where a number stands, the code where one does, missing elsewhere (for
    pipelines that read raw columns, such as the DP generators' cells)."""
    if not specials:
        return data
    out = data.copy()
    for name, (codes, number_format) in specials.items():
        col = ColumnSchema(name=name, kind="numeric", special_values=codes, number_format=number_format)
        side = encode_special(data[name], col, unseen="nan")[1]
        labels = np.array([NUMBER_LABEL, *codes], dtype=object)
        text = np.where(np.isnan(side), None, labels[np.nan_to_num(side).astype(np.int64)])
        out[side_name(name)] = pd.Series(text, index=data.index, dtype=object)
    return out
