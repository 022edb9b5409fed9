"""Splitting a long table into entities and steps, and assembling it back."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.generators.sequential.layout import LENGTH, START, assemble, make_layout, split
from synthwise.schema import infer_schema
from synthwise.transforms import TableTransformer


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "acct": ["b", "a", "b", "a", "a"],
            "tier": ["gold", "std", "gold", "std", "std"],
            "day": [5, 3, 1, 1, 2],
            "amount": [1.5, 2.0, 3.5, 4.0, 5.0],
        }
    )


def test_split_sorts_by_entity_then_index_and_finds_static_columns() -> None:
    df = _table()
    before = df.copy()
    schema = infer_schema(df, entity="acct", sequence_index="day")
    layout = make_layout(df, schema)
    assert layout.static == ("tier",) and layout.steps == ("amount",)
    seqs = split(df, schema, layout, TableTransformer(schema).fit_codes(df))
    assert seqs.lengths.tolist() == [2, 3]  # "b" first: first-seen order
    assert seqs.steps[:, 0].tolist() == [3.5, 1.5, 4.0, 5.0, 2.0]
    assert np.isnan(seqs.gaps[[0, 2]]).all() and seqs.gaps[[1, 3, 4]].tolist() == [4.0, 1.0, 1.0]
    assert seqs.entities[LENGTH].tolist() == [2, 3] and seqs.entities[START].tolist() == [1.0, 1.0]
    assert seqs.position.tolist() == [0, 1, 0, 1, 2]
    pd.testing.assert_frame_equal(df, before)


def test_assemble_rebuilds_index_from_gaps_and_repeats_static_values() -> None:
    df = _table()
    schema = infer_schema(df, entity="acct", sequence_index="day")
    layout = make_layout(df, schema)
    tt = TableTransformer(schema).fit(df)
    entities = pd.DataFrame({"tier": ["std", "gold"], LENGTH: [2, 1], START: [2.0, 1.0]})
    steps = np.array([[1.0], [2.0], [3.0]])
    gaps = np.array([np.nan, -4.0, np.nan])  # a negative gap never takes time backwards
    ids = pd.Series(["x1", "x2"])
    out = assemble(schema, layout, tt, list(df.columns), entities, steps, gaps, ids, np.random.default_rng(0))
    assert list(out.columns) == list(df.columns)
    assert out["acct"].tolist() == ["x1", "x1", "x2"]
    assert out["tier"].tolist() == ["std", "std", "gold"]
    assert out["day"].tolist() == [2, 2, 1]
    assert str(out["day"].dtype) == str(df["day"].dtype)


@settings(max_examples=30, deadline=None)
@given(
    keys=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=2, max_size=30),
    data=st.data(),
)
def test_split_orders_each_entity_by_its_index(keys: list[str], data: st.DataObject) -> None:
    n = len(keys)
    days = data.draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
    df = pd.DataFrame({"k": keys, "day": days, "v": np.arange(n, dtype=float)})
    schema = infer_schema(df, entity="k", sequence_index="day")
    layout = make_layout(df, schema)
    seqs = split(df, schema, layout, TableTransformer(schema).fit_codes(df))
    assert int(seqs.lengths.sum()) == n and len(seqs.lengths) == len(set(keys))
    gaps = seqs.gaps[~np.isnan(seqs.gaps)]
    assert (gaps >= 0).all() and len(gaps) == n - len(set(keys))
    # the rows come back as a permutation of the input
    assert sorted(seqs.order.tolist()) == list(range(n))
