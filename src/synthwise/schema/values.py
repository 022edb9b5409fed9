"""How a column's values are written: decimal places and datetime text formats.

Inference finds them (:func:`datetime_format`, decimals via :func:`round_decimals`); transforms use the
same functions to write generated values back exactly as the source wrote them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATETIME_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%Y-%m",
)


def round_decimals(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """Round to ``decimals`` places so that the result equals parsing the decimal string exactly.

    ``round(v * 10**d) / 10**d`` divides two exact doubles, which IEEE rounds correctly: the result is
    the double nearest to the decimal number, the same double that parsing its text gives.
    """
    if decimals is None:
        return values
    scale = 10.0**decimals
    with np.errstate(invalid="ignore"):
        return np.round(values * scale) / scale


def format_datetimes(ts: pd.Series, fmt: str) -> pd.Series:
    """``strftime`` that keeps NaT as missing."""
    return ts.dt.strftime(fmt)


def datetime_format(values: pd.Series) -> str | None:
    """The one format of :data:`DATETIME_FORMATS` that parses every value and writes it back unchanged,
    or None."""
    sample = values.iloc[:: max(1, len(values) // 500)].astype(str)
    if not sample.str.contains(r"\d", regex=True).all() or sample.str.len().max() > 40:
        return None
    if sample.str.fullmatch(r"[+-]?\d+(\.\d*)?").all() and not sample.str.fullmatch(r"\d{8}").all():
        return None
    for fmt in DATETIME_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce", utc="%z" in fmt)
        if parsed.isna().any():
            continue
        full = pd.to_datetime(values.astype(str), format=fmt, errors="coerce", utc="%z" in fmt)
        if full.isna().any():
            continue
        written = format_datetimes(full.reset_index(drop=True), fmt)
        if written.equals(values.astype(str).reset_index(drop=True)):
            return fmt
    return None
