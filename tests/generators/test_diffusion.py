"""diffusion beyond the deep generators' shared contract (tests/generators/test_tvae.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

import synthwise as sw
from synthwise.testing import mixed_table

pytestmark = pytest.mark.deep
FAST = {"max_epochs": 3, "verbose": False, "batch_size": 100, "sample_steps": 20}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(400, seed=3)


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("diffusion", seed=0, **FAST).fit(table)


def test_learns_a_simple_dependency() -> None:
    rng = np.random.default_rng(0)
    n = 800
    group = rng.choice(["lo", "hi"], size=n)
    df = pd.DataFrame({"group": group, "x": np.where(group == "hi", 10.0, 0.0) + rng.normal(0, 1, n)})
    gen = sw.get_generator(
        "diffusion", seed=0, max_epochs=25, batch_size=128, sample_steps=30, verbose=False
    ).fit(df)
    out = gen.sample(1000, seed=0)
    assert (
        out.loc[out["group"] == "hi", "x"].mean() - out.loc[out["group"] == "lo", "x"].mean() > 5
    )  # independent columns: ~0


def test_whitening_keeps_a_tight_relation_between_numerics() -> None:
    rng = np.random.default_rng(1)
    n = 1500
    x = rng.lognormal(1.0, 0.4, n)
    df = pd.DataFrame({"x": x, "y": x * (1 + rng.normal(0, 0.005, n)), "k": rng.choice(["a", "b"], n)})
    params: dict[str, object] = {"seed": 0, "max_epochs": 40, "batch_size": 128, "sample_steps": 30}
    # uniform timesteps: with more training on low noise levels both frames reach the real deviation
    params.update(verbose=False, t_power=1.0)
    errors = {}
    for whiten in (True, False):
        out = sw.get_generator("diffusion", whiten=whiten, **params).fit(df).sample(1000, seed=0)
        errors[whiten] = float(np.median(np.abs(out["y"] / out["x"] - 1)))
    assert errors[True] < errors[False]  # y / x stays near 1 (real: 0.0034 median deviation)


def test_bad_t_power_is_rejected() -> None:
    with pytest.raises(sw.InvalidParameterError):
        sw.get_generator("diffusion", t_power=0.5).fit(pd.DataFrame({"x": [1.0, 2.0, 3.0] * 10}))


def test_learning_rate_schedules() -> None:
    from synthwise.generators.diffusion import linear_decay, warmup_cosine

    assert linear_decay(0, total=1000) == 1.0 and linear_decay(1000, total=1000) == pytest.approx(0.05)
    factors = [warmup_cosine(i, total=1000) for i in range(1001)]
    assert factors[0] == pytest.approx(1 / 20) and factors[19] == pytest.approx(1.0)  # 2 % warmup
    assert (np.diff(factors[19:]) <= 1e-12).all()
    assert factors[510] == pytest.approx(0.5, abs=0.01) and factors[1000] == pytest.approx(0.0, abs=1e-9)
