"""How a column's values are written: decimal places and datetime text formats.

Inference finds them (:func:`datetime_format`, decimals via :func:`round_decimals`); transforms use the
same functions to write generated values back exactly as the source wrote them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.schema.datetimes import detect, format_datetimes

__all__ = ["datetime_format", "format_datetimes", "round_decimals"]


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


def datetime_format(values: pd.Series) -> str | None:
    """The format that reads every value as a datetime and writes the most of them back unchanged, or
    None (found by :func:`synthwise.schema.datetimes.detect`, not from a fixed list)."""
    found = detect(values)
    return found.fmt if found is not None and found.kind == "datetime" else None
