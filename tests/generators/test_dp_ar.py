"""DP-AR: DP-SGD on DP domains. One ledger within budget, free sampling, utility grows with epsilon."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")
pytest.importorskip("opacus")

from synthwise.errors import InvalidParameterError, MissingDependencyError
from synthwise.generators import create, load_generator
from synthwise.schema import infer_schema
from synthwise.testing import marginal_error

FAST = {"epochs": 3, "verbose": False}


@pytest.fixture(scope="module")
def small_default(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return default_split[0].iloc[:1500].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(small_default: pd.DataFrame):  # type: ignore[no-untyped-def]
    return create("dp_ar", seed=0, epsilon=1.0, delta=1e-9, **FAST).fit(small_default)


def test_the_ledger_holds_every_step_within_the_budget(fitted) -> None:  # type: ignore[no-untyped-def]
    ledger = fitted.ledger_
    assert ledger.spent_epsilon <= 1.0 + 1e-9
    assert ledger.spent_epsilon == pytest.approx(1.0, rel=1e-3)  # the planned epochs take the whole rest
    steps = set(ledger.steps())
    assert {"categories (thresholded histogram)", "range (log-scale histogram)"} <= steps
    assert {"1-way marginals", "DP-SGD training"} <= steps
    sgd = next(e for e in ledger if e.step == "DP-SGD training")
    assert sgd.details["noise_multiplier"] > 1.0 and sgd.details["epochs"] == 3
    training = fitted.training_
    assert 0 < training["spent_epsilon"] <= training["target_epsilon"] * (1 + 1e-3)
    assert "losses" not in training  # statistics of the private rows stay out of the model file
    assert fitted.capabilities.differential_privacy
    assert not hasattr(fitted, "guard_history_")  # no private validation split under DP
    assert ledger.entries[-1].details["ghost_clipping"] is True


def test_sampling_and_loading_spend_nothing_and_give_the_same_rows(fitted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = fitted.ledger_.to_dict()
    first = fitted.sample(300, seed=3)
    assert fitted.ledger_.to_dict() == before
    path = tmp_path / "dp_ar.synthwise"
    fitted.save(str(path))
    loaded = load_generator(str(path))
    assert loaded.ledger_.to_dict() == before  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(loaded.sample(300, seed=3), first)
    assert set(first["student"].dropna()) <= {"No", "Yes"}


def test_same_seed_same_model_and_rows(small_default: pd.DataFrame) -> None:
    a = create("dp_ar", seed=4, epsilon=2.0, **FAST).fit(small_default).sample(200, seed=0)
    b = create("dp_ar", seed=4, epsilon=2.0, **FAST).fit(small_default).sample(200, seed=0)
    pd.testing.assert_frame_equal(a, b)


def test_a_schema_inferred_from_the_data_itself_is_refused(small_default: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="inferred from this very data"):
        create("dp_ar", epsilon=1.0, **FAST).fit(small_default, infer_schema(small_default))


def test_public_schema_and_bounds_spend_nothing_on_domains(small_default: pd.DataFrame) -> None:
    schema = replace(infer_schema(small_default), n_rows=0)  # standing for public knowledge
    bounds = {"balance": (0.0, 2500.0), "income": (0, 75_000)}
    gen = create("dp_ar", seed=1, epsilon=1.0, bounds=bounds, **FAST).fit(small_default, schema)
    assert set(gen.ledger_.steps()) == {"1-way marginals", "DP-SGD training"}
    out = gen.sample(1000, seed=0)
    for col, (lo, hi) in bounds.items():
        assert out[col].dropna().between(lo, hi).all()


@pytest.mark.parametrize(
    "params",
    [
        {"epsilon": 0},
        {"delta": 1.0},
        {"epochs": 0},
        {"batch_size": 1},
        {"max_grad_norm": -1.0},
        {"hidden": 0},
        {"bounds": [0, 1]},
    ],
)
def test_bad_parameters_raise(params: dict[str, object], small_default: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError):
        create("dp_ar", **{**FAST, **params}).fit(small_default)


def test_without_opacus_the_error_names_the_extra(
    small_default: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opacus", None)  # import opacus now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"synthwise\[privacy\]"):
        create("dp_ar", epsilon=1.0, **FAST).fit(small_default)


def test_a_budget_too_small_for_the_training_is_a_clear_error(small_default: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="too small for 3 epochs"):
        create("dp_ar", seed=0, epsilon=0.02, **FAST).fit(small_default)


def test_utility_improves_as_epsilon_grows(small_default: pd.DataFrame) -> None:
    mean_error = []
    for eps in (0.5, 10.0):
        errs = [
            marginal_error(
                small_default,
                create("dp_ar", seed=s, epsilon=eps, **FAST).fit(small_default).sample(1500, seed=s),
            )
            for s in range(2)
        ]
        mean_error.append(np.mean(errs))
    assert mean_error[0] > mean_error[1]
    assert mean_error[1] < 0.08


def test_a_public_schema_without_missing_values_gets_none() -> None:
    """The missing cell of a column the public schema declares complete is never drawn."""
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 100, n),
            "b": rng.choice(["x", "y"], n).astype(object),
            "c": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
        }
    )
    public = replace(infer_schema(df), n_rows=0)
    gen = create("dp_ar", epsilon=1.0, epochs=2, seed=0).fit(df, public)
    out = gen.sample(2000, seed=2)
    assert out[["a", "b"]].notna().all().all()
    assert out["c"].isna().any()
