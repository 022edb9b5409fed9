"""Constraints hold on every row (by resampling), and impossible ones fail with a clear, bounded error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.errors import SamplingError
from synthwise.simulation import simulate_frames

SPEC = {
    "tables": {
        "stays": {
            "rows": 5000,
            "columns": {
                "start_date": "datetime(start='2024-01-01', end='2024-12-31')",
                "nights": {"dist": "normal(mu=2, sigma=3)", "round": 0},
                "end_date": "start_date + days(nights)",
                "code": "integers(low=1, high=6000)",
                "price": "lognormal(mu=4, sigma=1)",
                "room": {"categorical": {"single": 1, "double": 1, "suite": 1}},
            },
            "constraints": [
                "end_date >= start_date",
                {"unique": "code"},
                {"range": "price", "min": 20, "max": 200},
                {"check": "room != 'suite' or price >= 100", "name": "suites are dear"},
            ],
        }
    }
}


@pytest.fixture(scope="module")
def stays() -> pd.DataFrame:
    return simulate_frames(SPEC, seed=0)["stays"]


def test_row_rules_hold_on_every_row(stays: pd.DataFrame) -> None:
    assert (pd.to_datetime(stays["end_date"]) >= pd.to_datetime(stays["start_date"])).all()
    assert stays["price"].between(20, 200).all()
    suites = stays[stays["room"] == "suite"]
    assert len(suites) > 0 and (suites["price"] >= 100).all()


def test_rejection_really_truncates(stays: pd.DataFrame) -> None:
    # a normal(2, 3) kept only where >= 0 has its mass moved up: mean of the truncated normal ~ 3.6
    assert (stays["nights"] >= 0).all()
    assert stays["nights"].mean() > 3


def test_unique_holds_and_was_needed(stays: pd.DataFrame) -> None:
    assert stays["code"].is_unique  # 5,000 draws from 6,000 values would collide ~1,700 times
    assert stays["code"].between(1, 6000).all()


def test_unique_holds_across_chunks() -> None:
    spec = {
        "tables": {
            "t": {
                "rows": 3000,
                "columns": {"v": "integers(low=1, high=4000)"},
                "constraints": [{"unique": "v"}],
            }
        }
    }
    small = simulate_frames(spec, seed=1, chunk_rows=250)["t"]
    big = simulate_frames(spec, seed=1, chunk_rows=10_000)["t"]
    assert small["v"].is_unique
    pd.testing.assert_frame_equal(small, big)


def test_composite_unique() -> None:
    spec = {
        "tables": {
            "t": {
                "rows": 60,
                "columns": {"a": "integers(low=1, high=8)", "b": "integers(low=1, high=8)"},
                "constraints": [{"unique": ["a", "b"]}],
            }
        }
    }
    t = simulate_frames(spec, seed=0)["t"]
    assert not t.duplicated(["a", "b"]).any()


def test_impossible_constraint_fails_after_bounded_tries() -> None:
    spec = {
        "tables": {
            "t": {
                "rows": 50,
                "max_tries": 20,
                "columns": {"x": "uniform(low=0, high=1)"},
                "constraints": ["x > 2"],
            }
        }
    }
    with pytest.raises(SamplingError, match=r"after 20 attempts per row.*'x > 2'.*on 50 rows.*Fix"):
        simulate_frames(spec, seed=0)


def test_too_few_values_for_unique_fails_clearly() -> None:
    spec = {
        "tables": {
            "t": {
                "rows": 20,
                "max_tries": 30,
                "columns": {"x": "integers(low=1, high=5)"},
                "constraints": [{"unique": "x"}],
            }
        }
    }
    with pytest.raises(SamplingError, match=r"unique\(x\)"):
        simulate_frames(spec, seed=0)


def test_constraints_on_event_tables_hold() -> None:
    spec = {
        "tables": {
            "p": {
                "rows": 200,
                "key": "id",
                "columns": {"id": "sequence(start=1)", "limit": "uniform(low=5, high=50)"},
            },
            "e": {
                "events": {
                    "parent": "p",
                    "rate": 5,
                    "per": "day",
                    "start": "2024-01-01",
                    "end": "2024-01-08",
                },
                "columns": {"spend": "exponential(scale=20)"},
                "constraints": ["spend <= limit"],
            },
        }
    }
    frames = simulate_frames(spec, seed=0)
    merged = frames["e"].merge(frames["p"], on="id")
    assert len(merged) == len(frames["e"]) > 1000
    assert (merged["spend"] <= merged["limit"]).all()
    assert np.isfinite(merged["spend"]).all()
