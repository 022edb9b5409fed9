"""Numeric columns: floats with NaN for missing; decoding restores decimals, range and integer dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema
from synthwise.schema.values import round_decimals


def encode_numeric(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(copy=True)


def decode_numeric(values: np.ndarray, col: ColumnSchema, *, clip: bool = True) -> pd.Series:
    v = np.asarray(values, dtype="float64").copy()
    missing = np.isnan(v)
    if clip and col.min is not None and col.max is not None:
        v = np.clip(v, col.min, col.max)
    v = round_decimals(v, 0 if col.integer else col.decimals)
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
