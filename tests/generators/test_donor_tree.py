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
