"""Marginals: KS with missing values, TVD with unseen categories."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from synthwise.evaluation import Evaluation
from synthwise.evaluation.marginals import category_shares, ks_statistic, tvd

Quick = Callable[..., Evaluation]


def test_ks_statistic_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 300), rng.normal(0.3, 1, 200)
    assert ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic)


def test_missing_rate_moves_the_ks_statistic() -> None:
    a = np.arange(100, dtype=float)
    b = a.copy()
    b[:20] = np.nan
    assert ks_statistic(a, a) == 0.0
    assert ks_statistic(a, b) == pytest.approx(0.2)


def test_category_shares_count_missing_and_unseen() -> None:
    shares = category_shares(np.array([0, 1, 1, np.nan, -1.0]), 2)
    np.testing.assert_allclose(shares, [0.2, 0.4, 0.2, 0.2])
    assert tvd(shares, np.array([0.2, 0.4, 0.4, 0.0])) == pytest.approx(0.2)


def test_worst_column_is_named(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    syn = tables["disjoint"].assign(student="No")
    ev = quick(tables["train"], syn, metrics=["marginals", "marginals_worst"])
    assert ev["marginals_worst"].details["column"] == "student"
    assert ev["marginals_worst"].value == pytest.approx(1 - (tables["train"]["student"] == "Yes").mean())
    assert set(ev["marginals"].details["columns"]) == set(tables["train"].columns)
