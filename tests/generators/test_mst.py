"""MST: differentially private synthesis. Faithful output, an exact ledger, no unpaid private reads."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthwise.errors import InvalidParameterError
from synthwise.generators import create, load_generator
from synthwise.privacy.release import Releaser
from synthwise.schema import ColumnSchema, Schema, infer_schema
from synthwise.testing import check_faithful, marginal_error, mixed_table

DOMAIN_STEPS = {
    "range (log-scale histogram)",
    "range (refining histogram)",
    "categories (thresholded histogram)",
    "rounding (decimals / resolution)",
    "row count",
}
MODEL_STEPS = {"1-way marginals", "select pairs (spanning tree)", "2-way marginals"}


@pytest.fixture(scope="module")
def small_default(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return default_split[0].iloc[:2000].reset_index(drop=True)


def public(df: pd.DataFrame) -> Schema:
    """A schema standing for public knowledge (n_rows 0 marks it as not inferred from the data)."""
    return replace(infer_schema(df), n_rows=0)


# -- output and budget ---------------------------------------------------------------------------------
def test_output_is_faithful_at_a_generous_epsilon() -> None:
    df = mixed_table()
    gen = create("mst", seed=0, epsilon=1000.0).fit(df)
    out = gen.sample(400, seed=1)
    check_faithful(df, out, gen.schema_, name="mst")
    assert gen.capabilities.differential_privacy


def test_spends_exactly_its_budget_and_sampling_spends_nothing(small_default: pd.DataFrame, tmp_path) -> None:
    gen = create("mst", seed=0, epsilon=1.0, delta=1e-9).fit(small_default)
    ledger = gen.ledger_
    assert ledger.spent_epsilon <= 1.0 + 1e-9
    assert ledger.spent_epsilon == pytest.approx(1.0, rel=1e-6)
    n_entries = len(ledger)
    first = gen.sample(300, seed=3)
    assert len(gen.ledger_) == n_entries
    path = tmp_path / "mst.synthwise"
    gen.save(str(path))
    loaded = load_generator(str(path))
    assert loaded.ledger_.to_dict() == ledger.to_dict()  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(loaded.sample(300, seed=3), first)
    assert "total: (1.0000, 1e-09)-DP" in loaded.ledger_.table()  # type: ignore[attr-defined]


def test_same_seed_same_model_and_rows(small_default: pd.DataFrame) -> None:
    a = create("mst", seed=4, epsilon=2.0).fit(small_default).sample(200, seed=0)
    b = create("mst", seed=4, epsilon=2.0).fit(small_default).sample(200, seed=0)
    pd.testing.assert_frame_equal(a, b)


def test_every_domain_step_is_recorded_when_nothing_is_public(small_default: pd.DataFrame) -> None:
    gen = create("mst", seed=0, epsilon=1.0).fit(small_default)
    per_column: dict[str, set[str]] = {}
    for e in gen.ledger_:
        if "column" in e.details:
            per_column.setdefault(e.details["column"], set()).add(e.step)
    assert "categories (thresholded histogram)" in per_column["default"]
    assert "categories (thresholded histogram)" in per_column["student"]
    for col in ("balance", "income"):  # floats: range and rounding are private
        assert {"range (log-scale histogram)", "rounding (decimals / resolution)"} <= per_column[col]
        assert "1-way marginals" in per_column[col]
    assert any(e.delta > 0 for e in gen.ledger_)  # the thresholded histograms spend delta


def test_a_public_schema_spends_nothing_on_domains(small_default: pd.DataFrame) -> None:
    gen = create("mst", seed=0, epsilon=1.0).fit(small_default, public(small_default))
    assert set(gen.ledger_.steps()) == MODEL_STEPS
    assert gen.schema_["student"].categories == ("No", "Yes")


def test_a_schema_inferred_from_the_data_itself_is_refused(small_default: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="inferred from this very data"):
        create("mst", epsilon=1.0).fit(small_default, infer_schema(small_default))


def test_public_bounds_hold_and_spend_nothing(small_default: pd.DataFrame) -> None:
    bounds = {"balance": (0.0, 2000.0), "income": (10_000, 60_000)}
    gen = create("mst", seed=1, epsilon=1.0, bounds=bounds).fit(small_default)
    out = gen.sample(2000, seed=0)
    for col, (lo, hi) in bounds.items():
        assert out[col].dropna().between(lo, hi).all()
    ranged = {e.details.get("column") for e in gen.ledger_ if e.step.startswith("range")}
    assert not ranged & set(bounds)


def test_a_category_below_the_threshold_is_never_released() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"city": ["Oslo"] * 2000 + ["Tromsø"], "x": rng.normal(size=2001)})
    gen = create("mst", seed=0, epsilon=1.0).fit(df)
    assert gen.schema_["city"].categories == ("Oslo",)
    assert set(gen.sample(3000, seed=0)["city"].dropna()) == {"Oslo"}


def test_a_column_with_no_released_category_is_missing_and_noted() -> None:
    df = pd.DataFrame({"name": [f"person{i}" for i in range(500)], "x": np.arange(500.0)})
    gen = create("mst", seed=0, epsilon=1.0).fit(df)
    assert gen.sample(100, seed=0)["name"].isna().all()
    assert any("name" in note for note in gen.notes_)


def test_free_text_in_a_public_schema_is_placeholder_text_and_noted(tmp_path: Any) -> None:
    """Free text cannot be learned under DP: it is written as public filler text with the public
    schema's missing share (nothing of it is read), and the fit says so."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"note": [f"secret words {i}" for i in range(300)], "x": rng.normal(size=300)})
    schema = Schema(
        columns=(
            ColumnSchema("note", "text", missing_rate=0.2),
            ColumnSchema("x", "numeric", dtype="float64", min=-5.0, max=5.0),
        )
    )
    gen = create("mst", epsilon=1.0, seed=0).fit(df, schema)
    out = gen.sample(2000, seed=1)
    words = {w for t in out["note"].dropna() for w in t.split()}
    assert words and not words & {"secret", "words"}
    assert 0.15 < out["note"].isna().mean() < 0.25
    assert any("note" in n and "placeholder" in n for n in gen.notes_)
    gen.save(tmp_path / "m.swm")
    assert load_generator(tmp_path / "m.swm").sample(50, seed=3).equals(gen.sample(50, seed=3))


