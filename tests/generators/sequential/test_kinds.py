"""Sequential generators learn the kinds real long tables hold (issue 13): a numeric column whose special
codes vary within an entity (its side channel is a step variable of its own) and an all-missing column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.generators import create
from synthwise.generators.registry import get, names
from synthwise.generators.sequential.layout import make_layout
from synthwise.schema import infer_schema
from synthwise.testing import small_pbcseq
from synthwise.testing.generators import _fast_params

SEQUENTIAL = [n for n in names() if get(n).capabilities.data == "sequential"]


def _visits() -> pd.DataFrame:
    df = small_pbcseq(60)[["id", "day", "sex", "bili", "albumin", "ascites"]].copy()
    rng = np.random.default_rng(0)
    coded = rng.random(len(df)) < 0.12  # a lab value "below detection" on some visits, not others
    df["bili"] = df["bili"].map(lambda v: f"{v:g}").astype(object)
    df.loc[coded, "bili"] = "<0.1"
    df["unused"] = np.nan  # a column missing in every row
    return df


def test_side_channel_is_a_step_column() -> None:
    df = _visits()
    schema = infer_schema(df, entity="id", sequence_index="day")
    assert schema["bili"].kind == "numeric" and schema["bili"].special_values == ("<0.1",)
    layout = make_layout(df, schema)
    assert "bili" in layout.steps and "bili::special" in layout.steps and "unused" not in layout.steps


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_special_codes_varying_within_entities_are_learned(name: str) -> None:
    df = _visits()
    schema = infer_schema(df, entity="id", sequence_index="day")
    params = _fast_params(name) | ({"max_epochs": 30} if "max_epochs" in get(name)._param_names() else {})
    gen = create(name, seed=0, **params).fit(df, schema)
    out = gen.sample(60, seed=1)
    assert list(out.columns) == list(df.columns)
    real_rate = float((df["bili"] == "<0.1").mean())
    rate = float((out["bili"] == "<0.1").mean())
    assert 0.25 * real_rate < rate < 3.0 * real_rate
    numbers = pd.to_numeric(out["bili"][out["bili"] != "<0.1"], errors="coerce")
    assert numbers.isna().mean() < 0.02  # every other value is a number (the real column has no missing)
    assert out["unused"].isna().all()
    mixed = out.groupby("id")["bili"].agg(lambda s: (s == "<0.1").any() and (s != "<0.1").any())
    assert mixed.any()  # codes vary within an entity, as they do in the real table
