"""The imbalanced-learn wrapper: training arrays, interpolation inside the class, clear failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.generators.interpolation import TrainingRows, interpolate


def _rows(df: pd.DataFrame, target: str) -> TrainingRows:
    gen = sw.get_generator("smote", target=target, seed=0).fit(df)
    return gen.rows_  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def two_blobs() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "y": np.r_[np.full(30, "rare"), np.full(170, "common")],
            "v": np.r_[rng.normal(1.5, 1, 30), rng.normal(0, 1, 170)],
            "c": rng.choice(["a", "b"], 200),
        }
    )


def test_training_rows_round_trip_through_state(two_blobs: pd.DataFrame) -> None:
    rows = _rows(two_blobs, "y")
    meta, arrays = rows.to_state()
    again = TrainingRows.from_state(meta, arrays)
    assert again.names == rows.names and again.target == "y"
    np.testing.assert_array_equal(again.x, rows.x)
    np.testing.assert_array_equal(again.y, rows.y)
    assert rows.count(rows.minority) == 30


@pytest.mark.parametrize("method", ["smote", "smotenc", "adasyn"])
def test_interpolate_stays_between_real_rows_of_the_class(two_blobs: pd.DataFrame, method: str) -> None:
    rows = _rows(two_blobs, "y")
    cls = rows.minority
    real_v = rows.x[rows.y == cls, rows.features.index("v")]
    out = interpolate(rows, method, cls, 100, n_neighbors=5, rng=np.random.default_rng(0))  # type: ignore[arg-type]
    v = out[:, list(rows.names).index("v")]
    assert out.shape == (100, len(rows.names))
    assert (out[:, list(rows.names).index("y")] == cls).all()
    assert v.min() >= real_v.min() - 1e-9 and v.max() <= real_v.max() + 1e-9


def test_adasyn_on_a_class_without_other_class_neighbours_says_use_smote(two_blobs: pd.DataFrame) -> None:
    apart = two_blobs[["y", "v"]].assign(v=lambda d: d["v"] + 100 * (d["y"] == "rare"))
    gen = sw.get_generator("adasyn", target="y", seed=0).fit(apart)
    with pytest.raises(sw.SamplingError, match="smote"):
        gen.sample(10)


def test_class_with_one_row_cannot_be_interpolated(two_blobs: pd.DataFrame) -> None:
    df = pd.concat([two_blobs, pd.DataFrame({"y": ["single"], "v": [5.0], "c": ["a"]})], ignore_index=True)
    gen = sw.get_generator("smote", target="y", seed=0).fit(df)
    with pytest.raises(sw.SamplingError, match="at least 2"):
        gen.sample(5, conditions={"y": "single"})


def test_rows_with_missing_target_are_not_used() -> None:
    rng = np.random.default_rng(1)
    y = pd.Series(rng.choice(["p", "n"], 100, p=[0.3, 0.7]), dtype=object)
    y[:10] = None
    df = pd.DataFrame({"y": y, "v": rng.normal(size=100)})
    rows = _rows(df, "y")
    assert len(rows.y) == 90
