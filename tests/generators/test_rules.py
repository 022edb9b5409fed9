"""The rules generator: a spec's structure, its parameters fitted on real data, used as any generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import synthwise as sw
from synthwise.errors import ColumnError, InvalidParameterError
from synthwise.simulation import simulate_frames
from synthwise.testing import check_faithful

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEFAULT_SPEC = {
    "tables": {
        "default": {
            "rows": 100,
            "columns": {
                "student": {"categorical": {"Yes": 1, "No": 1}},
                "balance": {
                    "dist": "normal(mu = 500 + 100 * (student == 'Yes'), sigma = 100)",
                    "clip": [0, None],
                },
                "income": "normal(mu = 10000 + 1 * (student == 'Yes'), sigma = 1000)",
                "default": {
                    "cases": [
                        {"when": "balance > 1500", "categorical": {"Yes": 1, "No": 1}},
                        {"categorical": {"Yes": 1, "No": 1}},
                    ]
                },
            },
            "constraints": ["income >= 0"],
        }
    }
}


@pytest.fixture(scope="module")
def real(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return default_split[0]


@pytest.fixture(scope="module")
def fitted(real: pd.DataFrame):  # type: ignore[no-untyped-def]
    return sw.get_generator("rules", spec=DEFAULT_SPEC, seed=0).fit(real)


def test_fit_estimates_group_means_and_frequencies(fitted, real: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    est = {(e.column, e.parameter): e for e in fitted.estimates_}
    assert est[("balance", "mu")].method == "least squares"
    synth = fitted.sample(6000, seed=1)
    for col in ("balance", "income"):
        for group in ("Yes", "No"):
            r = real.loc[real.student == group, col].mean()
            s = synth.loc[synth.student == group, col].mean()
            assert abs(s / r - 1) < 0.06, (col, group, r, s)
    np.testing.assert_allclose((synth.student == "Yes").mean(), (real.student == "Yes").mean(), atol=0.02)
    high = synth.balance > 1500
    assert synth.loc[high, "default"].eq("Yes").mean() > 5 * synth.loc[~high, "default"].eq("Yes").mean()


def test_sample_keeps_the_contract(fitted, real: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    before = real.copy()
    out = fitted.sample(500, seed=3)
    check_faithful(real, out, fitted.schema_, name="rules")
    assert (out["income"] >= 0).all()
    pd.testing.assert_frame_equal(out, fitted.sample(500, seed=3))
    assert not out.equals(fitted.sample(500, seed=4))
    pd.testing.assert_frame_equal(real, before)
    assert len(fitted.sample(0)) == 0


def test_save_load_samples_the_same(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.synthwise"
    fitted.save(str(path))
    loaded = sw.load_generator(str(path))
    pd.testing.assert_frame_equal(loaded.sample(300, seed=5), fitted.sample(300, seed=5))
    assert loaded.estimates_ == fitted.estimates_


def test_conditions_by_rejection(fitted) -> None:  # type: ignore[no-untyped-def]
    out = fitted.sample(40, conditions={"student": "Yes"}, seed=0)
    assert (out["student"] == "Yes").all() and len(out) == 40


def test_without_fitting_the_spec_values_are_used(real: pd.DataFrame) -> None:
    gen = sw.get_generator("rules", spec=DEFAULT_SPEC, fit_parameters=False, seed=0).fit(real)
    out = gen.sample(2000)
    assert gen.estimates_ == []
    assert abs(out.loc[out.student == "No", "income"].mean() - 10000) < 200


def test_fitting_recovers_the_parameters_that_made_the_data() -> None:
    spec = EXAMPLES / "hospital" / "spec.yaml"
    tree = yaml.safe_load(spec.read_text())
    for text_column in ("name", "address"):  # free text: not fitted (and slow to fake)
        del tree["tables"]["patients"]["columns"][text_column]
    patients = simulate_frames(tree, seed=11, tables=["patients"])["patients"].drop(columns=["patient_id"])
    gen = sw.get_generator("rules", spec=str(spec), table="patients", seed=0).fit(patients)
    est = {(e.column, e.parameter): e for e in gen.estimates_}
    assert est[("chronic", "p")].method == "logistic regression"
    slope = float(est[("chronic", "p")].after.split("*")[0].split("+")[-1].split("-")[-1].strip())
    assert abs(slope - 0.05) < 0.01, est[("chronic", "p")].after
    shape, scale = float(est[("age", "shape")].after), float(est[("age", "scale")].after)
    assert abs(shape * scale - 44) < 2  # the mean of gamma(4, 11)
    sex = est[("sex", "weights")].after.split(", ")
    assert abs(int(float(sex[0])) / len(patients) - 0.51) < 0.03


def test_data_column_missing_from_the_spec_is_named(real: pd.DataFrame) -> None:
    spec = {"tables": {"default": {"rows": 1, "columns": {"student": {"categorical": {"Yes": 1, "No": 1}}}}}}
    with pytest.raises(ColumnError, match=r"Column 'balance': is in the data but not in the spec table"):
        sw.get_generator("rules", spec=spec).fit(real)


def test_needs_a_spec_and_an_entity_table(real: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="needs a simulation spec"):
        sw.get_generator("rules").fit(real)
    card = EXAMPLES / "card_fraud" / "spec.yaml"
    with pytest.raises(InvalidParameterError, match="event table"):
        sw.get_generator("rules", spec=str(card), table="transactions").fit(real)
    with pytest.raises(InvalidParameterError, match="no table 'nope'"):
        sw.get_generator("rules", spec=str(card), table="nope").fit(real)
