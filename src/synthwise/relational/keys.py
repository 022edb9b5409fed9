"""Fresh keys: new primary keys shaped like the real ones, and composite keys made unique.

* A single-column primary key that is not a foreign key is never modelled: integers count from 1,
  text keys follow the real keys' template (``N123AB`` counters, fixed-width shapes such as ``JFK``,
  UUIDs; see :mod:`synthwise.schema.keys`), redrawn until every key is distinct.
* A composite primary key keeps its foreign-key parts (they come from the parent rows); its other parts
  are modelled like any column and then made unique within each parent: a value already taken moves
  to the next free one (one resolution step later for numbers and datetimes, a ``-2`` suffix for text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema
from synthwise.schema.keys import id_template
from synthwise.transforms.identifier import generate_identifiers


def fresh_keys(real: pd.Series, n: int, rng: np.random.Generator) -> pd.Series:
    """``n`` distinct keys shaped like ``real``'s values."""
    name = str(real.name)
    if pd.api.types.is_numeric_dtype(real.dtype) and not pd.api.types.is_bool_dtype(real.dtype):
        return pd.Series(np.arange(1, n + 1, dtype=np.int64), name=name)
    template, top = id_template(real.dropna().astype(str)) if real.notna().any() else ("token", None)
    col = ColumnSchema(name, "identifier", dtype="object", id_template=template, max=top)
    keys = generate_identifiers(col, n, rng).astype(object).reset_index(drop=True)
    for _ in range(20):  # a shaped template draws at random: redraw the duplicates
        dup = keys.duplicated().to_numpy()
        if not dup.any():
            return keys.rename(name)
        keys[dup] = generate_identifiers(col, int(dup.sum()), rng).astype(object).to_numpy()
    token = ColumnSchema(name, "identifier", dtype="object", id_template="token")
    return generate_identifiers(token, n, rng).astype(object).reset_index(drop=True).rename(name)


def make_unique(frame: pd.DataFrame, groups: list[str], column: str, step: float | None) -> pd.Series:
    """``frame[column]`` with every value distinct within ``groups``: a repeated value moves to the next
    free one (``+ step`` for numbers and datetimes, ``-2``, ``-3``... appended to text)."""
    values = _snapped(frame[column], step)
    keys = [frame[g] for g in groups] + [values]
    if not pd.DataFrame({i: k for i, k in enumerate(keys)}).duplicated().any():
        return values
    if step is None:  # text: number the repeats
        rank = frame.groupby([*groups, column], dropna=False, sort=False).cumcount()
        text = values.astype(object).astype(str)
        return text.where(rank == 0, text + "-" + (rank + 1).astype(str)).astype(object)
    is_dt = pd.api.types.is_datetime64_any_dtype(values.dtype)
    num = _ns(values) if is_dt else values.to_numpy(dtype=np.float64)
    grp = (
        frame.groupby(groups, dropna=False, sort=False).ngroup().to_numpy()
        if groups
        else np.zeros(len(frame), dtype=np.int64)
    )
    order = np.lexsort((num, grp))
    out = num.copy()
    last_g, last_v = None, -np.inf
    for i in order:  # next free value at or above each value, within its group
        g = grp[i]
        v = out[i] if g != last_g else max(out[i], last_v + step)
        out[i], last_g, last_v = v, g, v
    if is_dt:
        moved = pd.Series(pd.to_datetime(out.astype("int64"), unit="ns"), index=values.index, name=column)
        return moved.astype(values.dtype)
    return pd.Series(out, index=values.index, name=column).astype(values.dtype)


def _snapped(values: pd.Series, step: float | None) -> pd.Series:
    """Numbers and datetimes rounded to multiples of ``step`` (a smoothed hour back on the hour)."""
    if step is None or not step > 0 or values.isna().any():
        return values
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        num = _ns(values)
        snapped = pd.to_datetime((np.round(num / step) * step).astype("int64"), unit="ns")
        return pd.Series(snapped, index=values.index).astype(values.dtype)
    return pd.Series(np.round(values.to_numpy(dtype=np.float64) / step) * step, index=values.index).astype(
        values.dtype
    )


def resolution_step(real: pd.Series) -> float | None:
    """The smallest positive gap between the real values (nanoseconds for datetimes); None for text."""
    if pd.api.types.is_datetime64_any_dtype(real.dtype):
        num = _ns(real.dropna())
    elif pd.api.types.is_numeric_dtype(real.dtype) and not pd.api.types.is_bool_dtype(real.dtype):
        num = real.dropna().to_numpy(dtype=np.float64)
    else:
        return None
    gaps = np.diff(np.unique(num))
    return float(gaps[gaps > 0].min()) if (gaps > 0).any() else 1.0


def _ns(values: pd.Series) -> np.ndarray:
    """Datetimes as float nanoseconds since the epoch, whatever their unit."""
    return values.astype("datetime64[ns]").astype("int64").to_numpy(dtype=np.float64)
