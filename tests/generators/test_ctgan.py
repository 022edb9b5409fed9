"""ctgan beyond the deep generators' shared contract (tests/generators/test_tvae.py)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("torch")

import synthwise as sw
from synthwise.testing import mixed_table

pytestmark = pytest.mark.deep
FAST = {"max_epochs": 3, "verbose": False, "batch_size": 100}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(400, seed=3)


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("ctgan", seed=0, **FAST).fit(table)


def test_conditions_native_on_one_category(fitted: sw.Generator) -> None:
    assert fitted.capabilities.conditions == "native"
    out = fitted.sample(60, conditions={"group": "c"}, seed=0)
    assert len(out) == 60 and (out["group"] == "c").all()


def test_conditions_on_several_columns_and_partial_rows(fitted: sw.Generator) -> None:
    out = fitted.sample(20, conditions={"group": "a", "flag": True}, seed=0)
    assert (out["group"] == "a").all() and out["flag"].astype(bool).all()
    rows = pd.DataFrame({"group": ["b", "a", None, "c"]})
    out = fitted.sample(4, conditions=rows, seed=0)
    assert list(out["group"].iloc[[0, 1, 3]]) == ["b", "a", "c"]
