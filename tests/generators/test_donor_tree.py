"""Donor trees: draws come from the real values of the leaf a row reaches; arrays round-trip."""

from __future__ import annotations

import numpy as np

from synthwise.generators.donor_tree import DonorTree, fit_donor_tree


def test_regression_tree_draws_donors_from_the_right_leaf() -> None:
    x = np.r_[np.zeros(50), np.ones(50)][:, None]
    y = np.r_[np.full(50, 10.0), np.full(50, 20.0)]
    tree = fit_donor_tree(x, y, discrete=False, min_samples_leaf=5, max_depth=None, random_state=0)
    rng = np.random.default_rng(0)
    assert set(tree.draw(np.zeros((20, 1), np.float32), rng)) == {10.0}
    assert set(tree.draw(np.ones((20, 1), np.float32), rng)) == {20.0}


def test_classification_tree_keeps_missing_as_a_class_and_round_trips() -> None:
    x = np.r_[np.zeros(30), np.ones(30)][:, None]
    y = np.r_[np.full(30, np.nan), np.full(30, 2.0)]
    tree = fit_donor_tree(x, y, discrete=True, min_samples_leaf=3, max_depth=None, random_state=0)
    again = DonorTree.from_arrays(tree.arrays("t_"), "t_")
    draws = again.draw(np.zeros((10, 1), np.float32), np.random.default_rng(1))
    assert np.isnan(draws).all()
    assert set(again.draw(np.ones((10, 1), np.float32), np.random.default_rng(1))) == {2.0}


def test_too_few_rows_give_the_marginal() -> None:
    tree = fit_donor_tree(
        np.zeros((3, 1)),
        np.array([1.0, 2.0, 3.0]),
        discrete=False,
        min_samples_leaf=5,
        max_depth=None,
        random_state=0,
    )
    assert len(tree.left) == 1 and sorted(tree.donors) == [1.0, 2.0, 3.0]


def test_pruning_on_held_out_rows_drops_chance_splits_and_keeps_real_ones() -> None:
    """A class independent of the predictor (a country against the year in a balanced panel) gives a
    grown tree chance splits that pin each row to the training rows' own combinations; pruned on the
    held-out half, it is the marginal. A class the predictor decides keeps its split."""
    rng = np.random.default_rng(0)
    x = rng.integers(1990, 2010, 2_000).astype(float)[:, None]
    noise = rng.integers(0, 40, 2_000).astype(float)
    kw = {"min_samples_leaf": 10, "max_depth": None, "random_state": 0}
    grown = fit_donor_tree(x, noise, discrete=True, **kw)
    pruned = fit_donor_tree(x, noise, discrete=True, prune=True, **kw)
    assert (grown.left >= 0).sum() > 10
    assert pruned.count[0] == 2_000 and (pruned.left[0] < 0)  # one leaf: every row a donor
    decided = (x[:, 0] >= 2000).astype(float)
    kept = fit_donor_tree(x, decided, discrete=True, prune=True, **kw)
    draws = kept.draw(np.array([[1995.0], [2005.0]] * 50, np.float32), rng)
    assert set(draws[::2]) == {0.0} and set(draws[1::2]) == {1.0}
    assert sorted(kept.donors) == sorted(decided)  # pruning changes the leaves, never the donors


def _grid_tree(prune: bool = False) -> tuple[DonorTree, np.ndarray, np.ndarray]:
    """A grid table's leftover: 8 cells, each holding a random half of 48 dates once (the other half
    went to a holdout), so a date is independent of the cell and a fresh row's date is new to its cell."""
    rng = np.random.default_rng(3)
    cells, dates = [], []
    for cell in range(8):
        kept = np.sort(rng.choice(48, 24, replace=False))
        cells += [cell] * 24
        dates += kept.tolist()
    x, y = np.asarray(cells, float)[:, None], np.asarray(dates, float)
    tree = fit_donor_tree(
        x, y, discrete=False, min_samples_leaf=5, max_depth=None, random_state=0, prune=prune
    )
    return tree, x, y


def _below(tree: DonorTree, k: int) -> list[int]:
    if tree.left[k] < 0:
        return list(range(tree.start[k], tree.start[k] + tree.count[k]))
    return _below(tree, int(tree.left[k])) + _below(tree, int(tree.right[k]))


def test_every_subtree_owns_one_contiguous_range_of_donors() -> None:
    for prune in (False, True):
        tree, _, _ = _grid_tree(prune)
        lo, hi, parent, _ = tree._nodes
        for k in range(len(tree.left)):
            if k == 0 or parent[k] >= 0:  # reachable nodes (pruning orphans the rest)
                assert _below(tree, k) == list(range(lo[k], hi[k]))


def test_backoff_escapes_at_the_good_turing_rate_and_only_to_donors() -> None:
    tree, x, y = _grid_tree()
    escape = tree._nodes[3]
    leaves = np.flatnonzero((tree.left < 0) & (tree.count > 0))
    assert np.allclose(escape[leaves], 1.0)  # every date is seen once in its leaf
    assert escape[0] < 0.1  # across the cells most dates repeat
    rng = np.random.default_rng(0)
    q = np.zeros((4_000, 1), np.float32)
    draws = tree.draw(q, rng, backoff=True)
    assert set(draws) <= set(y)
    own = set(y[tree.route(np.zeros((1, 1), np.float32))[0] == tree.route(x.astype(np.float32))])
    new = np.mean([d not in own for d in draws])
    assert new > 0.3  # dates the cell's leaf lacks (a holdout's): plain draws give none
    assert not set(tree.draw(q, rng)) - own


