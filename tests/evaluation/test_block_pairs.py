"""Pairs of tables in blocks equal the in-memory pairs: bit for bit where a categorical column is in the
pair, within float rounding for two numeric columns; the pairs that cannot be ranked exactly are named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthwise.evaluation.block_pairs as bp
from synthwise.evaluation import Settings
from synthwise.evaluation.block_pairs import block_pair_scores, order_ranks, quantiles_from_order
from synthwise.evaluation.context import Context, RealSide
from synthwise.evaluation.pairs import QUANTILES, pair_scores
from synthwise.schema import infer_schema
from synthwise.testing.blocks import Chunks, Streamed, spy


def frames(seed: int, n_real: int, n_syn: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric (missing values, ties), categorical and datetime columns, related to each other."""
    rng = np.random.default_rng(seed)

    def one(n: int, shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, n)
        k = np.clip(np.round(x * 2 + rng.normal(0, 1, n)), -3, 3)  # ties, related to x
        c = np.where(x > 0.5, "a", rng.choice(["b", "c", "zz"], n, p=[0.6, 0.3, 0.1]))
        x[rng.random(n) < 0.1] = np.nan
        t = pd.Timestamp("2020-01-01") + pd.to_timedelta(
            rng.integers(0, 900, n) + (k * 50).astype(int), unit="D"
        )
        return pd.DataFrame({"x": x, "k": k, "c": c, "t": t})

    real = one(n_real, 0.0)
    syn = one(n_syn, 0.2)
    syn.loc[syn.index[:3], "c"] = "never-seen"
    return real, syn


def in_memory(real: pd.DataFrame, syn: pd.DataFrame, schema: Any) -> dict[tuple[str, str], float]:
    side = RealSide(real, schema, settings=Settings(), seed=0)
    return pair_scores(Context(side, side.prepare(syn, "synthetic"))).scores


def check(real: pd.DataFrame, syn: pd.DataFrame, size: int, sample: int = 50) -> bp.BlockPairs:
    schema = infer_schema(real)
    want = in_memory(real, syn, schema)
    (got,) = block_pair_scores(
        Chunks(real, size),
        [Streamed(syn, size)],
        schema,
        [real.sample(sample, random_state=0), syn.head(sample)],
    )
    assert set(got.scores) == set(want)
    for pair, value in want.items():
        if pair in got.sampled:
            continue
        if "c" not in pair:  # two numeric (or datetime) columns: sums of ranks in another order
            assert got.scores[pair] == pytest.approx(value, abs=1e-12), pair
        else:
            assert got.scores[pair] == value, pair  # counts: the same bits
    return got


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
    st.integers(0, 3),
)
def test_deciles_from_order_statistics_are_numpys_bits(values: list[float], repeat: int) -> None:
    x = np.sort(np.array(values * (repeat + 1)))
    low, high = order_ranks(len(x), QUANTILES)
    got = quantiles_from_order(len(x), QUANTILES, x[low], x[high])
    assert np.array_equal(got, np.quantile(x, QUANTILES))


@pytest.mark.parametrize("size", [1_000, 97, 10])
def test_block_pairs_equal_the_in_memory_pairs(size: int) -> None:
    real, syn = frames(3, 900, 700)
    got = check(real, syn, size)
    assert got.sampled == []


def test_columns_of_many_distinct_values_take_the_counting_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above MAX_DISTINCT, deciles come from counting and collecting passes (exact still), and the
    numeric pairs of such a column keep the samples' Spearman, named."""
    monkeypatch.setattr(bp, "MAX_DISTINCT", 8)
    monkeypatch.setattr(bp, "MAX_COLLECT", 40)  # split bins before collecting them
    collected = spy(monkeypatch, bp, "collect_values")
    counted = spy(monkeypatch, bp, "count_bins")
    real, syn = frames(5, 800, 600)
    real["y"] = real["x"] * 2 + np.random.default_rng(0).normal(size=len(real))
    syn["y"] = syn["x"]
    got = check(real, syn, 64)
    assert ("x", "y") in got.sampled and ("x", "k") in got.sampled
    assert all(("c" not in p) for p in got.sampled)
    assert counted.count(0) >= 2 and collected.count(0) >= 1  # bins split and counted again, then collected


def test_a_copy_scores_one_and_an_independent_table_less() -> None:
    real, _ = frames(7, 600, 10)
    (same,) = block_pair_scores(Chunks(real, 100), [Chunks(real, 77)], infer_schema(real), [real, real])
    assert all(v == pytest.approx(1.0) for v in same.scores.values())
    shuffled = real.apply(lambda c: c.sample(frac=1.0, random_state=1).to_numpy())
    shuffled["y"] = shuffled["x"]
    real = real.assign(y=real["x"] * 3)
    (other,) = block_pair_scores(
        Chunks(real, 100), [Chunks(shuffled, 100)], infer_schema(real), [real, shuffled]
    )
    assert other.scores[("x", "y")] == pytest.approx(1.0)  # both perfectly related
    assert min(other.scores.values()) < 0.99
