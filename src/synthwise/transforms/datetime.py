"""Datetime and time columns to one float code, and back.

Datetimes: float seconds since the epoch (UTC); decoding restores resolution, zone and the text format
(:mod:`synthwise.schema.datetimes`). Times of day and durations (kind ``"time"``): seconds since
midnight, or signed elapsed seconds; decoding writes them in the column's format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema
from synthwise.schema.datetimes import (
    epoch_seconds,
    format_datetimes,
    format_times,
    integer_text,
    parse_datetimes,
    parse_times,
)

_UNIT_SECONDS = {"D": 86_400.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def to_timestamps(s: pd.Series, col: ColumnSchema) -> pd.Series:
    """Parse ``s`` as datetimes the way the column was read (text format, integer dates or datetime dtype)."""
    if col.datetime_format is not None:
        text = s
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            text = integer_text(s).reindex(s.index)  # 20170105 stored as a number
        return parse_datetimes(text.reset_index(drop=True), col.datetime_format)
    return pd.to_datetime(s, errors="coerce").reset_index(drop=True)


def encode_datetime(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    return epoch_seconds(to_timestamps(s, col))


def decode_datetime(seconds: np.ndarray, col: ColumnSchema, *, clip: bool = True) -> pd.Series:
    v = np.asarray(seconds, dtype="float64").copy()
    missing = np.isnan(v)
    if clip and col.min is not None and col.max is not None:
        v = np.clip(v, col.min, col.max)
    unit = _UNIT_SECONDS.get(col.resolution or "ns", 1e-9)
    if unit >= 1:
        v = np.round(v / unit) * unit
        ns = v.astype(np.float64) * 1e9
        ints = np.where(missing, 0, np.round(ns)).astype(np.int64)
    else:
        whole = np.floor(np.nan_to_num(v))
        frac = np.round((np.nan_to_num(v) - whole) / unit) * unit
        ints = whole.astype(np.int64) * 10**9 + np.round(frac * 1e9).astype(np.int64)
    ts = pd.Series(pd.to_datetime(ints, unit="ns"), name=col.name)
    ts[missing] = pd.NaT
    if col.timezone is not None:
        ts = ts.dt.tz_localize("UTC").dt.tz_convert(col.timezone)
    if col.datetime_format is not None:
        out = format_datetimes(ts, col.datetime_format)
        out[missing] = np.nan
        return _as_text_dtype(out, col.dtype).rename(col.name)
    try:
        return ts.astype(col.dtype)
    except (TypeError, ValueError):
        return ts


def encode_time(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    """Seconds since midnight (or elapsed seconds); NaN for missing."""
    return parse_times(s.reset_index(drop=True), col.datetime_format or "%H:%M:%S")


def decode_time(seconds: np.ndarray, col: ColumnSchema, *, clip: bool = True) -> pd.Series:
    """Seconds back to the column's text, rounded to the precision its format writes."""
    v = np.asarray(seconds, dtype="float64").copy()
    if clip and col.min is not None and col.max is not None:
        v = np.clip(v, col.min, col.max)
    out = format_times(v, col.datetime_format or "%H:%M:%S")
    return _as_text_dtype(out, col.dtype).rename(col.name)


def _as_text_dtype(s: pd.Series, dtype: str) -> pd.Series:
    if dtype in ("object",):
        return s.astype(object).where(s.notna(), np.nan)
    try:
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s