def test_backoff_without_singletons_draws_the_same_bits() -> None:
    x = np.r_[np.zeros(60), np.ones(60)][:, None]
    y = np.r_[np.tile([1.0, 2.0, 3.0], 20), np.tile([4.0, 5.0], 30)]
    tree = fit_donor_tree(x, y, discrete=True, min_samples_leaf=5, max_depth=None, random_state=0)
    q = np.r_[np.zeros(50), np.ones(50)][:, None].astype(np.float32)
    plain = tree.draw(q, np.random.default_rng(7))
    assert np.array_equal(plain, tree.draw(q, np.random.default_rng(7), backoff=True))


def test_escape_rates_count_the_exact_values_each_node_holds_once() -> None:
    """The rates merged level by level equal a direct count over each node's donors, smoothed values
    (which make new values themselves) never counting."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3_000, 3))
    y = np.round(x[:, 0] * 4 + rng.normal(size=3_000) * 6)  # integer levels, many shared, some once
    for smooth in (False, True):
        tree = fit_donor_tree(
            x,
            y,
            discrete=False,
            min_samples_leaf=20,
            max_depth=None,
            random_state=0,
            smooth=smooth,
            min_shared=3,
        )
        lo, hi, parent, escape = tree._nodes
        smoothed = set(tree.donors[tree.bandwidth > 0]) if tree.bandwidth.size else set()
        for k in range(len(tree.left)):
            if k and parent[k] < 0:
                continue
            values, counts = np.unique(tree.donors[lo[k] : hi[k]], return_counts=True)
            once = sum(c == 1 and v not in smoothed for v, c in zip(values, counts, strict=True))
            assert escape[k] == once / (hi[k] - lo[k])
        assert smooth == bool(smoothed)


def _sum_table(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two predictors and a target that is nearly their sum (a total with a little slack)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, size=(n, 2))
    return x, x.sum(axis=1) + rng.normal(0, 1.0, n)


def test_linear_donors_keep_a_relation_through_several_columns() -> None:
    x, y = _sum_table(2_000, 0)
    kw = {"discrete": False, "min_samples_leaf": 30, "max_depth": None, "random_state": 0}
    plain = fit_donor_tree(x, y, **kw)
    lin = fit_donor_tree(x, y, linear=np.array([True, True]), **kw)
    assert plain.coef.size == 0 and lin.coef.size == 3
    np.testing.assert_allclose(lin.coef, [1.0, 1.0, 0.0], atol=0.1)
    new, _ = _sum_table(1_000, 1)
    rng = np.random.default_rng(2)
    slack_plain = np.std(plain.draw(new.astype(np.float32), rng) - new.sum(axis=1))
    slack_lin = np.std(lin.draw(new.astype(np.float32), rng) - new.sum(axis=1))
    # a leaf of 30 rows spans several units of each predictor: plain donors loosen the total, the
    # residual donors keep the data's own slack (sd 1)
    assert slack_lin < 1.5 < 3 * 1.5 < slack_plain
    again = DonorTree.from_arrays(lin.arrays("t_"), "t_")
    a = again.draw(new.astype(np.float32), np.random.default_rng(3))
    np.testing.assert_array_equal(a, lin.draw(new.astype(np.float32), np.random.default_rng(3)))


def test_linear_donors_only_where_the_held_out_half_agrees() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(2_000, 3))
    y = rng.normal(0, 1, 2_000)  # unrelated to the predictors: no line narrows a leaf
    tree = fit_donor_tree(
        x, y, discrete=False, min_samples_leaf=30, max_depth=None, random_state=0, linear=np.ones(3, bool)
    )
    assert tree.coef.size == 0
    few = fit_donor_tree(  # too few rows per coefficient
        x[:100],
        x[:100].sum(axis=1),
        discrete=False,
        min_samples_leaf=5,
        max_depth=None,
        random_state=0,
        linear=np.ones(3, bool),
    )
    assert few.coef.size == 0


def test_linear_donors_leave_a_spike_where_it_is_and_stay_in_range() -> None:
    x, y = _sum_table(3_000, 0)
    y[x[:, 0] < 30] = 0.0  # a heap at zero (30 % of the rows), in a region of its own
    tree = fit_donor_tree(
        x,
        y,
        discrete=False,
        min_samples_leaf=30,
        max_depth=None,
        random_state=0,
        linear=np.array([True, True]),
        min_shared=12,
        smooth=True,
    )
    assert np.isnan(tree.fitted[tree.donors == 0.0]).all()
    draws = tree.draw(x.astype(np.float32), np.random.default_rng(1))
    picked_zero = np.isclose(draws, 0.0)
    assert picked_zero.mean() > 0.1  # zeros are still drawn as zeros
    assert draws.min() >= y.min() and draws.max() <= y.max()
