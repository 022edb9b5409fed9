"""The bayesian_network generator: faithful output, a sparse learned structure, exact native conditions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthwise as sw
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.generators.discretize import fit_continuous
from synthwise.schema import infer_schema
from synthwise.testing import check_faithful, table_strategy


@pytest.fixture(scope="module")
def covid_train(bench_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(bench_dir / "covid.train.csv")
    return df.sample(5_000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def default_train(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return default_split[0]


@pytest.fixture(scope="module")
def default_model(default_train: pd.DataFrame) -> sw.Generator:
    return sw.get_generator("bayesian_network", seed=0).fit(default_train)


def _chain_table(n: int = 3_000, seed: int = 0) -> pd.DataFrame:
    """A -> B deterministic, C independent noise, D numeric shifted by A."""
    rng = np.random.default_rng(seed)
    a = rng.choice(["a0", "a1", "a2", "a3"], size=n)
    b = pd.Series(a).map({"a0": "x", "a1": "y", "a2": "x", "a3": "z"}).to_numpy()
    c = rng.choice(["p", "q"], size=n)
    d = rng.normal(0, 1, size=n) + 5 * (a == "a1")
    return pd.DataFrame({"A": a, "B": b, "C": c, "D": np.round(d, 3)})


# -- faithful output ---------------------------------------------------------------------------------------
def test_sample_keeps_dtypes_domains_ranges_and_missing_rates(covid_train: pd.DataFrame) -> None:
    schema = infer_schema(covid_train)
    synth = sw.get_generator("bayesian_network", seed=0).fit(covid_train, schema).sample(5_000)
    check_faithful(covid_train, synth, schema, name="bayesian_network", missing_tolerance=0.03)
    assert (synth.dtypes == covid_train.dtypes).all()
    for col in schema.of_kind("numeric"):
        values = synth[col.name].dropna().to_numpy(dtype=float)
        if col.decimals is not None:  # decimals kept: e.g. ages and turnaround times with one decimal
            assert np.allclose(values, np.round(values, col.decimals))
    # the heavy missing rates of payor_group / patient_class (~45 %) are kept closely
    for name in ("payor_group", "patient_class", "ct_result"):
        assert abs(synth[name].isna().mean() - covid_train[name].isna().mean()) < 0.03


def test_continuous_values_are_drawn_inside_bins_not_copied(default_train: pd.DataFrame) -> None:
    synth = sw.get_generator("bayesian_network", seed=0).fit(default_train).sample(4_000)
    copied = synth["income"].isin(set(default_train["income"])).mean()
    assert copied < 0.01
    # the marginal stays smooth and faithful: quartiles within 3 % of the real ones
    real_q = default_train["income"].quantile([0.25, 0.5, 0.75]).to_numpy()
    synth_q = synth["income"].quantile([0.25, 0.5, 0.75]).to_numpy()
    assert np.all(np.abs(synth_q / real_q - 1) < 0.03)


def test_integer_column_with_few_values_keeps_them() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"kids": rng.choice([0, 1, 2, 5], size=800), "g": rng.choice(["u", "v"], size=800)})
    synth = sw.get_generator("bayesian_network", seed=0).fit(df).sample(2_000)
    assert set(synth["kids"]) == {0, 1, 2, 5}
    assert synth["kids"].dtype == df["kids"].dtype


# -- structure ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("max_parents", [0, 1, 2, 3])
def test_structure_respects_max_parents_and_is_acyclic(covid_train: pd.DataFrame, max_parents: int) -> None:
    small = covid_train.head(1_500)
    gen = sw.get_generator("bayesian_network", max_parents=max_parents, seed=0).fit(small)
    assert set(gen.parents_) == set(gen.names_)
    assert all(len(ps) <= max_parents for ps in gen.parents_.values())
    position = {gen.names_[v]: i for i, v in enumerate(gen.order_)}
    assert all(position[p] < position[c] for c, ps in gen.parents_.items() for p in ps)
    if max_parents == 0:
        assert not any(gen.parents_.values())


def test_structure_finds_an_obvious_dependency() -> None:
    gen = sw.get_generator("bayesian_network", seed=0).fit(_chain_table())
    parents = gen.parents_
    assert "A" in parents["B"] or "B" in parents["A"]
    # D depends on A only through "A is a1", which B = f(A) also tells: D sits next to A or B
    assert any(x in parents["D"] or "D" in parents[x] for x in ("A", "B"))
    assert not parents["C"] and all("C" not in ps for ps in parents.values())
    synth = gen.sample(3_000)
    mapping = {"a0": "x", "a1": "y", "a2": "x", "a3": "z"}
    assert (synth["A"].map(mapping) == synth["B"]).mean() > 0.97
    assert synth.loc[synth["A"] == "a1", "D"].mean() > 4.5 > synth.loc[synth["A"] != "a1", "D"].mean() + 4


# -- determinism and model files ----------------------------------------------------------------------------
def test_sample_same_seed_same_rows(default_model: sw.Generator) -> None:
    first = default_model.sample(500, seed=7)
    pd.testing.assert_frame_equal(first, default_model.sample(500, seed=7))
    assert not first.equals(default_model.sample(500, seed=8))


def test_fit_same_seed_same_model(default_train: pd.DataFrame) -> None:
    a = sw.get_generator("bayesian_network", seed=3).fit(default_train).sample(300, seed=1)
    b = sw.get_generator("bayesian_network", seed=3).fit(default_train).sample(300, seed=1)
    pd.testing.assert_frame_equal(a, b)


def test_save_load_samples_the_same_rows(default_model: sw.Generator, tmp_path: Path) -> None:
    path = str(tmp_path / "bn.synthwise")
    default_model.save(path)
    loaded = sw.load_generator(path)
    assert loaded.parents_ == default_model.parents_
    pd.testing.assert_frame_equal(loaded.sample(800, seed=4), default_model.sample(800, seed=4))
    cond = {"default": "Yes"}
    pd.testing.assert_frame_equal(
        loaded.sample(300, conditions=cond, seed=4), default_model.sample(300, conditions=cond, seed=4)
    )


# -- conditions ---------------------------------------------------------------------------------------------
def test_condition_on_rare_class_matches_real_conditional(
    default_model: sw.Generator, default_train: pd.DataFrame
) -> None:
    rare = default_model.sample(2_000, conditions={"default": "Yes"}, seed=0)
    assert len(rare) == 2_000 and (rare["default"] == "Yes").all()
    real = default_train[default_train["default"] == "Yes"]
    real_share = (real["student"] == "Yes").mean()  # ~0.36, against ~0.29 overall
    overall = (default_train["student"] == "Yes").mean()
    share = (rare["student"] == "Yes").mean()
    assert abs(share - real_share) < 0.05 and abs(share - real_share) < abs(share - overall)
    assert abs(rare["balance"].mean() / real["balance"].mean() - 1) < 0.05


def test_condition_on_binned_numeric_shifts_the_rest(default_model: sw.Generator) -> None:
    rich = default_model.sample(1_000, conditions={"balance": 2_200.0}, seed=0)
    poor = default_model.sample(1_000, conditions={"balance": 100.0}, seed=0)
    assert (rich["balance"] == 2_200.0).all()
    assert (rich["default"] == "Yes").mean() > 0.3 > 0.01 > (poor["default"] == "Yes").mean()


def test_conditions_as_a_frame_of_partial_rows(default_model: sw.Generator) -> None:
    frame = pd.DataFrame(
        {
            "default": ["Yes", None, "No", None] * 50,
            "student": [None, "Yes", "No", None] * 50,
        }
    )
    synth = default_model.sample(0, conditions=frame, seed=0)
    assert len(synth) == len(frame)
    fixed_default = frame["default"].notna()
    fixed_student = frame["student"].notna()
    assert (synth.loc[fixed_default, "default"] == frame.loc[fixed_default, "default"]).all()
    assert (synth.loc[fixed_student, "student"] == frame.loc[fixed_student, "student"]).all()
    assert synth.loc[~fixed_student, "student"].nunique() == 2


@pytest.mark.parametrize(
    ("conditions", "column"),
    [({"balance": -50.0}, "balance"), ({"income": 1e9}, "income"), ({"default": "Maybe"}, "default")],
)
def test_impossible_condition_names_column_and_value(
    default_model: sw.Generator, conditions: dict[str, object], column: str
) -> None:
    with pytest.raises(SamplingError, match=column) as info:
        default_model.sample(10, conditions=conditions)
    assert str(next(iter(conditions.values()))) in str(info.value)


def test_category_in_schema_but_never_seen_has_zero_probability(default_train: pd.DataFrame) -> None:
    schema = infer_schema(default_train)
    col = schema["student"]  # Yes / No: a boolean since issue 13; declared a 3-level categorical here
    three = ("No", "Yes", "Maybe")
    schema = schema.with_column(replace(col, kind="categorical", bool_labels=(), categories=three))
    gen = sw.get_generator("bayesian_network", seed=0).fit(default_train, schema)
    assert "Maybe" not in set(gen.sample(2_000)["student"])
    with pytest.raises(SamplingError, match=r"student='Maybe'.*zero probability"):
        gen.sample(5, conditions={"student": "Maybe"})


def test_impossible_combination_without_smoothing_raises(default_train: pd.DataFrame) -> None:
    gen = sw.get_generator("bayesian_network", smoothing=0.0, seed=0).fit(default_train)
    with pytest.raises(SamplingError, match=r"default='Yes', balance in \[.*zero probability"):
        gen.sample(5, conditions={"default": "Yes", "balance": 10.0})


# -- parameters ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"n_bins": 1},
        {"n_bins": "20"},
        {"n_bins": 2.5},
        {"max_parents": 5},
        {"max_parents": -1},
        {"max_parents": True},
        {"smoothing": -0.1},
        {"smoothing": float("inf")},
        {"penalty": float("nan")},
        {"penalty": None},
    ],
)
def test_bad_parameters_raise_with_the_expected_range(params: dict[str, object]) -> None:
    gen = sw.get_generator("bayesian_network", **params)
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        gen.fit(_chain_table(200))


# -- properties ---------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(-20, 20).map(float), st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)),
        min_size=1,
        max_size=300,
    ),
    n_bins=st.integers(2, 40),
)
def test_discretizer_states_round_trip(values: list[float], n_bins: int) -> None:
    codes = np.array(values, dtype=np.float64)
    cs = fit_continuous("x", codes, n_bins)
    states = cs.to_states(codes)
    assert cs.n_values <= n_bins
    assert np.all(states[np.isnan(codes)] == cs.missing_state)
    real = ~np.isnan(codes)
    assert np.all((states[real] >= 0) & (states[real] < cs.n_values))
    drawn = cs.sample(states, np.random.default_rng(0))
    assert np.array_equal(np.isnan(drawn), ~real)
    assert np.array_equal(cs.to_states(drawn), states)  # every value is drawn inside its own state
    if real.any():
        assert drawn[real].min() >= codes[real].min() and drawn[real].max() <= codes[real].max()


@settings(max_examples=15, deadline=None)
@given(table_strategy(min_rows=3, max_rows=30))
def test_fit_sample_any_small_table(df: pd.DataFrame) -> None:
    schema = infer_schema(df)
    synth = sw.get_generator("bayesian_network", seed=0).fit(df, schema).sample(25)
    check_faithful(df, synth, schema, name="bayesian_network", missing_tolerance=1.0)


def test_values_outside_the_fitted_states_take_the_nearest_one() -> None:
    """A fit over blocks learns states from a sample: a value the sample missed is counted in the
    nearest value state (an atom, or the bin whose range is closest), an unseen code in the missing
    state."""
    from synthwise.generators.discretize import fit_continuous, fit_discrete

    atoms = fit_continuous("n", np.array([1.0, 2.0, 2.0, 5.0]), 10)  # few values: atoms only
    assert list(atoms.to_states(np.array([2.2, 4.0]))) == [-1, -1]
    assert list(atoms.nearest_states(np.array([2.2, 4.0, 100.0, np.nan]))) == [1, 2, 2, -1]
    x = np.random.default_rng(0).normal(size=500)
    binned = fit_continuous("x", x, 5, has_missing=True, span=(-10.0, 10.0))
    assert binned.edges[0] == -10.0 and binned.edges[-1] == 10.0 and binned.missing_state == 5
    assert list(binned.nearest_states(np.array([-9.0, 9.5, np.nan]))) == [0, 4, 5]
    cats = fit_discrete("c", np.array([0.0, 1.0]), 2, has_missing=True)
    assert list(cats.nearest_states(np.array([1.0, 7.0]))) == [1, 2]
