"""Booleans written as words (``Yes`` / ``No``, ``T`` / ``F``, ``1`` / ``0`` as text): 0 / 1 codes and
back to the column's own two spellings (``ColumnSchema.bool_labels``, false first)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError
from synthwise.schema import ColumnSchema


def encode_bool_labels(s: pd.Series, col: ColumnSchema, *, unseen: str = "error") -> np.ndarray:
    """0.0 for the false spelling, 1.0 for the true one, NaN where missing (or unseen, with ``"nan"``)."""
    false, true = col.bool_labels
    values = s.to_numpy(dtype=object)
    present = s.notna().to_numpy()
    out = np.full(len(s), np.nan)
    as_text = np.array([str(v) for v in values], dtype=object)
    out[present & (as_text == false)] = 0.0
    out[present & (as_text == true)] = 1.0
    bad = present & np.isnan(out)
    if unseen == "error" and bad.any():
        raise ColumnError.single(
            col.name,
            f"holds {as_text[bad][0]!r}, which is neither of its two spellings {false!r} / {true!r}",
            "refit on data that holds it, or fix the value",
        )
    return out


def decode_bool_labels(codes: np.ndarray, col: ColumnSchema) -> pd.Series:
    """Codes (>= 0.5 is true) back to the two spellings, missing where NaN, in the column's dtype."""
    codes = np.asarray(codes, dtype="float64")
    missing = np.isnan(codes)
    labels = np.where(np.nan_to_num(codes) >= 0.5, col.bool_labels[1], col.bool_labels[0]).astype(object)
    labels[missing] = np.nan
    out = pd.Series(labels, name=col.name, dtype=object)
    return out.astype(col.dtype) if col.dtype in ("str", "string") else out
