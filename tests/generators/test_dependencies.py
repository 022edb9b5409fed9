"""Functional dependencies: found where the data fixes a column, never by accident, and kept by cart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.generators.dependencies import (
    MIN_GROUP,
    Dependency,
    find_dependencies,
    find_linear_relations,
)


def _countries(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = 100  # about 6 rows per country: fewer than a cart leaf holds, so trees alone mix countries
    names = np.array([f"country{i:02d}" for i in range(k)])
    region = np.array(["north", "south", "east"])[np.arange(k) % 3]
    pick = rng.integers(0, k, n)
    return pd.DataFrame(
        {
            "iso": np.array([f"C{i:02d}" for i in range(k)])[pick],  # 1:1 with country, earlier
            "country": names[pick],
            "region": region[pick],  # coarser: determined by both
            "weight": np.round(rng.gamma(2.0, 1e5, k), 2)[pick],  # a per-country figure
            "year": rng.integers(2000, 2010, n),
            "value": rng.normal(size=n),
        }
    )


def _codes(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: pd.factorize(frame[c])[0].astype(float) for c in frame.columns})


def test_finds_one_to_one_and_coarser_columns_from_one_root() -> None:
    frame = _countries()
    deps = find_dependencies(_codes(frame), list(frame.columns))
    assert {(d.dependent, d.determinant) for d in deps} == {
        ("country", "iso"),
        ("region", "iso"),
        ("weight", "iso"),
    }


def test_no_dependency_between_independent_columns() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({f"c{j}": rng.integers(0, 5, 400) for j in range(6)})
    assert find_dependencies(frame.astype(float), list(frame.columns)) == []


def test_a_key_is_never_a_determinant() -> None:
    """A column of mostly distinct values would 'determine' everything: too few rows per group."""
    rng = np.random.default_rng(2)
    n = 200
    frame = pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n), "y": rng.integers(0, 3, n)})
    assert find_dependencies(frame.astype(float), ["id", "y"]) == []
    few = pd.DataFrame({"g": np.arange(n) % (n // MIN_GROUP + 1), "x": rng.normal(size=n)})
    assert find_dependencies(few.astype(float), ["g"]) == []


def test_missing_is_a_value_of_its_own() -> None:
    g = np.repeat([0.0, 1.0, np.nan], 10)
    dep = np.repeat([5.0, np.nan, 7.0], 10)
    frame = pd.DataFrame({"g": g, "d": dep})
    (found,) = find_dependencies(frame, ["g"])
    assert (found.dependent, found.determinant) == ("d", "g")
    np.testing.assert_array_equal(found.apply(np.array([1.0, np.nan, 0.0])), [np.nan, 7.0, 5.0])


def test_apply_takes_the_nearest_key_for_an_unknown_value() -> None:
    dep = Dependency("d", "g", np.array([0.0, 10.0, 20.0]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(dep.apply(np.array([-5.0, 4.0, 6.0, 19.0, 99.0])), [1, 1, 2, 3, 3])
    rng = np.random.default_rng(0)
    back = dep.determinants_of(np.array([2.0, 3.0, 9.0]), rng)
    np.testing.assert_array_equal(back[:2], [10.0, 20.0])
    assert np.isnan(back[2])


def test_cart_keeps_dependent_columns_consistent(tmp_path: Path) -> None:
    frame = _countries()
    truth = frame.drop_duplicates("iso").set_index("iso")
    gen = sw.get_generator("cart", seed=0).fit(frame)
    # one to one only: region (coarser) is left to the trees, drawn early as the skeleton
    assert {d.dependent for d in gen.deps_} == {"country", "weight"}
    synth = gen.sample(500, seed=1)
    for col in ("country", "weight"):
        assert (synth[col].to_numpy() == truth.loc[synth["iso"], col].to_numpy()).all(), col
    # off: every column modelled by its own tree, and the facts mix
    loose = sw.get_generator("cart", seed=0, dependencies=False, privacy="off").fit(frame).sample(500, seed=1)
    assert (loose["country"].to_numpy() != truth.loc[loose["iso"], "country"].to_numpy()).any()
    # model files keep the lookups
    path = gen.save(str(tmp_path / "m.swm"))
    again = sw.Generator.load(path).sample(500, seed=1)
    pd.testing.assert_frame_equal(again, synth)


def test_cart_condition_on_a_dependent_column_draws_a_matching_determinant() -> None:
    frame = _countries()
    truth = frame.drop_duplicates("iso").set_index("iso")
    gen = sw.get_generator("cart", seed=0).fit(frame)
    synth = gen.sample(200, seed=2, conditions={"country": "country07"})
    assert (synth["country"] == "country07").all()
    assert (synth["iso"] == "C07").all()
    assert (synth["weight"] == truth.loc["C07", "weight"]).all()


@pytest.mark.parametrize("value", ["yes", 1])
def test_cart_rejects_a_non_boolean_dependencies_flag(value: object) -> None:
    with pytest.raises(sw.errors.InvalidParameterError, match="dependencies"):
        sw.get_generator("cart", dependencies=value).fit(_countries())


def test_a_nearly_constant_column_is_not_a_dependent() -> None:
    """One rare value is constant within the groups of almost any column: chance, not a rule."""
    rng = np.random.default_rng(3)
    n = 600
    rare = np.zeros(n)
    rare[17] = 1.0
    frame = pd.DataFrame({"g": rng.integers(0, 100, n).astype(float), "rare": rare})
    frame.loc[17, "g"] = 1000.0  # the rare row alone in its group
    assert find_dependencies(frame, ["g"]) == []


def _payments(n: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    principal = np.round(rng.gamma(2.0, 500.0, n), 2)
    interest = np.round(principal * rng.uniform(0.01, 0.2, n), 2)
    fees = np.where(rng.random(n) < 0.1, np.round(rng.uniform(5, 50, n), 2), 0.0)
    before, after = rng.normal(70, 10, n).round(1), rng.normal(72, 10, n).round(1)
    return pd.DataFrame(
        {
            "paid_total": principal + interest + fees,
            "paid_principal": principal,
            "paid_interest": interest,
            "paid_fees": fees,
            "wt71": before,
            "wt82": after,
            "change": after - before,
            "noise": rng.normal(size=n),
        }
    )


def test_finds_totals_and_differences_and_nothing_else() -> None:
    frame = _payments()
    found = {r.target: r for r in find_linear_relations(frame, list(frame.columns))}
    assert len(found) == 2 and "paid_total" in found
    total = found.pop("paid_total")
    assert set(total.terms) == {"paid_principal", "paid_interest", "paid_fees"}
    np.testing.assert_allclose(total.coefs, 1.0, atol=1e-6)
    ((target, weight),) = found.items()  # any of the three: each is the others' sum or difference
    members = {target, *weight.terms}
    assert members == {"wt71", "wt82", "change"}
    np.testing.assert_allclose(np.abs(weight.coefs), 1.0, atol=1e-6)
    rng = np.random.default_rng(5)
    loose = pd.DataFrame(rng.normal(size=(300, 6)), columns=list("abcdef"))
    assert find_linear_relations(loose, list(loose.columns)) == []


def test_a_mean_is_recomputed_from_its_parts_not_a_part_from_the_mean() -> None:
    rng = np.random.default_rng(4)
    parts = rng.uniform(0, 10, size=(400, 3)).round(2)
    frame = pd.DataFrame({"part_a": parts[:, 0], "index": parts.mean(axis=1), "part_b": parts[:, 1]})
    frame["part_c"] = parts[:, 2]
    (rel,) = find_linear_relations(frame, list(frame.columns))
    assert rel.target == "index"
    np.testing.assert_allclose(rel.coefs, 1 / 3, atol=1e-6)


def test_cart_output_keeps_the_linear_relations(tmp_path: Path) -> None:
    frame = _payments()
    gen = sw.get_generator("cart", seed=0).fit(frame)
    synth = gen.sample(400, seed=0)
    total = synth["paid_principal"] + synth["paid_interest"] + synth["paid_fees"]
    np.testing.assert_allclose(synth["paid_total"], total, atol=0.011)
    gap = synth["wt82"] - synth["wt71"] - synth["change"]
    assert (gap.abs() < 0.051).mean() > 0.95  # the rest: the recomputed value clipped to its range
    path = gen.save(str(tmp_path / "m.swm"))
    pd.testing.assert_frame_equal(sw.Generator.load(path).sample(400, seed=0), synth)


def test_a_total_is_recomputed_rather_than_a_part_that_is_mostly_zero() -> None:
    rng = np.random.default_rng(6)
    n = 500
    first = np.round(rng.gamma(2.0, 300.0, n))
    second = np.where(rng.random(n) < 0.85, 0.0, np.round(rng.gamma(2.0, 100.0, n)))
    unfinished = np.round(rng.gamma(2.0, 200.0, n))
    frame = pd.DataFrame(
        {"fin1": first, "fin2": second, "unf": unfinished, "total": first + second + unfinished}
    )
    (rel,) = find_linear_relations(frame, list(frame.columns))
    assert rel.target == "total"


def test_coefficients_snap_to_simple_fractions_and_a_near_constant_part_is_not_recomputed() -> None:
    """Least squares leaves 1e-6 noise on the coefficient of a part that is almost always 0 (late
    fees): the relation is still written as plain sums and recomputes the total, not the fees."""
    rng = np.random.default_rng(7)
    n = 2000
    principal = np.round(rng.gamma(2.0, 5000.0, n), 2)
    interest = np.round(principal * rng.uniform(0.01, 0.2, n), 2)
    fees = np.where(rng.random(n) < 0.02, np.round(rng.uniform(10, 60, n), 2), 0.0)
    frame = pd.DataFrame(
        {"total": principal + interest + fees, "principal": principal, "interest": interest, "fees": fees}
    )
    (rel,) = find_linear_relations(frame, list(frame.columns))
    assert rel.target == "total" and rel.intercept == 0.0
    np.testing.assert_array_equal(rel.coefs, [1.0, 1.0, 1.0])


def test_a_level_is_recomputed_from_its_lag_and_growth_not_the_growth_from_two_levels() -> None:
    """Errors scale with spreads: a growth (sd 0.05) from two levels (sd 0.3) drawn apart would be all
    noise; the level from its lag and the growth is not."""
    rng = np.random.default_rng(8)
    lag = np.round(rng.normal(8.0, 0.3, 600), 6)
    growth = np.round(rng.normal(0.02, 0.05, 600), 6)
    frame = pd.DataFrame({"growth": growth, "level": lag + growth, "lag": lag})
    (rel,) = find_linear_relations(frame, list(frame.columns))
    assert rel.target == "level"


def test_a_relation_with_a_few_typos_is_still_found_and_an_exact_one_is_preferred() -> None:
    """Real tables are messy: asaur/ChanningHouse has ``time = exit - entry`` on 456 of 457 rows. A
    relation holding on all but 1 % of the rows is learned; one that holds on every row (a total with
    a rarely non-zero part) wins over a shorter one with exceptions."""
    rng = np.random.default_rng(9)
    n = 500
    entry = rng.integers(700, 1100, n).astype(float)
    time = rng.integers(1, 140, n).astype(float)
    exit_ = entry + time
    exit_[[3, 200]] += [-2.0, 1.0]  # two typos
    frame = pd.DataFrame({"entry": entry, "exit": exit_, "time": time})
    (rel,) = find_linear_relations(frame, list(frame.columns))
    assert {rel.target, *rel.terms} == {"entry", "exit", "time"}
    np.testing.assert_allclose(np.abs(rel.coefs), 1.0)
    # 1.6 % of the rows with a fee: principal + interest alone is exact on 98.4 %, the full sum on all
    payments = _payments(n=2000, seed=3)
    payments["paid_fees"] = np.where(np.arange(2000) % 64 == 0, rng.uniform(5, 50, 2000).round(2), 0.0)
    payments["paid_total"] = payments["paid_principal"] + payments["paid_interest"] + payments["paid_fees"]
    found = {r.target: r for r in find_linear_relations(payments, list(payments.columns))}
    assert set(found["paid_total"].terms) == {"paid_principal", "paid_interest", "paid_fees"}
    # too many exceptions: no relation
    broken = frame.copy()
    broken.loc[::20, "exit"] += 5.0
    assert find_linear_relations(broken, list(broken.columns)) == []


def test_one_huge_value_does_not_make_every_line_exact() -> None:
    """openintro/reddit_finance: one answer of 1e14 among amounts of thousands made a tolerance relative
    to the largest value so loose that two unrelated columns "fitted"."""
    rng = np.random.default_rng(10)
    a = rng.gamma(2.0, 5e4, 800).round()
    b = rng.gamma(2.0, 5e5, 800).round()
    b[17] = 1e14
    frame = pd.DataFrame({"a": a, "b": b})
    assert find_linear_relations(frame, list(frame.columns)) == []


def test_cart_output_keeps_a_relation_the_training_rows_break_once() -> None:
    rng = np.random.default_rng(11)
    entry = rng.integers(700, 1000, 400).astype(float)
    time = rng.integers(1, 140, 400).astype(float)
    exit_ = entry + time
    exit_[5] -= 2.0
    gen = sw.get_generator("cart", seed=0).fit(pd.DataFrame({"entry": entry, "exit": exit_, "time": time}))
    synth = gen.sample(300, seed=0)
    assert (synth["exit"] == synth["entry"] + synth["time"]).mean() > 0.95
