"""Personal-data columns are never learned and never copied: fresh fakes of the same kind.

A column that :func:`synthwise.pii.detect_column` finds to hold names, e-mail addresses,
phone numbers, street addresses, social security or national ids, IBANs, card numbers, IP addresses,
URLs or UUIDs gets the schema kind ``pii`` (with ``pii_kind``). Generators see no codes for it; on
output it is filled with fakes of its kind, seeded, and missing at the real column's rate. Nothing of
the real values is stored in the schema or the model file.

With the ``pii`` extra (Faker) the fakes are realistic (``en_US`` by default); without it they come
from reserved, obviously synthetic ranges (see :func:`synthwise.pii.fakes.fresh_value`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import MissingDependencyError
from synthwise.pii.fakes import fresh_value, seeded_faker
from synthwise.schema import ColumnSchema


def generate_pii(col: ColumnSchema, n: int, rng: np.random.Generator, *, locale: str = "en_US") -> pd.Series:
    """``n`` fresh values of the column's PII kind, missing at its rate, in its dtype where possible."""
    kind = col.pii_kind or "name"
    fk = _faker_or_none(locale, int(rng.integers(0, 2**31)))
    values = [fresh_value(kind, col.name, fk, rng) for _ in range(n)]
    s = pd.Series(values, name=col.name, dtype=object)
    if col.missing_rate > 0:
        s[rng.random(n) < col.missing_rate] = np.nan
    if col.dtype != "object":
        try:
            return s.astype(col.dtype)
        except (TypeError, ValueError):
            return s
    return s


def _faker_or_none(locale: str, seed: int) -> Any:
    """A seeded Faker, or None without the ``pii`` extra (the fakes then come from reserved ranges)."""
    try:
        return seeded_faker(locale, seed, "Realistic fakes for personal-data columns")
    except MissingDependencyError:
        return None
