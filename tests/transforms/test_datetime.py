"""Datetime and time columns: decode(encode(x)) == x for every format the schema can find, nulls kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.schema import ColumnSchema, infer_schema
from synthwise.schema.datetimes import format_datetimes
from synthwise.transforms.datetime import decode_datetime, decode_time, encode_datetime, encode_time
from synthwise.transforms.table import TableTransformer

DATETIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%-m/%-d/%Y %-I:%M %p",
    "%d-%^b-%Y",
    "%b %-d, %Y",
    "%Y-%m-%dT%H:%M:%S.%3f",
    "%d.%m.%Y %H:%M",
    "%Y%m%d",
)
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%-I:%M %p", "%H:%M:%S.%3f", "%I:%M:%S %~p")

_seconds = st.integers(0, 30 * 365 * 86_400).map(
    lambda s: pd.Timestamp("1995-01-01") + pd.Timedelta(seconds=s)
)


def _column(stamps: list[pd.Timestamp | None], fmt: str) -> pd.Series:
    ts = pd.Series(pd.to_datetime(pd.Series(stamps, dtype=object)), dtype="datetime64[ns]")
    return format_datetimes(ts, fmt)


@settings(max_examples=25, deadline=None)
@given(
    stamps=st.lists(st.one_of(st.none(), _seconds), min_size=1, max_size=25),
    fmt=st.sampled_from(DATETIME_FORMATS),
)
def test_datetime_round_trip(stamps: list[pd.Timestamp | None], fmt: str) -> None:
    s = _column(stamps, fmt)
    col = ColumnSchema("d", "datetime", datetime_format=fmt, resolution="ms" if "%3f" in fmt else "s")
    back = decode_datetime(encode_datetime(s, col), col)
    assert back.fillna("<NA>").tolist() == s.fillna("<NA>").tolist()


@settings(max_examples=25, deadline=None)
@given(
    stamps=st.lists(st.one_of(st.none(), _seconds), min_size=1, max_size=25),
    fmt=st.sampled_from(TIME_FORMATS),
)
def test_time_round_trip(stamps: list[pd.Timestamp | None], fmt: str) -> None:
    s = _column(stamps, fmt)
    col = ColumnSchema("t", "time", datetime_format=fmt)
    back = decode_time(encode_time(s, col), col)
    assert back.fillna("<NA>").tolist() == s.fillna("<NA>").tolist()


def test_time_codes_are_seconds_since_midnight() -> None:
    col = ColumnSchema("t", "time", datetime_format="%-I:%M %p")
    codes = encode_time(pd.Series(["1:45 PM", None, "12:00 AM"]), col)
    assert codes[0] == 13 * 3600 + 45 * 60 and np.isnan(codes[1]) and codes[2] == 0


def test_table_round_trip_keeps_formats_dtypes_and_missing() -> None:
    rng = np.random.default_rng(0)
    ts = pd.Series(pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86_400, 200), unit="s"))
    df = pd.DataFrame(
        {
            "stamp": format_datetimes(ts, "%Y/%m/%d %H:%M:%S"),
            "clock": format_datetimes(ts, "%-I:%M %p"),
            "ymd": format_datetimes(ts, "%Y%m%d").astype("int64"),
        }
    )
    df.loc[[2, 9], "stamp"] = np.nan
    df.loc[[5], "clock"] = np.nan
    schema = infer_schema(df)
    tt = TableTransformer(schema)
    back = tt.from_codes(tt.fit_codes(df), rng=np.random.default_rng(0))
    for name in df.columns:
        assert back[name].isna().tolist() == df[name].isna().tolist()
        assert back[name].dropna().astype(str).tolist() == df[name].dropna().astype(str).tolist()
    assert back["ymd"].dtype == np.int64
