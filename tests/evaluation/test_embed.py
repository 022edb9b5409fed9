"""The default embedding: fit on real rows only, one category mismatch = one standard deviation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import Embedding, TabularEmbedding


@pytest.fixture()
def real() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "id": [f"ID{i:05d}" for i in range(n)],
            "x": rng.normal(10, 3, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "y": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(2, n)),
        }
    )


def test_embedding_is_an_embedding(real: pd.DataFrame) -> None:
    emb = TabularEmbedding().fit(real)
    assert isinstance(emb, Embedding)
    assert emb.transform(real).shape == (len(real), len(emb.feature_names_))


def test_identifiers_are_left_out_and_missing_gets_an_indicator(real: pd.DataFrame) -> None:
    names = TabularEmbedding().fit(real).feature_names_
    assert not any(n.startswith("id") for n in names)
    assert "y__missing" in names and "x__missing" not in names
    assert {"color=red", "color=green", "color=blue"} <= set(names)


def test_numerics_become_standard_normal_scores(real: pd.DataFrame) -> None:
    emb = TabularEmbedding().fit(real)
    x = emb.transform(real)[:, emb.feature_names_.index("x")]
    assert x.mean() == pytest.approx(0.0, abs=0.05)
    assert x.std() == pytest.approx(1.0, abs=0.1)


def test_one_category_mismatch_weighs_one_standard_deviation(real: pd.DataFrame) -> None:
    emb = TabularEmbedding().fit(real)
    a = real.iloc[[0]].copy()
    b = a.copy()
    b["color"] = "green" if a["color"].iloc[0] != "green" else "red"
    assert np.linalg.norm(emb.transform(a) - emb.transform(b)) == pytest.approx(1.0)


def test_unseen_category_and_out_of_range_values(real: pd.DataFrame) -> None:
    emb = TabularEmbedding().fit(real)
    odd = real.iloc[:3].copy()
    odd["color"] = "purple"
    odd["x"] = [1e3, -1e3, 10.0]
    z = emb.transform(odd)
    assert np.all(z[:, [emb.feature_names_.index(f"color={c}") for c in ("red", "green", "blue")]] == 0)
    x = z[:, emb.feature_names_.index("x")]
    assert x[0] > 3.5 and x[1] < -3.5 and abs(x[2]) < 0.5


def test_fit_uses_real_rows_only(real: pd.DataFrame) -> None:
    emb = TabularEmbedding().fit(real)
    before = emb.transform(real.iloc[:5])
    emb.transform(real.assign(x=real["x"] * 100))  # transforming other data changes nothing
    np.testing.assert_array_equal(emb.transform(real.iloc[:5]), before)


def test_a_custom_embedding_plugs_in(real: pd.DataFrame) -> None:
    from synthwise.evaluation import evaluate

    class OnlyX:
        """A user embedding: the raw x column, centred where the user says."""

        def fit(self, df: pd.DataFrame) -> OnlyX:
            self.center_ = np.array([float(df["x"].median())])
            return self

        def transform(self, df: pd.DataFrame) -> np.ndarray:
            return df[["x"]].to_numpy(dtype=float)

    shifted = real.assign(x=real["x"] + 30)
    kw = {"metrics": ["alpha_precision", "authenticity"], "baselines": False, "n_bootstrap": 0}
    same = evaluate(real, real, embedding=OnlyX(), **kw)
    moved = evaluate(real, shifted, embedding=OnlyX(), **kw)
    assert same.manifest["embedding"] == {"class": "OnlyX", "dimensions": 1}
    assert same["alpha_precision"].value > 0.9 and moved["alpha_precision"].value < 0.1
    assert same["authenticity"].value == 0.0


def test_datetime_columns_are_embedded_and_range_checked() -> None:
    from synthwise.evaluation import evaluate

    rng = np.random.default_rng(0)
    days = pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, 300), unit="D")
    real = pd.DataFrame({"when": days.strftime("%Y-%m-%d"), "v": rng.normal(size=300)})
    late = real.copy()
    late.loc[:9, "when"] = "2030-06-01"
    ev = evaluate(real, late, metrics=["valid_rows", "marginals"], baselines=False, n_bootstrap=0)
    assert ev["valid_rows"].value == pytest.approx(1 - 10 / 300)
    assert ev["valid_rows"].details["failures_by_column"] == {"when": 10}
    assert ev.plots.marginals["when"]["unit"].startswith("seconds")
