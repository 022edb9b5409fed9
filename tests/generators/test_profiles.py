"""Shared profiles (generators/profiles.py) and cart's use of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import synthwise as sw
from synthwise.generators.profiles import MIN_SHARED, Profile, find_profile, trees_fall_short


def grouped_table(groups: int = 150, per: int = 6, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Rows of ``groups`` areas: six area-level codes every member repeats (each derived from one
    latent area type, so they are related), three codes of the row's own, and a numeric."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 8, groups)
    area = {f"a{k}": (kind * (k + 3) + rng.integers(0, 3, groups)) % 10 for k in range(6)}
    rows = np.repeat(np.arange(groups), per)
    frame = pd.DataFrame({name: values[rows] for name, values in area.items()})
    for k in range(3):
        frame[f"p{k}"] = rng.integers(0, 4, len(rows))
    frame["amount"] = rng.gamma(2.0, 10.0, len(rows)).round(2)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True), list(area)


def test_finds_the_area_level_block_and_nothing_else() -> None:
    frame, area = grouped_table()
    profile = find_profile(frame.astype(float), list(frame.columns))
    assert profile is not None
    assert set(profile.columns) == set(area)
    assert (profile.counts >= MIN_SHARED).all()
    assert profile.counts.sum() >= 0.9 * len(frame)
    # every profile is a combination the table has, as many times as counted
    combos = frame[list(profile.columns)].value_counts()
    for values, count in zip(profile.values, profile.counts, strict=True):
        assert combos[tuple(int(v) for v in values)] == count


def test_independent_columns_have_no_profile() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({f"c{k}": rng.integers(0, 3, 900).astype(float) for k in range(4)})
    assert find_profile(frame, list(frame.columns)) is None  # 81 combinations repeat by chance alone


def test_too_few_rows_or_columns() -> None:
    frame, _ = grouped_table(groups=3, per=4)
    assert find_profile(frame.astype(float), list(frame.columns)) is None
    big, area = grouped_table()
    assert find_profile(big.astype(float), area[:2]) is None


def test_deterministic() -> None:
    frame, _ = grouped_table(seed=3)
    a = find_profile(frame.astype(float), list(frame.columns))
    b = find_profile(frame.astype(float), list(frame.columns))
    assert a is not None and b is not None
    assert a.columns == b.columns and np.array_equal(a.values, b.values)


def test_the_profile_is_used_only_where_draws_invent_combinations() -> None:
    frame, _ = grouped_table()
    codes = frame.astype(float)
    profile = find_profile(codes, list(codes.columns))
    assert profile is not None
    block = codes[list(profile.columns)]
    # draws that reproduce real combinations as fresh rows would: no need for the profile
    assert not trees_fall_short(codes, profile, lambda m: block.sample(m, random_state=0, replace=True))
    # draws that mix the columns up (each column on its own): the profile is needed
    rng = np.random.default_rng(0)
    shuffled = {c: rng.permutation(block[c].to_numpy()) for c in block.columns}
    assert trees_fall_short(codes, profile, lambda m: pd.DataFrame(shuffled).iloc[:m])


def test_ids_and_lift() -> None:
    values = np.array([[0.0, 1.0, np.nan], [2.0, 1.0, 5.0]])
    profile = Profile(("x", "y", "z"), values, np.array([4, 12]))
    rows = pd.DataFrame(
        {"x": [2.0, 0.0, 0.0, -0.0], "y": [1.0, 1.0, 1.0, 1.0], "z": [5.0, np.nan, 5.0, np.nan]}
    )
    assert np.array_equal(profile.ids(rows), [1.0, 0.0, np.nan, 0.0], equal_nan=True)
    rng = np.random.default_rng(0)
    given_ = pd.DataFrame({"x": [np.nan, 2.0, 7.0, np.nan], "y": [1.0, np.nan, np.nan, np.nan], "z": np.nan})
    lifted = np.array([profile.lift(given_, rng) for _ in range(200)])
    assert set(lifted[:, 0]) == {0.0, 1.0} and 0.6 < lifted[:, 0].mean() < 0.9  # by counts: 12 / 16
    assert (lifted[:, 1] == 1.0).all()
    assert np.isnan(lifted[:, 2]).all() and np.isnan(lifted[:, 3]).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_profile_values_round_trip_through_ids(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 5, (6, 3)).astype(float)
    values[rng.random(values.shape) < 0.2] = np.nan
    values = pd.DataFrame(values).drop_duplicates().to_numpy()
    profile = Profile(("a", "b", "c"), values, np.full(len(values), 4))
    ids = profile.ids(pd.DataFrame(values, columns=["a", "b", "c"]))
    assert np.array_equal(ids, np.arange(len(values), dtype=float))


def test_cart_draws_real_area_combinations() -> None:
    frame, area = grouped_table(groups=200, per=6, seed=2)
    train = frame.iloc[:900]
    gen = sw.get_generator("cart", seed=0).fit(train)
    assert gen.profile_ is not None and set(gen.profile_.columns) == set(area)
    syn = gen.sample(900, seed=1)
    known = set(map(tuple, train[area].to_numpy()))
    seen = np.mean([tuple(r) in known for r in syn[area].to_numpy()])
    plain = sw.get_generator("cart", seed=0, profiles=False).fit(train).sample(900, seed=1)
    seen_plain = np.mean([tuple(r) in known for r in plain[area].to_numpy()])
    assert seen >= 0.85 > seen_plain + 0.2
    assert list(syn.columns) == list(train.columns)


def test_cart_conditions_on_a_block_column_and_saves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame, area = grouped_table(groups=200, per=6, seed=4)
    gen = sw.get_generator("cart", seed=0).fit(frame)
    value = int(frame[area[0]].mode()[0])
    out = gen.sample(300, seed=0, conditions={area[0]: value})
    assert (out[area[0]] == value).all()
    known = set(map(tuple, frame[area].to_numpy()))
    assert np.mean([tuple(r) in known for r in out[area].to_numpy()]) >= 0.8
    path = tmp_path / "cart.swm"
    gen.save(path)
    again = sw.load_generator(path)
    assert again.sample(200, seed=5).equals(gen.sample(200, seed=5))
