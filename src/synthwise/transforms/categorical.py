"""Categorical, boolean and constant columns: an integer code per value (as float, NaN for missing).

A long-tail categorical (``col.min_count`` set) has :data:`~synthwise.schema.model.TAIL` as its last
category: every value outside its frequent categories encodes to that code (never an unseen-value
error), and decodes to the TAIL label, which :class:`~synthwise.transforms.table.TableTransformer`
replaces with generated values (:mod:`synthwise.transforms.tail`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError
from synthwise.schema import ColumnSchema
from synthwise.schema.model import TAIL


def _key(value: Any) -> Any:
    """Lookup key that makes 1 and 1.0 and "1" distinct but numpy / python scalars equal."""
    if isinstance(value, np.generic):
        value = value.item()
    return (
        (type(value).__name__ if not isinstance(value, bool | int | float) else "num", value)
        if not isinstance(value, bool)
        else ("bool", value)
    )


def encode_categorical(s: pd.Series, col: ColumnSchema, *, unseen: str = "error") -> np.ndarray:
    """Codes ``0..K-1`` in the order of ``col.categories``; NaN where missing.

    ``unseen="error"`` raises a :class:`ColumnError` naming the unseen values; ``"nan"`` maps them to NaN.
    """
    out = np.full(len(s), np.nan)
    mask = s.notna().to_numpy()
    if col.kind == "constant":  # one value by definition: any present value is code 0
        out[mask] = 0.0
        return out
    values = s.to_numpy(dtype=object)[mask]
    if all(isinstance(c, str) for c in col.categories):  # fast path: the common string domain
        idx = pd.Index(list(col.categories), dtype=object).get_indexer(values)
        is_str = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
        codes = np.where((idx >= 0) & is_str, idx, np.nan).astype("float64")
    else:
        lookup = {_key(c): float(i) for i, c in enumerate(col.categories)}
        codes = np.array([lookup.get(_key(v), np.nan) for v in values], dtype="float64")
    if is_long_tail(col):  # every value outside the frequent categories is the tail
        codes = np.where(np.isnan(codes), float(len(col.categories) - 1), codes)
    if unseen == "error" and np.isnan(codes).any():
        bad = sorted({str(v) for v, c in zip(values, codes, strict=True) if np.isnan(c)})
        raise ColumnError.single(
            col.name,
            f"{len(bad):,} categories were not seen when fitting (e.g. {bad[:3]})",
            "refit on data that holds them, or add them to the schema's categories",
        )
    out[mask] = codes
    return out


def is_long_tail(col: ColumnSchema) -> bool:
    """Whether the column's last category is the tail of a long-tail categorical."""
    return col.min_count is not None and bool(col.categories) and col.categories[-1] == TAIL


def decode_categorical(codes: np.ndarray, col: ColumnSchema) -> pd.Series:
    codes = np.asarray(codes, dtype="float64")
    missing = np.isnan(codes)
    if col.dtype in ("str", "string") and col.categories and all(isinstance(c, str) for c in col.categories):
        # fast path: take from the small array of categories instead of casting every row
        top = len(col.categories) - 1
        idx = np.where(missing, -1, np.clip(np.nan_to_num(codes), 0, top)).astype(np.int64)
        values = pd.array(list(col.categories), dtype=col.dtype).take(idx, allow_fill=True)
        return pd.Series(values, name=col.name)
    cats = np.array([*col.categories, None], dtype=object)
    idx = np.where(missing, len(col.categories), np.clip(np.nan_to_num(codes), 0, len(col.categories) - 1))
    values = cats[idx.astype(np.int64)]
    return _cast(pd.Series(values, name=col.name, dtype=object), col, missing)


def _cast(s: pd.Series, col: ColumnSchema, missing: np.ndarray) -> pd.Series:
    dtype = col.dtype
    if dtype.startswith("datetime64"):
        ts = pd.to_datetime(s, utc=" " in dtype or "," in dtype)
        tz = dtype.split(",", 1)[1].strip(" ]") if "," in dtype else None
        return (ts.dt.tz_convert(tz) if tz else ts).astype(dtype)
    if dtype == "category":
        return s.astype(pd.CategoricalDtype(categories=list(col.categories)))
    if col.kind == "boolean" and dtype == "bool" and missing.any():
        return s.astype("boolean")
    if dtype in ("object",):
        s = s.where(~missing, other=np.nan) if missing.any() else s
        return s.astype(object)
    try:
        kind = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return s
    if pd.api.types.is_integer_dtype(kind) and missing.any():
        return s.astype("float64" if not isinstance(kind, pd.api.extensions.ExtensionDtype) else kind)
    if pd.api.types.is_float_dtype(kind) or pd.api.types.is_integer_dtype(kind):
        return s.astype("float64" if missing.any() else kind)
    return s.astype(kind)