@pytest.mark.parametrize("epsilon", [0.3, 1.0])
def test_a_public_schema_without_missing_values_gets_none(epsilon: float) -> None:
    """Noise puts mass on every missing cell; a column the public schema declares complete gets none
    (post-processing), while a column declared with missing values keeps them."""
    rng = np.random.default_rng(1)
    n = 600
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 1000, n),
            "b": rng.choice(["x", "y", "z"], n).astype(object),
            "c": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
            "d": rng.normal(50, 10, n).round(1),
        }
    )
    public = replace(infer_schema(df), n_rows=0)
    assert public["c"].missing_rate > 0 and public["a"].missing_rate == 0
    gen = create("mst", epsilon=epsilon, seed=0).fit(df, public)
    out = gen.sample(3000, seed=2)
    assert out[["a", "b", "d"]].notna().all().all()
    assert 0.15 < out["c"].isna().mean() < 0.45
    assert gen.schema_["a"].missing_rate == 0 and gen.schema_["c"].missing_rate > 0


@pytest.mark.parametrize(
    "params",
    [
        {"epsilon": 0},
        {"epsilon": float("inf")},
        {"delta": 0.0},
        {"delta": 1.0},
        {"n_bins": 1},
        {"n_fine_bins": 4, "n_bins": 8},
        {"bounds": [1, 2]},
        {"bounds": {"nope": (0, 1)}},
    ],
)
def test_bad_parameters_raise(params: dict[str, Any], small_default: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError):
        create("mst", **params).fit(small_default)


