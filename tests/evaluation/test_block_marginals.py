"""Marginals of tables in blocks equal the in-memory marginals, bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthwise.evaluation.block_marginals as bm
from synthwise import evaluate
from synthwise.evaluation.block_marginals import block_column_scores
from synthwise.schema import infer_schema
from synthwise.testing.blocks import Chunks, Streamed, spy


def in_memory(real: pd.DataFrame, syn: pd.DataFrame, schema: Any) -> dict[str, float]:
    ev = evaluate(real, syn, schema=schema, metrics=["marginals"], baselines=False, n_bootstrap=0)
    got = ev.get("fidelity.marginals")
    assert got is not None
    return dict(got.details["columns"])


def frames(seed: int, n_real: int, n_syn: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def one(n: int, shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, n)
        x[rng.random(n) < 0.1] = np.nan
        return pd.DataFrame(
            {
                "x": x,
                "k": rng.integers(0, 6, n).astype(float),  # ties: a few distinct values
                "c": rng.choice(["a", "b", "c", "zz"], n, p=[0.5, 0.3, 0.15, 0.05]),
                "t": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            }
        )

    real = one(n_real, 0.0)
    syn = one(n_syn, 0.2)
    syn.loc[syn.index[:3], "c"] = "never-seen"
    return real, syn


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_blocks_equal_memory(size: int) -> None:
    real, syn = frames(0, 400, 333)
    schema = infer_schema(real)
    want = in_memory(real, syn, schema)
    got = block_column_scores(Chunks(real, size), [Chunks(syn, size)], schema, [real.head(50), syn.head(40)])[
        0
    ]
    assert got == want  # exact, not approximately


def test_batched_collection_when_no_split_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """No room to split: the open bins are collected a few at a time, largest bound first; each batch
    raises the lower bound and closes the bins it beats. Streamed blocks merge in any order."""
    monkeypatch.setattr(bm, "MAX_EDGES", 16)
    monkeypatch.setattr(bm, "MAX_COLUMN_EDGES", 16)
    monkeypatch.setattr(bm, "MAX_COLLECT", 60)
    real, syn = frames(2, 3000, 2500)
    schema = infer_schema(real)
    offsets = spy(monkeypatch, bm, "collect_values")
    got = block_column_scores(
        Streamed(real, 400), [Streamed(syn, 400)], schema, [real.head(30), syn.head(30)]
    )[0]
    assert got == in_memory(real, syn, schema)
    assert offsets.count(0) > 2  # more than one collecting pass over each table


def test_split_rounds_and_collect_still_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Coarse first edges and a tiny collection limit force the bins to be split (several passes)."""
    monkeypatch.setattr(bm, "MAX_EDGES", 4)
    monkeypatch.setattr(bm, "MAX_COLLECT", 5)
    monkeypatch.setattr(bm, "SPLITS", 3)
    real, syn = frames(1, 2000, 1500)
    schema = infer_schema(real)
    offsets = spy(monkeypatch, bm, "count_bins")
    got = block_column_scores(Chunks(real, 300), [Chunks(syn, 300)], schema, [real.head(20), syn.head(20)])[0]
    assert got == in_memory(real, syn, schema)
    assert offsets.count(0) > 2  # more than one counting pass over both tables


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=2, max_size=60),
    st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=2, max_size=60),
    st.integers(1, 9),
    st.integers(0, 20),
)
def test_property_any_split_any_sample(a: list[int | None], b: list[int | None], size: int, m: int) -> None:
    real = pd.DataFrame({"v": [np.nan if v is None else v / 3 for v in a], "w": [float(len(a))] * len(a)})
    syn = pd.DataFrame({"v": [np.nan if v is None else v / 3 for v in b], "w": [0.5] * len(b)})
    schema = infer_schema(real.assign(v=real["v"].fillna(0.25)))  # numeric even when all missing
    got = block_column_scores(Chunks(real, size), [Chunks(syn, size)], schema, [real.head(m), syn.tail(m)])[0]
    assert got == in_memory(real, syn, schema)


def test_several_tables_read_the_real_one_once_per_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tables against one real table (split rounds and collection forced): each score equals its own
    comparison's, and each counting or collecting pass reads the real table once for both."""
    monkeypatch.setattr(bm, "MAX_EDGES", 4)
    monkeypatch.setattr(bm, "MAX_COLLECT", 5)
    monkeypatch.setattr(bm, "SPLITS", 3)
    real, syn = frames(1, 2000, 1500)
    _, other = frames(5, 10, 900)
    schema = infer_schema(real)
    alone = [
        block_column_scores(Chunks(real, 300), [Chunks(t, 300)], schema, [real.head(20), t.head(20)])[0]
        for t in (syn, other)
    ]
    counted, collected = spy(monkeypatch, bm, "count_bins"), spy(monkeypatch, bm, "collect_values")
    got = block_column_scores(
        Chunks(real, 300),
        [Chunks(syn, 300), Chunks(other, 300)],
        schema,
        [real.head(20), syn.head(20), other.head(20)],
    )
    assert got == alone == [in_memory(real, t, schema) for t in (syn, other)]
    for offsets in (counted, collected):
        # blocks at 1800 are the real table's only (2,000 rows), at 1200 also the first other's (1,500),
        # at 600 also the second's (900)
        real_passes = offsets.count(1800)
        first, second = offsets.count(1200) - real_passes, offsets.count(600) - offsets.count(1200)
        assert real_passes == max(first, second) and real_passes < first + second
