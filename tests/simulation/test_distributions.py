"""Each distribution's moments match theory within tolerance at a fixed seed (40,000 rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from synthwise.errors import SpecError
from synthwise.simulation import simulate_frames

N = 40_000
SPEC = {
    "tables": {
        "t": {
            "rows": N,
            "columns": {
                "normal": "normal(mu=3, sigma=2)",
                "lognormal": "lognormal(mu=1, sigma=0.5)",
                "uniform": "uniform(low=-2, high=6)",
                "exponential": "exponential(scale=3)",
                "gamma": "gamma(shape=2.5, scale=1.5)",
                "beta": "beta(a=2, b=5)",
                "poisson_small": "poisson(lam=3)",
                "poisson_big": "poisson(lam=250)",
                "binomial": "binomial(n=20, p=0.3)",
                "bernoulli": "bernoulli(p=0.2)",
                "integers": "integers(low=1, high=6)",
                "categorical": {"categorical": {"a": 0.5, "b": 0.3, "c": 0.2}},
                "empirical": {"empirical": [10, 20, 30], "weights": [1, 1, 2]},
                "when": "datetime(start='2024-01-01', end='2024-01-11')",
                "flag": "bernoulli(p=0.5)",
                "dependent": "normal(mu=10 * flag, sigma=1)",
                "weighted": {"categorical": {"x": "1 - flag", "y": "flag"}},
            },
        }
    }
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return simulate_frames(SPEC, seed=0)["t"]


def _close(sample: pd.Series, dist: stats.rv_continuous | stats.rv_discrete) -> None:
    x = sample.to_numpy(dtype=np.float64)
    mean, var = dist.mean(), dist.var()
    se = np.sqrt(var / len(x))
    assert abs(x.mean() - mean) < 5 * se, (sample.name, x.mean(), mean)
    assert abs(x.var() / var - 1) < 0.05, (sample.name, x.var(), var)


@pytest.mark.parametrize(
    ("column", "dist"),
    [
        ("normal", stats.norm(3, 2)),
        ("lognormal", stats.lognorm(0.5, scale=np.e)),
        ("uniform", stats.uniform(-2, 8)),
        ("exponential", stats.expon(scale=3)),
        ("gamma", stats.gamma(2.5, scale=1.5)),
        ("beta", stats.beta(2, 5)),
        ("poisson_small", stats.poisson(3)),
        ("poisson_big", stats.poisson(250)),
        ("binomial", stats.binom(20, 0.3)),
        ("bernoulli", stats.bernoulli(0.2)),
        ("integers", stats.randint(1, 7)),
    ],
)
def test_distribution_moments(frame: pd.DataFrame, column: str, dist) -> None:  # type: ignore[no-untyped-def]
    _close(frame[column], dist)


def test_distributions_pass_kolmogorov_smirnov(frame: pd.DataFrame) -> None:
    for column, cdf in (
        ("normal", stats.norm(3, 2).cdf),
        ("gamma", stats.gamma(2.5, scale=1.5).cdf),
        ("beta", stats.beta(2, 5).cdf),
        ("exponential", stats.expon(scale=3).cdf),
    ):
        assert stats.kstest(frame[column], cdf).pvalue > 0.001, column


def test_discrete_values_stay_in_their_support(frame: pd.DataFrame) -> None:
    assert set(frame["integers"].unique()) == {1, 2, 3, 4, 5, 6}
    assert set(frame["bernoulli"].unique()) == {0, 1}
    assert frame["binomial"].between(0, 20).all()
    assert (frame["poisson_small"] >= 0).all()


def test_categorical_and_empirical_frequencies(frame: pd.DataFrame) -> None:
    share = frame["categorical"].value_counts(normalize=True)
    np.testing.assert_allclose(share[["a", "b", "c"]], [0.5, 0.3, 0.2], atol=0.01)
    share = frame["empirical"].value_counts(normalize=True)
    np.testing.assert_allclose(share[[10, 20, 30]], [0.25, 0.25, 0.5], atol=0.01)


def test_datetime_is_uniform_in_its_range(frame: pd.DataFrame) -> None:
    when = pd.to_datetime(frame["when"])
    assert when.min() >= pd.Timestamp("2024-01-01") and when.max() < pd.Timestamp("2024-01-11")
    days = (when - pd.Timestamp("2024-01-01")).dt.total_seconds() / 86_400
    _close(days.rename("when"), stats.uniform(0, 10))


def test_parameters_that_are_expressions_condition_each_row(frame: pd.DataFrame) -> None:
    on = frame["flag"] == 1
    assert abs(frame.loc[on, "dependent"].mean() - 10) < 0.05
    assert abs(frame.loc[~on, "dependent"].mean()) < 0.05
    assert (frame.loc[on, "weighted"] == "y").all() and (frame.loc[~on, "weighted"] == "x").all()


def test_parameter_breaking_its_rule_on_some_rows_names_the_column() -> None:
    spec = {
        "tables": {
            "t": {"rows": 100, "columns": {"x": "normal(mu=0, sigma=1)", "y": "normal(mu=0, sigma=x)"}}
        }
    }
    with pytest.raises(SpecError, match=r"'tables.t.columns.y'.*'sigma' is .* rows; it must be > 0"):
        simulate_frames(spec, seed=0)
