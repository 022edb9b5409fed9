"""Hypothesis strategies for tables (mixed kinds, missing values, timezones, dates stored as text)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def table_strategy(min_rows: int = 2, max_rows: int = 40) -> Any:
    """A Hypothesis strategy of mixed DataFrames (numeric, categorical, boolean, datetime, NaN, tz)."""
    from hypothesis import strategies as st

    @st.composite
    def tables(draw: Any) -> pd.DataFrame:
        n = draw(st.integers(min_rows, max_rows))
        cols: dict[str, Any] = {}
        n_cols = draw(st.integers(1, 5))
        for i in range(n_cols):
            kind = draw(st.sampled_from(["float", "int", "cat", "bool", "dt", "dt_tz", "dt_str"]))
            nullable = draw(st.booleans())

            def maybe_null(values: list[Any], nullable: bool = nullable) -> list[Any]:
                if not nullable:
                    return values
                mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
                if all(mask):
                    mask[0] = False
                return [None if m else v for v, m in zip(values, mask, strict=True)]

            if kind == "float":
                vals = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=64), min_size=n, max_size=n))
                cols[f"f{i}"] = pd.Series(maybe_null(vals), dtype="float64")
            elif kind == "int":
                vals = draw(st.lists(st.integers(-(10**9), 10**9), min_size=n, max_size=n))
                cols[f"i{i}"] = pd.Series(vals, dtype="int64")
            elif kind == "cat":
                alphabet = st.text(min_size=1, max_size=6).filter(lambda s: s.strip() == s and s != "")
                levels = draw(st.lists(alphabet, min_size=1, max_size=5, unique=True))
                vals = draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n))
                cols[f"c{i}"] = pd.Series(maybe_null(vals), dtype=object)
            elif kind == "bool":
                cols[f"b{i}"] = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
            else:
                secs = draw(st.lists(st.integers(0, 2_000_000_000), min_size=n, max_size=n))
                ts = pd.to_datetime(pd.Series(secs, dtype="int64"), unit="s")
                if kind == "dt_tz":
                    ts = ts.dt.tz_localize("UTC").dt.tz_convert("America/New_York")
                if kind == "dt_str":
                    ts = ts.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
                    cols[f"s{i}"] = pd.Series(maybe_null(list(ts)), dtype=object)
                else:
                    s = pd.Series(ts)
                    if nullable:
                        s = s.where(pd.Series(maybe_null([1] * n)).notna())
                    cols[f"d{i}"] = s
        return pd.DataFrame(cols)

    return tables()
