"""GeneratorOverSampler: fit_resample with any generator, inside an imbalanced-learn Pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier

import synthwise as sw
from synthwise.imbalance import GeneratorOverSampler


@pytest.fixture(scope="module")
def xy() -> tuple[pd.DataFrame, pd.Series]:
    real = sw.datasets.load_frame("default")
    return real.drop(columns="default"), real["default"]


def test_fit_resample_balances_and_keeps_real_rows_first(xy: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = xy
    Xr, yr = GeneratorOverSampler("smotenc", seed=0).fit_resample(X, y)
    assert yr.value_counts()["Yes"] == yr.value_counts()["No"] == (y == "No").sum()
    pd.testing.assert_frame_equal(Xr.iloc[: len(X)], X)
    pd.testing.assert_series_equal(yr.iloc[: len(y)], y)
    assert list(Xr.dtypes) == list(X.dtypes) and set(Xr["student"]) == {"Yes", "No"}


def test_fit_resample_with_arrays_and_float_strategy() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(0, 0.5, 400) > 1.8).astype(np.int64)
    Xr, yr = GeneratorOverSampler("smote", sampling_strategy=0.5, seed=0).fit_resample(X, y)
    assert isinstance(Xr, np.ndarray) and Xr.shape[1] == 3 and yr.dtype == np.int64
    assert np.bincount(yr)[1] == int(0.5 * np.bincount(y)[0])
    np.testing.assert_array_equal(Xr[: len(X)], X)


def test_sampler_inside_imblearn_pipeline_same_seed_same_model(xy: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = xy
    X = X.assign(student=(X["student"] == "Yes").astype(int))
    pipe = Pipeline(
        [
            ("over", GeneratorOverSampler("cart", sampling_strategy=0.3, seed=0)),
            ("clf", HistGradientBoostingClassifier(max_iter=30, random_state=0)),
        ]
    )
    p1 = pipe.fit(X, y).predict_proba(X.iloc[:200])
    p2 = clone(pipe).fit(X, y).predict_proba(X.iloc[:200])
    np.testing.assert_allclose(p1, p2)
    assert pipe.named_steps["over"].sampling_strategy_ == {
        "Yes": int(0.3 * (y == "No").sum()) - (y == "Yes").sum()
    }


def test_sparse_input_is_refused() -> None:
    from scipy import sparse

    with pytest.raises(sw.DataError, match="Sparse"):
        GeneratorOverSampler("smote").fit_resample(sparse.csr_matrix(np.eye(4)), np.array([0, 0, 1, 1]))
