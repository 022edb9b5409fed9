"""The noise generator: perturbed real rows, faithful output, native conditions, safe model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.testing import check_faithful


@pytest.fixture(scope="module")
def covid_model(covid: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("noise", seed=0).fit(covid)


@pytest.fixture(scope="module")
def groups() -> pd.DataFrame:
    """Category 'a' sits at x = 0, 'b' at x = 50 and 'c' at x = 100 (x has standard deviation 40.8)."""
    group = np.repeat(["a", "b", "c"], 1_000)
    return pd.DataFrame({"group": group, "x": np.select([group == "a", group == "b"], [0.0, 50.0], 100.0)})


@pytest.mark.parametrize("flip_missing", [False, True])
def test_sample_keeps_dtypes_domains_ranges_and_missing_rates(
    covid: pd.DataFrame, flip_missing: bool
) -> None:
    gen = sw.get_generator("noise", flip_missing=flip_missing, seed=1).fit(covid)
    synth = gen.sample(6_000)
    check_faithful(covid, synth, gen.schema_, name="noise", missing_tolerance=0.03)
    for col in gen.schema_.of_kind("numeric"):
        if col.decimals is not None:
            v = synth[col.name].dropna().to_numpy(dtype=float)
            np.testing.assert_allclose(v, np.round(v, col.decimals), atol=1e-9)


def test_sample_keeps_category_frequencies(covid: pd.DataFrame, covid_model: sw.Generator) -> None:
    synth = covid_model.sample(20_000, seed=3)
    for name in ("clinic_name", "payor_group", "result"):
        real = covid[name].value_counts(normalize=True, dropna=False)
        fake = synth[name].value_counts(normalize=True, dropna=False).reindex(real.index, fill_value=0.0)
        assert np.abs(real.to_numpy() - fake.to_numpy()).max() < 0.015, name


def test_no_noise_and_no_flips_copy_real_rows(covid: pd.DataFrame) -> None:
    gen = sw.get_generator("noise", noise_scale=0.0, flip_probability=0.0, seed=0).fit(covid)
    synth = gen.sample(300)
    # issue 13: keys are regenerated and a long tail's rare values are never copied; the rest is copied
    kept = [c.name for c in gen.schema_.columns if c.kind != "identifier" and c.min_count is None]
    real_rows = set(map(tuple, covid[kept].astype(str).to_numpy()))
    assert all(tuple(row) in real_rows for row in synth[kept].astype(str).to_numpy())


def test_noise_is_scaled_to_the_column_spread(groups: pd.DataFrame) -> None:
    gen = sw.get_generator("noise", noise_scale=0.1, flip_probability=0.0, seed=0).fit(groups)
    synth = gen.sample(6_000)
    centre = synth["group"].map({"a": 0.0, "b": 50.0, "c": 100.0}).to_numpy()
    gap = synth["x"].to_numpy() - centre
    assert np.all(synth["x"].between(0.0, 100.0))  # clipped to the real range
    assert (synth.loc[synth["group"] == "a", "x"] == 0.0).mean() > 0.4  # half the noise clips to the minimum
    middle = gap[synth["group"].to_numpy() == "b"]
    expected_sd = 0.1 * groups["x"].std(ddof=0)
    assert abs(middle.std() - expected_sd) < 0.1 * expected_sd


def test_flip_probability_replaces_categories_by_their_frequencies(groups: pd.DataFrame) -> None:
    gen = sw.get_generator("noise", noise_scale=0.0, flip_probability=0.6, seed=0).fit(groups)
    synth = gen.sample(9_000)
    centre = synth["group"].map({"a": 0.0, "b": 50.0, "c": 100.0})
    # 60 % of the categories are redrawn from 1/3 frequencies: 40 % end up on another group
    assert 0.37 < (centre != synth["x"]).mean() < 0.43
    assert np.abs(synth["group"].value_counts(normalize=True) - 1 / 3).max() < 0.02


def test_flip_missing_redraws_missingness(covid: pd.DataFrame) -> None:
    kept = sw.get_generator("noise", flip_probability=0.3, seed=0).fit(covid).sample(5_000)
    gen = sw.get_generator("noise", flip_probability=0.3, flip_missing=True, seed=0)
    redrawn = gen.fit(covid).sample(5_000)
    both = covid.payor_group.isna() == covid.patient_class.isna()
    assert both.mean() > 0.99
    assert (kept.payor_group.isna() == kept.patient_class.isna()).mean() > 0.99
    assert (redrawn.payor_group.isna() == redrawn.patient_class.isna()).mean() < 0.9
    assert abs(redrawn.payor_group.isna().mean() - covid.payor_group.isna().mean()) < 0.03


def test_sample_same_seed_same_rows(covid_model: sw.Generator) -> None:
    a = covid_model.sample(500, seed=11)
    pd.testing.assert_frame_equal(a, covid_model.sample(500, seed=11))
    assert not a.equals(covid_model.sample(500, seed=12))


def test_save_load_samples_same_rows(covid_model: sw.Generator, tmp_path: Path) -> None:
    path = str(tmp_path / "noise.synthwise")
    covid_model.save(path)
    loaded = sw.load_generator(path)
    pd.testing.assert_frame_equal(loaded.sample(500, seed=3), covid_model.sample(500, seed=3))
    cond = {"clinic_name": "picu", "age": 5.0}
    pd.testing.assert_frame_equal(
        loaded.sample(50, seed=4, conditions=cond), covid_model.sample(50, seed=4, conditions=cond)
    )


def test_condition_starts_from_matching_rows(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train = default_split[0]
    gen = sw.get_generator("noise", flip_probability=0.0, seed=0).fit(train)
    synth = gen.sample(2_000, conditions={"default": "Yes"})
    assert (synth["default"] == "Yes").all()
    defaulters = train[train["default"] == "Yes"]
    assert abs(synth["balance"].mean() - defaulters["balance"].mean()) < 0.1 * defaulters["balance"].std()


def test_condition_on_numeric_value_uses_nearest_rows(groups: pd.DataFrame) -> None:
    gen = sw.get_generator("noise", flip_probability=0.0, seed=0).fit(groups)
    synth = gen.sample(200, conditions={"x": 60.0})
    assert (synth["x"] == 60.0).all()
    assert (synth["group"] == "b").all()


def test_condition_frame_of_partial_rows(covid: pd.DataFrame, covid_model: sw.Generator) -> None:
    partial = pd.DataFrame({"result": ["positive", None, "negative"], "age": [np.nan, 40.0, 3.0]})
    rows = pd.concat([partial] * 50, ignore_index=True)
    synth = covid_model.sample(len(rows), conditions=rows, seed=2)
    check_faithful(covid, synth, covid_model.schema_, name="noise", missing_tolerance=0.5)
    for name in partial.columns:
        fixed = rows[name].notna()
        assert (synth.loc[fixed, name].to_numpy() == rows.loc[fixed, name].to_numpy()).all(), name


def test_condition_without_matching_row_raises(covid: pd.DataFrame, covid_model: sw.Generator) -> None:
    seen = set(zip(covid["clinic_name"], covid["result"], strict=True))
    clinic = next(c for c in covid["clinic_name"].unique() if (c, "invalid") not in seen)
    with pytest.raises(SamplingError, match="clinic_name"):
        covid_model.sample(5, conditions={"clinic_name": clinic, "result": "invalid"})


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("noise_scale", -0.1),
        ("noise_scale", float("inf")),
        ("noise_scale", "big"),
        ("flip_probability", 1.5),
        ("flip_probability", True),
        ("flip_missing", "no"),
    ],
)
def test_bad_parameters_raise(param: str, value: object, groups: pd.DataFrame) -> None:
    gen = sw.get_generator("noise", **{param: value})
    with pytest.raises(InvalidParameterError, match=param):
        gen.fit(groups)
