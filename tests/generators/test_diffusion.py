"""Diffusion: faithful output, determinism, safe model files, the memorization guard's record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

import synthwise as sw
from synthwise.errors import InvalidParameterError
from synthwise.testing import check_faithful, mixed_table

pytestmark = pytest.mark.deep
FAST = {"max_epochs": 3, "verbose": False, "batch_size": 100, "sample_steps": 20}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(400, seed=3)


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("diffusion", seed=0, **FAST).fit(table)


def test_sample_is_faithful_to_the_real_table(table: pd.DataFrame, fitted: sw.Generator) -> None:
    out = fitted.sample(400, seed=1)
    check_faithful(table, out, fitted.schema_, name="diffusion")


def test_same_seed_same_bytes_and_global_torch_rng_untouched(
    table: pd.DataFrame, fitted: sw.Generator
) -> None:
    import torch

    before = torch.random.get_rng_state().clone()
    again = sw.get_generator("diffusion", seed=0, **FAST).fit(table)
    pd.testing.assert_frame_equal(fitted.sample(200, seed=5), again.sample(200, seed=5))
    assert torch.equal(torch.random.get_rng_state(), before), "only local generators may be used"
    assert not fitted.sample(200, seed=5).equals(fitted.sample(200, seed=6))


def test_save_load_gives_identical_samples(fitted: sw.Generator, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "diffusion.synthwise"
    fitted.save(str(path))
    loaded = sw.load_generator(str(path))
    pd.testing.assert_frame_equal(loaded.sample(300, seed=2), fitted.sample(300, seed=2))
    assert loaded.training_ == fitted.training_


def test_training_record_and_guard_history(fitted: sw.Generator) -> None:
    record = fitted.training_
    assert record["epochs"] == 3 and record["stopped_by"] == "max_epochs"
    assert len(record["losses"]) == 3 and np.isfinite(record["losses"]).all()
    assert fitted.guard_history_, "the guard runs at every check"
    assert all(0.0 <= h["dcr_share"] <= 1.0 for h in fitted.guard_history_)


def test_max_time_s_bounds_training(table: pd.DataFrame) -> None:
    gen = sw.get_generator("diffusion", seed=0, max_epochs=1000, max_time_s=0.3, verbose=False).fit(
        table.iloc[:150]
    )
    assert gen.training_["stopped_by"] in ("max_time_s", "early_stopping")
    assert gen.training_["epochs"] < 1000


def test_conditions_by_rejection(fitted: sw.Generator) -> None:
    out = fitted.sample(50, conditions={"group": "a"}, seed=0)
    assert len(out) == 50 and (out["group"] == "a").all()


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


def test_invalid_parameters_are_named(table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="sample_steps"):
        sw.get_generator("diffusion", sample_steps=0).fit(table)
    with pytest.raises(InvalidParameterError, match="eta"):
        sw.get_generator("diffusion", eta=2.0).fit(table)
    with pytest.raises(InvalidParameterError, match="guard_threshold"):
        sw.get_generator("diffusion", guard_threshold=0.3).fit(table)
