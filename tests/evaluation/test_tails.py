"""Tails and outliers (issue 15): coverage of the real tails and the privacy of exactly those rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthwise.evaluation import Evaluation, Evaluator, get_metric
from synthwise.evaluation.context import Context, RealSide
from synthwise.evaluation.registry import in_bounds
from synthwise.evaluation.tails import tail_mask

Quick = Callable[..., Evaluation]
TAILS = ["tail_coverage", "quantile_tails", "rare_combination_recall", "tail_privacy"]


def _bulk(train: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """Fresh real rows with every numeric column clipped to the train's 10-90 % range."""
    out = fresh.copy()
    for c in ("balance", "income"):
        low, high = train[c].quantile([0.1, 0.9])
        out[c] = out[c].clip(low, high)
    return out


def test_a_copy_covers_every_tail_and_exposes_it(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    ev = quick(tables["train"], tables["train"], tables["holdout"], metrics=TAILS)
    assert ev["tail_coverage"].value == pytest.approx(1.0)
    assert ev["quantile_tails"].value == pytest.approx(1.0)
    assert ev["rare_combination_recall"].value == pytest.approx(1.0)
    assert ev["tail_privacy"].value > 0.95  # memorized: every tail row's copy is nearer the train


def test_rows_from_the_bulk_miss_the_tails(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    train, hold = tables["train"], tables["holdout"]
    fresh = quick(train, tables["disjoint"], hold, metrics=TAILS)
    bulk = quick(train, _bulk(train, tables["disjoint"]), hold, metrics=TAILS)
    for name in ("tail_coverage", "quantile_tails"):
        assert fresh[name].reference is not None
        assert bulk[name].value < fresh[name].reference - 0.3, name
        assert bulk[name].value < fresh[name].value - 0.3, name
    assert fresh["tail_coverage"].value > 0.9
    assert fresh["quantile_tails"].value > 0.85
    assert bulk["quantile_tails"].value < 0.1
    columns = bulk["quantile_tails"].details["columns"]
    assert set(columns) == {"balance", "income"}
    assert all(0.0 <= v <= 1.0 for pair in columns.values() for v in pair)
    # overall coverage hides most of it; the tail shows it
    assert bulk["tail_coverage"].details["coverage_bulk"] > bulk["tail_coverage"].value + 0.3


def test_fresh_real_data_is_private_in_the_tails(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    ev = quick(tables["train"], tables["disjoint"], tables["holdout"], metrics=["tail_privacy"])
    res = ev["tail_privacy"]
    assert res.value == pytest.approx(0.5, abs=0.1)
    assert res.details["synthetic_rows"] >= 50
    assert 0.0 < res.details["synthetic_share"] < 1.0
    assert res.details["all_rows"] == pytest.approx(0.5, abs=0.08)


def test_half_copies_of_the_tail_raise_its_risk_more_than_the_average(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    """The generator that reaches the tails by copying the rare rows: the tail share shows it, the
    average over all rows dilutes it."""
    train, fresh, hold = tables["train"], tables["disjoint"], tables["holdout"]
    real = Evaluator(train, hold, n_bootstrap=0, baselines=False, row_flags=False).context(fresh).real
    rare = real.sample().frame[tail_mask(real_context(real))]
    syn = pd.concat([fresh.iloc[: len(fresh) - len(rare)], rare], ignore_index=True)
    res = quick(train, syn, hold, metrics=["tail_privacy"])["tail_privacy"]
    assert res.value > 0.65
    assert res.value > res.details["all_rows"] + 0.05


def real_context(real: RealSide) -> Context:
    """A context on the real side alone (the tail rows are a property of the real train)."""
    return Context(real, real.train)


def _categories(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": rng.choice(list("pqrs"), n, p=[0.6, 0.3, 0.08, 0.02]),
            "b": rng.choice(list("xyz"), n, p=[0.7, 0.25, 0.05]),
            "c": rng.choice(["u", "v"], n, p=[0.9, 0.1]),
            "v": rng.normal(0.0, 1.0, n),
        }
    )


def test_dropping_rare_combinations_lowers_their_recall(quick: Quick) -> None:
    rng = np.random.default_rng(0)
    train, hold, fresh = _categories(rng, 3000), _categories(rng, 1000), _categories(rng, 3000)
    common = fresh[fresh["a"].isin(["p", "q"]) & (fresh["b"] != "z")]
    ok = quick(train, fresh, hold, metrics=["rare_combination_recall"])["rare_combination_recall"]
    dropped = quick(train, common, hold, metrics=["rare_combination_recall"])["rare_combination_recall"]
    assert ok.value > 0.8
    assert dropped.value < 0.35
    assert ok.details["pairs"] == 3 and set(ok.details["by_pair"]) == {"a x b", "a x c", "b x c"}
    assert ok.details["rare_combinations"] >= 3


def test_rare_combinations_need_two_categorical_columns(quick: Quick) -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    ev = quick(train, train, metrics=["rare_combination_recall"])
    assert "diversity.rare_combination_recall" in ev.manifest["skipped"]
    assert "two categorical" in str(ev.manifest["skipped"]["diversity.rare_combination_recall"])


def test_declarations() -> None:
    assert get_metric("tail_privacy").group == "privacy" and get_metric("tail_privacy").ideal == 0.5
    assert get_metric("tail_privacy").needs == frozenset({"holdout"})
    for name in ("tail_coverage", "quantile_tails", "rare_combination_recall"):
        spec = get_metric(name)
        assert (spec.group, spec.direction, spec.bounds) == ("diversity", "maximize", (0.0, 1.0))


@st.composite
def _triple(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    seed = draw(st.integers(0, 2**32 - 1))
    n_real, n_syn, n_hold = draw(st.integers(6, 60)), draw(st.integers(3, 60)), draw(st.integers(4, 30))
    shift = draw(st.sampled_from([0.0, 0.5, 5.0]))
    missing = draw(st.sampled_from([0.0, 0.3]))
    rng = np.random.default_rng(seed)

    def make(n: int, delta: float) -> pd.DataFrame:
        x = rng.normal(delta, 1.0, n)
        df = pd.DataFrame(
            {
                "x": x,
                "y": np.round(x + rng.normal(0.0, 1.0, n)),
                "c": rng.choice(["a", "b", "c"], n, p=[0.8, 0.15, 0.05]),
                "d": rng.choice(["u", "v"], n, p=[0.9, 0.1]),
            }
        )
        if missing:
            df.loc[rng.random(n) < missing, "x"] = np.nan
            df.loc[0, "x"] = 0.5
        return df

    return make(n_real, 0.0), make(n_syn, shift), make(n_hold, 0.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_triple())
def test_every_value_within_its_bounds(triple: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    from synthwise.evaluation import evaluate

    real, syn, hold = triple
    ev = evaluate(real, syn, hold, metrics=TAILS, baselines=False, n_bootstrap=20, row_flags=False)
    for result in ev.metrics:
        spec = get_metric(result.key)
        assert in_bounds(result.value, spec.bounds), (result.key, result.value)
        if result.ci is not None:
            assert all(in_bounds(v, spec.bounds) for v in result.ci), (result.key, result.ci)