# -- no private read without spending ------------------------------------------------------------------
class _Tape:
    """Records every release of a fit, or replays them in order (while still spending and drawing)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.items: list[Any] = []
        self.replay = False
        for name in ("gaussian", "sparse_histogram", "exponential"):
            original = getattr(Releaser, name)
            monkeypatch.setattr(Releaser, name, self._wrap(original))

    def _wrap(self, original: Any) -> Any:
        def wrapped(releaser: Releaser, step: str, *args: Any, **kwargs: Any) -> Any:
            out = original(releaser, step, *args, **kwargs)
            if self.replay:
                return self.items.pop(0)
            self.items.append(out)
            return out

        return wrapped


def _fitted_state(gen: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta, arrays = gen._state()
    return {**meta, "schema": gen.schema_.to_dict(), "n_rows": gen.n_rows_}, arrays


def test_the_fitted_model_depends_on_the_data_only_through_paid_releases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fit on D recording every DP release; then fit on a very different D2 (other size, values,
    # categories, missing values) with the releases of D replayed. If any fitted quantity read the data
    # outside a paid release, the two models would differ.
    tape = _Tape(monkeypatch)
    d1 = mixed_table(300, seed=0)
    d2 = mixed_table(180, seed=7)
    d2["group"] = d2["group"].replace({"a": "zz"})
    d2.loc[::3, "x"] = np.nan
    d2["count"] = d2["count"] * 50
    a = create("mst", seed=0, epsilon=200.0).fit(d1)
    recorded = len(tape.items)
    tape.replay = True
    b = create("mst", seed=0, epsilon=200.0).fit(d2)
    assert recorded > 0 and not tape.items  # every recorded release was consumed, no more, no less
    meta_a, arrays_a = _fitted_state(a)
    meta_b, arrays_b = _fitted_state(b)
    assert meta_a == meta_b
    assert arrays_a.keys() == arrays_b.keys()
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key], err_msg=key)
    pd.testing.assert_frame_equal(a.sample(100, seed=2), b.sample(100, seed=2))


def test_without_replay_a_different_dataset_gives_a_different_model() -> None:
    # the control for the test above: the comparison has the power to see a data dependence
    a = create("mst", seed=0, epsilon=200.0).fit(mixed_table(300, seed=0))
    b = create("mst", seed=0, epsilon=200.0).fit(mixed_table(180, seed=7))
    assert _fitted_state(a)[0] != _fitted_state(b)[0]


# -- empirical privacy and utility -----------------------------------------------------------------------
def _tiny() -> tuple[pd.DataFrame, Schema]:
    df = pd.DataFrame({"a": ["x"] * 12 + ["y"] * 8, "b": ["u"] * 9 + ["v"] * 3 + ["u"] * 2 + ["v"] * 6})
    schema = Schema(
        columns=(
            ColumnSchema("a", "categorical", dtype="str", categories=("x", "y")),
            ColumnSchema("b", "categorical", dtype="str", categories=("u", "v")),
        )
    )
    return df, schema


def _share_xu(df: pd.DataFrame, schema: Schema, eps: float, seeds: range) -> np.ndarray:
    out = []
    for s in seeds:
        syn = create("mst", seed=s, epsilon=eps).fit(df, schema).sample(300, seed=0)
        out.append(float(((syn["a"] == "x") & (syn["b"] == "u")).mean()))
    return np.array(out)


def _worst_excess(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    edges = np.quantile(np.r_[p, q], np.linspace(0, 1, 5))
    edges[0], edges[-1] = -np.inf, np.inf
    hp, hq = np.histogram(p, edges)[0] / len(p), np.histogram(q, edges)[0] / len(q)
    return float(max((hp - math.exp(eps) * hq).max(), (hq - math.exp(eps) * hp).max()))


def test_neighbouring_datasets_give_output_distributions_within_the_bound() -> None:
    df, schema = _tiny()
    neighbour = df.drop(index=0).reset_index(drop=True)  # one row removed
    eps = 1.0
    p = _share_xu(df, schema, eps, range(100))
    q = _share_xu(neighbour, schema, eps, range(1000, 1100))
    assert _worst_excess(p, q, eps) <= 0.1  # delta is 1e-9; 0.1 covers the sampling error of 100 runs
    # power of the check: without meaningful noise the same comparison fails
    p_open = _share_xu(df, schema, 1e5, range(30))
    q_open = _share_xu(neighbour, schema, 1e5, range(1000, 1030))
    assert _worst_excess(p_open, q_open, eps) > 0.2


def test_utility_improves_as_epsilon_grows(small_default: pd.DataFrame) -> None:
    mean_error = []
    for eps in (0.05, 0.5, 5.0):
        errs = [
            marginal_error(
                small_default, create("mst", seed=s, epsilon=eps).fit(small_default).sample(2000, seed=s)
            )
            for s in range(3)
        ]
        mean_error.append(np.mean(errs))
    assert mean_error[0] > mean_error[1] > mean_error[2]
    assert mean_error[2] < 0.05


def test_a_column_with_codes_and_no_missing_values_gets_none() -> None:
    """Codes live in the side channel: the value is drawn for every row and never makes it missing."""
    rng = np.random.default_rng(3)
    n = 800
    values = np.round(rng.normal(10, 2, n), 1).astype(object)
    values[rng.random(n) < 0.1] = "."
    df = pd.DataFrame({"lab": values, "grp": rng.choice(["a", "b"], n).astype(object)})
    public = replace(infer_schema(df), n_rows=0)
    assert public["lab"].special_values == (".",) and public["lab"].missing_rate == 0
    out = create("mst", epsilon=1.0, seed=0).fit(df, public).sample(3000, seed=1)
    assert out["lab"].notna().all()
    assert 0.03 < float((out["lab"] == ".").mean()) < 0.2
