"""The deep generators' shared contract (tvae, ctgan, diffusion): faithful output, determinism, safe model
files, the memorization guard's record, time limits and named parameter errors. Each generator's own
behaviour is tested beside it (test_ctgan.py, test_diffusion.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

import synthwise as sw
from synthwise.errors import InvalidParameterError
from synthwise.testing import check_faithful, mixed_table

pytestmark = pytest.mark.deep
BASE = {"max_epochs": 3, "verbose": False, "batch_size": 100}
FAST: dict[str, dict[str, Any]] = {"tvae": BASE, "ctgan": BASE, "diffusion": {**BASE, "sample_steps": 20}}
BAD_PARAMS: dict[str, list[tuple[str, Any]]] = {
    "tvae": [("latent_dim", 0)],
    "ctgan": [("pac", 0)],
    "diffusion": [("sample_steps", 0), ("eta", 2.0), ("whiten", "yes")],
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(400, seed=3)


@pytest.fixture(scope="module", params=sorted(FAST))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame, name: str) -> sw.Generator:
    return sw.get_generator(name, seed=0, **FAST[name]).fit(table)


def test_sample_is_faithful_to_the_real_table(table: pd.DataFrame, fitted: sw.Generator, name: str) -> None:
    out = fitted.sample(400, seed=1)
    check_faithful(table, out, fitted.schema_, name=name)


def test_same_seed_same_bytes_and_global_torch_rng_untouched(
    table: pd.DataFrame, fitted: sw.Generator, name: str
) -> None:
    import torch

    before = torch.random.get_rng_state().clone()
    again = sw.get_generator(name, seed=0, **FAST[name]).fit(table)
    pd.testing.assert_frame_equal(fitted.sample(200, seed=5), again.sample(200, seed=5))
    assert torch.equal(torch.random.get_rng_state(), before), "only local generators may be used"
    assert not fitted.sample(200, seed=5).equals(fitted.sample(200, seed=6))


def test_save_load_gives_identical_samples(fitted: sw.Generator, name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.synthwise"
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


def test_max_time_s_bounds_training(table: pd.DataFrame, name: str) -> None:
    gen = sw.get_generator(name, seed=0, max_epochs=1000, max_time_s=0.3, verbose=False).fit(table.iloc[:150])
    assert gen.training_["stopped_by"] in ("max_time_s", "early_stopping")
    assert gen.training_["epochs"] < 1000


def test_conditions_on_one_category(fitted: sw.Generator) -> None:
    out = fitted.sample(50, conditions={"group": "a"}, seed=0)
    assert len(out) == 50 and (out["group"] == "a").all()


def test_invalid_parameters_are_named(table: pd.DataFrame, name: str) -> None:
    for param, value in BAD_PARAMS[name]:
        with pytest.raises(InvalidParameterError, match=param):
            sw.get_generator(name, **{param: value}).fit(table)
    with pytest.raises(InvalidParameterError, match="guard_threshold"):
        sw.get_generator(name, guard_threshold=0.3).fit(table)
