"""Boosted sampling: the share rises as asked, the other columns stay conditional on the value."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import synthwise as sw
from synthwise.imbalance import parse_boost, sample_boosted
from synthwise.imbalance.boost import boost_counts, round_counts


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return sw.datasets.load_frame("default")


@pytest.fixture(scope="module")
def bootstrap(real: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("bootstrap", seed=0).fit(real)


def test_boost_raises_share_exactly_and_keeps_conditional(
    real: pd.DataFrame, bootstrap: sw.Generator
) -> None:
    out = sample_boosted(bootstrap, 3000, {"default": {"Yes": 5}}, reference=real, seed=0)
    real_share = (real["default"] == "Yes").mean()  # 3.33%
    assert len(out) == 3000
    assert (out["default"] == "Yes").sum() == round(3000 * real_share * 5)
    students = (out.loc[out["default"] == "Yes", "student"] == "Yes").mean()
    real_students = (real.loc[real["default"] == "Yes", "student"] == "Yes").mean()
    assert abs(students - real_students) < 0.05  # the boosted rows follow P(student | default = Yes)
    assert out["balance"][out["default"] == "Yes"].median() > real["balance"].median() + 500


def test_boost_below_one_lowers_the_share(real: pd.DataFrame, bootstrap: sw.Generator) -> None:
    out = sample_boosted(bootstrap, 2000, {"student": {"Yes": 0.5}}, reference=real, seed=1)
    assert abs((out["student"] == "Yes").mean() - 0.5 * (real["student"] == "Yes").mean()) < 1e-3


def test_boost_same_seed_same_rows(bootstrap: sw.Generator, real: pd.DataFrame) -> None:
    a = sample_boosted(bootstrap, 200, {"default": {"Yes": 3}}, reference=real, seed=2)
    pd.testing.assert_frame_equal(
        a, sample_boosted(bootstrap, 200, {"default": {"Yes": 3}}, reference=real, seed=2)
    )


def test_boost_without_reference_uses_the_generator_share(bootstrap: sw.Generator) -> None:
    out = sample_boosted(bootstrap, 1000, {"default": {"Yes": 4}}, seed=3)
    assert 0.09 < (out["default"] == "Yes").mean() < 0.18


def test_boost_too_large_names_the_largest_factor(real: pd.DataFrame, bootstrap: sw.Generator) -> None:
    with pytest.raises(sw.InvalidParameterError, match=r"largest factor is 30\.0"):
        sample_boosted(bootstrap, 100, {"default": {"Yes": 40}}, reference=real)


def test_boost_unknown_value_and_numeric_column_are_refused(bootstrap: sw.Generator) -> None:
    with pytest.raises(sw.InvalidParameterError, match="not one of its categories"):
        sample_boosted(bootstrap, 10, {"default": {"Maybe": 2}})
    with pytest.raises(sw.InvalidParameterError, match="kind 'numeric'"):
        sample_boosted(bootstrap, 10, {"balance": {"1": 2}})


def test_parse_boost() -> None:
    assert parse_boost(["a=Yes:3", "a=No:0.5", "t=12:30:2"]) == {
        "a": {"Yes": 3.0, "No": 0.5},
        "t": {"12:30": 2.0},
    }
    with pytest.raises(sw.InvalidParameterError, match="COL=VALUE:FACTOR"):
        parse_boost(["a=Yes"])


@given(st.integers(0, 10_000), st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6))
def test_round_counts_sum_to_n_and_stay_within_one_row(n: int, weights: list[float]) -> None:
    counts = round_counts(n, weights)
    total = sum(weights)
    if total == 0:
        assert counts == [0] * len(weights)
        return
    assert sum(counts) == n
    assert all(abs(c - n * w / total) < 1 + 1e-9 for c, w in zip(counts, weights, strict=True))


@given(st.floats(0.001, 0.5), st.floats(0.0, 1.0))
def test_boost_counts_hit_the_target_share(share: float, fraction_of_max: float) -> None:
    factor = fraction_of_max / share
    counts = boost_counts(1000, {"v": share}, {"v": factor}, "c")
    assert abs(counts["v"] - 1000 * share * factor) <= 1
