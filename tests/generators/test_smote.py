"""The SMOTE family (smote, smotenc, adasyn; synthwise.generators.smote): rows of the requested class,
in the real domains, deterministic, saved safely. One shared contract, run for each of the three
generators, then what smotenc and adasyn do beyond it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.testing import check_faithful, mixed_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return mixed_table(n=300, seed=0)


@pytest.fixture(scope="module", params=["smote", "smotenc", "adasyn"])
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame, name: str) -> sw.Generator:
    return sw.get_generator(name, target="group", seed=0).fit(table)


def test_sample_defaults_to_minority_class_inside_domains(
    table: pd.DataFrame, fitted: sw.Generator, name: str
) -> None:
    out = fitted.sample(150, seed=1)
    assert len(out) == 150 and set(out["group"]) == {"c"}  # "c" is the 10% class
    check_faithful(table[table["group"] == "c"], out, fitted.schema_, name=name)


def test_sample_conditioned_class_stays_in_its_real_hull(table: pd.DataFrame, fitted: sw.Generator) -> None:
    out = fitted.sample(200, conditions={"group": "a"}, seed=2)
    real = table[table["group"] == "a"]
    assert set(out["group"]) == {"a"}
    assert out["x"].min() >= real["x"].min() and out["x"].max() <= real["x"].max()
    assert set(out["cat_missing"].dropna()) <= {"u", "v"}


def test_sample_same_seed_same_rows(fitted: sw.Generator) -> None:
    pd.testing.assert_frame_equal(fitted.sample(50, seed=3), fitted.sample(50, seed=3))
    assert not fitted.sample(50, seed=3).equals(fitted.sample(50, seed=4))


def test_save_load_gives_same_rows(fitted: sw.Generator, tmp_path: Path) -> None:
    path = tmp_path / "m.synthwise"
    fitted.save(str(path))
    loaded = sw.load_generator(str(path))
    assert loaded.get_params()["target"] == "group"
    pd.testing.assert_frame_equal(loaded.sample(40, seed=5), fitted.sample(40, seed=5))


def test_fit_without_target_says_how_to_pass_it(table: pd.DataFrame, name: str) -> None:
    with pytest.raises(sw.InvalidParameterError, match="target='default'"):
        sw.get_generator(name).fit(table)


def test_fit_on_numeric_target_says_it_must_be_categorical(table: pd.DataFrame, name: str) -> None:
    with pytest.raises(sw.ColumnError, match=r"Column 'x'.*must be categorical"):
        sw.get_generator(name, target="x").fit(table)


def test_condition_on_another_column_is_met(fitted: sw.Generator) -> None:
    out = fitted.sample(30, conditions={"group": "c", "flag": True}, seed=6)
    assert set(out["group"]) == {"c"} and out["flag"].all()


def test_missing_values_restored_at_class_rate(table: pd.DataFrame, fitted: sw.Generator) -> None:
    out = fitted.sample(2000, conditions={"group": "a"}, seed=7)
    real_rate = table.loc[table["group"] == "a", "maybe"].isna().mean()
    assert abs(out["maybe"].isna().mean() - real_rate) < 0.03


def test_default_rows_keep_student_share_of_defaulters(name: str) -> None:
    real = sw.datasets.load_frame("default")
    gen = sw.get_generator(name, target="default", seed=0).fit(real)
    out = gen.sample(2000, seed=0)
    assert (out["default"] == "Yes").all()
    share = (real.loc[real["default"] == "Yes", "student"] == "Yes").mean()
    assert abs((out["student"] == "Yes").mean() - share) < 0.06
    assert np.all(out[["balance", "income"]].to_numpy() >= 0)


def test_categorical_only_table_uses_smoten() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "y": rng.choice(["p", "n"], 200, p=[0.2, 0.8]),
            "a": rng.choice(["x", "y", "z"], 200),
            "b": rng.choice(["u", "v"], 200),
        }
    )
    out = sw.get_generator("smotenc", target="y", seed=0).fit(df).sample(50)
    assert set(out["y"]) == {"p"} and set(out["a"]) <= {"x", "y", "z"} and set(out["b"]) <= {"u", "v"}


def test_rows_concentrate_near_the_class_boundary() -> None:
    """ADASYN weights the hard defaulters (neighbours who did not default: lower balances) more than SMOTE."""
    real = sw.datasets.load_frame("default")
    ada = sw.get_generator("adasyn", target="default", seed=0).fit(real).sample(2000, seed=0)
    smo = sw.get_generator("smote", target="default", seed=0).fit(real).sample(2000, seed=0)
    assert ada["balance"].mean() < smo["balance"].mean() - 50
