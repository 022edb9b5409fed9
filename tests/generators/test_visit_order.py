"""The visit order: related columns next to each other, by mutual information."""

from __future__ import annotations

import numpy as np
import pandas as pd

import synthwise as sw
from synthwise.generators.visit_order import coarse_states, mutual_information, related_first


def _table(n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, n).astype(float)
    noise = rng.normal(size=(n, 3))
    return pd.DataFrame(
        {
            "x1": noise[:, 0],
            "a": a,
            "x2": noise[:, 1],
            "a_twice": a * 2 + (rng.random(n) < 0.05),  # nearly a function of a
            "x3": noise[:, 2],
            "a_big": np.where(a > 1, 1.0, 0.0),
        }
    )


def test_mutual_information_is_zero_for_independent_and_high_for_dependent_columns() -> None:
    df = _table()
    states = np.column_stack([coarse_states(df[c].to_numpy()) for c in df.columns])
    mi = mutual_information(states)
    assert np.allclose(mi, mi.T) and (np.diag(mi) == 0).all()
    cols = list(df.columns)
    assert mi[cols.index("a"), cols.index("a_twice")] > 1.0
    assert mi[cols.index("x1"), cols.index("x2")] < 0.05


def test_related_columns_come_together_and_the_order_is_complete() -> None:
    df = _table()
    order = related_first(df, list(df.columns), [])
    assert sorted(order) == sorted(df.columns)
    assert set(order[:3]) == {"a", "a_twice", "a_big"}
    assert related_first(df, ["x1", "a_big"], ["a"]) == ["a_big", "x1"]  # continues after the visited


def test_coarse_states_keep_missing_apart_and_cut_wide_columns() -> None:
    values = np.r_[np.linspace(0, 1, 100), [np.nan] * 5]
    s = coarse_states(values)
    assert len(np.unique(s[:100])) == 10 and len(np.unique(s[100:])) == 1 and s[100] not in s[:100]


def test_cart_related_order_is_used_and_deterministic() -> None:
    df = _table(600)
    # dependencies=False: a_big is a function of a, which cart would otherwise fill by lookup
    gen = sw.get_generator("cart", seed=0, visit_order="related", dependencies=False).fit(df)
    columns = list(dict.fromkeys(v.column for v in gen.vars_))  # type: ignore[attr-defined]
    assert set(columns[:3]) == {"a", "a_twice", "a_big"}
    pd.testing.assert_frame_equal(gen.sample(200, seed=1), gen.sample(200, seed=1))
