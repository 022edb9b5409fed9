"""Codes written with digits: postal codes, leading-zero codes, ZIP+4, mixed-length codes.

A string column is a **code** column, never parsed as numbers, when every non-missing value is digits,
optionally in groups joined by ``-`` or a space (``02134``, ``007``, ``98115-4820``, ``1012 AB`` is not:
letters make it text anyway), and at least one value shows it is not a number: a leading zero
(``0`` followed by a digit) or a separator between digit groups. Such a column keeps its strings and is
learned as a categorical, with a long tail when it has many rare values (:mod:`synthwise.schema.tails`),
or as an identifier when every value is unique (:mod:`synthwise.schema.keys`).
"""

from __future__ import annotations

import pandas as pd

_DIGIT_GROUPS = r"^\d+(?:[- ]\d+)*$"
_LEADING_ZERO = r"^0\d"
_SEPARATED = r"\d[- ]\d"


def is_code(values: pd.Series) -> bool:
    """Whether the non-missing ``values`` are digit codes (see the module docstring)."""
    texts = values.dropna()
    if len(texts) == 0 or not all(isinstance(v, str) for v in texts.iloc[:1000]):
        return False
    texts = texts.astype(str)
    if not bool(texts.str.match(_DIGIT_GROUPS).all()):
        return False
    return bool(texts.str.contains(_LEADING_ZERO).any() or texts.str.contains(_SEPARATED).any())
