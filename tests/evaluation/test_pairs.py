"""Pairs: Spearman differences for numeric pairs, joint-table TVD otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from synthwise.evaluation import Evaluation
from synthwise.evaluation.pairs import spearman_matrix

Quick = Callable[..., Evaluation]


def test_spearman_matrix_matches_scipy_without_missing_values() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    x[:, 1] += x[:, 0]
    np.testing.assert_allclose(spearman_matrix(x), spearmanr(x).statistic, atol=1e-12)


def test_spearman_matrix_handles_missing_and_constant_columns() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 3))
    x[:, 1] = x[:, 0] + 0.1 * rng.standard_normal(300)
    x[::7, 1] = np.nan
    x[:, 2] = 5.0
    m = spearman_matrix(x)
    assert m[0, 1] > 0.95 and m[0, 2] == 0.0 and np.all(np.isfinite(m))


def test_identical_tables_score_one_and_name_the_worst_pair(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    ev = quick(tables["train"], tables["train"], metrics=["pairs"])
    assert ev["pairs"].value == pytest.approx(1.0) and ev["pairs"].details["n_pairs"] == 6
    broken = tables["train"].assign(
        default=tables["train"]["default"].sample(frac=1, random_state=0).to_numpy()
    )
    ev = quick(tables["train"], broken, metrics=["pairs", "pairs_worst"])
    assert "default" in ev["pairs_worst"].details["pair"] and ev["pairs_worst"].value < 0.97
