"""Capacity-bound matching of child rows to generated parents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.relational.matching import match, places


def test_capacities_are_never_exceeded_and_nearest_wins() -> None:
    rng = np.random.default_rng(0)
    parent = np.array([[0.0], [10.0], [20.0]])
    child = np.r_[np.zeros(5), np.full(5, 10.0), np.full(5, 20.0)][:, None] + rng.normal(0, 0.1, (15, 1))
    chosen = match(child, parent, np.array([5, 5, 5]), rng)
    assert np.bincount(chosen, minlength=3).tolist() == [5, 5, 5]
    assert (chosen == np.repeat([0, 1, 2], 5)).all()


def test_places_follow_the_weights_and_sum_to_n() -> None:
    got = places(np.array([0, 1, 3]), 400, np.random.default_rng(0))
    assert got.sum() == 400 and got[0] == 0 and got[2] > got[1]


def test_no_columns_means_a_random_draw_within_capacity() -> None:
    chosen = match(np.zeros((6, 0)), np.zeros((3, 0)), np.array([1, 2, 3]), np.random.default_rng(0))
    assert np.bincount(chosen, minlength=3).tolist() == [1, 2, 3]


def test_wide_categories_match_the_same_way_sparse(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Many category levels (an airport's name) make the vectors sparse: same distances, same matches."""
    import synthwise.relational.matching as matching

    rng = np.random.default_rng(0)
    parent = pd.DataFrame({"name": [f"a{i}" for i in range(40)], "lat": rng.normal(size=40)})
    pick = rng.integers(0, 40, 300)
    child = pd.DataFrame({"name": parent["name"].to_numpy()[pick], "lat": parent["lat"].to_numpy()[pick]})
    child.loc[:9, "name"] = "unseen"
    dense_c, dense_p = matching.features(child, parent)
    monkeypatch.setattr(matching, "SPARSE_WIDTH", 10)
    sparse_c, sparse_p = matching.features(child, parent)
    assert hasattr(sparse_c, "toarray")
    np.testing.assert_allclose(sparse_c.toarray(), dense_c)
    np.testing.assert_allclose(sparse_p.toarray(), dense_p)
    capacity = np.bincount(pick, minlength=40)
    a = matching.match(dense_c, dense_p, capacity, np.random.default_rng(1))
    b = matching.match(sparse_c, sparse_p, capacity, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert (b[10:] == pick[10:]).mean() > 0.9
