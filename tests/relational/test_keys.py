"""Fresh primary keys and composite keys made unique."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.relational.keys import fresh_keys, make_unique, resolution_step


def test_fresh_text_keys_are_distinct_and_shaped() -> None:
    real = pd.Series(["JFK", "LGA", "EWR", "ATL", "BOS"], name="faa")
    keys = fresh_keys(real, 200, np.random.default_rng(0))
    assert keys.is_unique and len(keys) == 200
    assert keys.str.len().eq(3).all()


def test_fresh_integer_keys_count_from_one() -> None:
    keys = fresh_keys(pd.Series([7, 9, 12], name="id"), 4, np.random.default_rng(0))
    assert keys.tolist() == [1, 2, 3, 4]


def test_make_unique_moves_repeats_to_the_next_free_hour() -> None:
    hours = pd.to_datetime(["2013-01-01 10:00", "2013-01-01 10:20", "2013-01-01 10:00", "2013-01-01 11:00"])
    frame = pd.DataFrame({"origin": ["A", "A", "B", "A"], "t": hours})
    step = resolution_step(pd.Series(pd.to_datetime(["2013-01-01 01:00", "2013-01-01 02:00"])))
    out = make_unique(frame, ["origin"], "t", step)
    assert not pd.DataFrame({"o": frame["origin"], "t": out}).duplicated().any()
    assert (out.dt.minute == 0).all()  # snapped back onto the hour


def test_make_unique_numbers_text_repeats() -> None:
    frame = pd.DataFrame({"k": ["x", "x", "y"]})
    assert make_unique(frame, [], "k", None).tolist() == ["x", "x-2", "y"]
