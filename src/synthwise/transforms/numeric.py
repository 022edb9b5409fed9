"""Numeric columns: floats with NaN for missing; decoding restores decimals, range and integer dtype.

Numbers written as text (``ColumnSchema.number_format``: ``$1,234.50``, ``12,5``, ``7.5%``) are read with
that template and written back with it (:mod:`synthwise.schema.numbers`), so output keeps the format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema
from synthwise.schema.numbers import parse_number, write_number
from synthwise.schema.values import round_decimals


def encode_numeric(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    if col.number_format is not None and not pd.api.types.is_numeric_dtype(s.dtype):
        parsed = [
            parse_number(v, col.number_format) if isinstance(v, str) else v for v in s.to_numpy(dtype=object)
        ]
        return pd.to_numeric(pd.Series(parsed, dtype=object), errors="coerce").astype("float64").to_numpy()
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(copy=True)


def decode_numeric(values: np.ndarray, col: ColumnSchema, *, clip: bool = True) -> pd.Series:
    v = np.asarray(values, dtype="float64").copy()
    missing = np.isnan(v)
    if clip and col.min is not None and col.max is not None:
        v = np.clip(v, col.min, col.max)
    v = round_decimals(v, 0 if col.integer else col.decimals)
    if col.number_format is not None:  # numbers written as text, in the input's format
        text = np.full(len(v), np.nan, dtype=object)
        for i in np.flatnonzero(~missing):
            text[i] = write_number(v[i], col.number_format)
        out = pd.Series(text, name=col.name, dtype=object)
        return out.astype(col.dtype) if col.dtype in ("str", "string") else out
    return cast_numeric(pd.Series(v, name=col.name), col.dtype, missing)


def cast_numeric(s: pd.Series, dtype: str, missing: np.ndarray) -> pd.Series:
    """Cast floats to the column's original dtype; a non-nullable int with missing values becomes Int64."""
    kind = pd.api.types.pandas_dtype(dtype)
    if pd.api.types.is_integer_dtype(kind):
        if missing.any():
            return s.round().astype(
                "Int64" if not isinstance(kind, pd.api.extensions.ExtensionDtype) else kind
            )
        return s.round().astype(kind)
    if isinstance(kind, pd.api.extensions.ExtensionDtype):
        return s.astype(kind)
    return s.astype(kind)
