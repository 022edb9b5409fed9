from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

from synthwise.schema import infer_schema
from synthwise.testing import mixed_table, table_strategy
from synthwise.transforms import TableTransformer


def _encoded(df: pd.DataFrame, transformer: TableTransformer) -> list[str]:
    """The data's columns that have codes (a column's extra codes, such as the stray values of a
    numeric column under ``name::special``, are not columns of the data)."""
    coded = {c.name for c in transformer.encoded}
    return [c for c in df.columns if c in coded]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_strategy())
def test_codes_round_trip_exactly(df: pd.DataFrame) -> None:
    schema = infer_schema(df)
    t = TableTransformer(schema).fit(df)
    back = t.from_codes(t.to_codes(df), rng=np.random.default_rng(0))
    cols = _encoded(df, t)
    pd.testing.assert_frame_equal(back[cols], df[cols])


def test_mixed_table_round_trip_and_fresh_identifiers() -> None:
    df = mixed_table()
    schema = infer_schema(df)
    t = TableTransformer(schema).fit(df)
    back = t.from_codes(t.to_codes(df), rng=np.random.default_rng(0))
    assert schema["id"].kind == "identifier"
    assert back["id"].is_unique and not set(back["id"]) & set(df["id"])
    cols = [c for c in df.columns if c != "id"]
    pd.testing.assert_frame_equal(back[cols], df[cols])


def test_decode_clips_to_real_range_and_rounds_decimals() -> None:
    df = pd.DataFrame({"x": [1.25, 2.5, 3.75, 4.0]})
    t = TableTransformer(infer_schema(df)).fit(df)
    out = t.from_codes(pd.DataFrame({"x": [0.0, 2.2222, 9.0]}), rng=np.random.default_rng(0))
    assert out["x"].tolist() == [1.25, 2.22, 4.0]


@given(table_strategy())
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_canonical_codes_leave_real_codes_alone(df: pd.DataFrame) -> None:
    """Real rows are already as they would be written: canonical_codes changes nothing."""
    t = TableTransformer(infer_schema(df)).fit(df)
    codes = t.to_codes(df)
    pd.testing.assert_frame_equal(t.canonical_codes(codes), codes)


def test_canonical_codes_round_and_clip_as_the_decoder_writes() -> None:
    """A perturbed integer rounds back to the real value and a number past the range is clipped, as the
    written table would have them (what the privacy guard judges)."""
    df = pd.DataFrame({"n": [1, 2, 3, 4, 5] * 20, "x": np.linspace(0.0, 1.0, 100).round(2)})
    t = TableTransformer(infer_schema(df)).fit(df)
    codes = t.to_codes(df)
    moved = codes.copy()
    moved["n"] = moved["n"] + 0.3
    moved.loc[0, "x"] = 7.0
    canon = t.canonical_codes(moved)
    np.testing.assert_array_equal(canon["n"], codes["n"])
    assert canon.loc[0, "x"] == codes["x"].max()
