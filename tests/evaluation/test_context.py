"""The canonical row order: content hashes, copies aligned with their originals, other repeats spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.evaluation import Evaluator
from synthwise.evaluation.context import canonical_keys


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=0, max_size=40), st.randoms(use_true_random=False))
def test_first_occurrences_keep_their_hash_and_repeats_get_fresh_keys(values: list[int], rnd: object) -> None:
    hashes = np.asarray([v * 7919 + 11 for v in values], dtype=np.uint64)
    keys = canonical_keys(hashes)
    _, first = np.unique(hashes, return_index=True)
    assert np.array_equal(keys[first], hashes[first])  # a copy sorts where its original does
    assert len(np.unique(keys)) == len(keys)  # every repeat has a key of its own
    perm = np.arange(len(hashes))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    assert np.array_equal(np.sort(canonical_keys(hashes[perm])), np.sort(keys))  # order does not matter
    copies = hashes % np.uint64(2) == 0
    assert np.array_equal(canonical_keys(hashes, copies)[copies], hashes[copies])  # copies keep their hash


def test_a_subsample_holds_a_repeated_row_in_proportion() -> None:
    """Known case: a third of the synthetic rows are one row (a collapsed mode). The first rows of the
    canonical order (every subsampled metric's sample) hold about a third of it, not all or none."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    syn = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    syn.iloc[:1000] = [5.0, 5.0]
    ev = Evaluator(real, seed=0, metrics=["fidelity.alpha_precision"])
    table = ev.context(syn).synthetic
    for m in (300, 1000):
        share = float(np.mean(table.frame["x"].to_numpy()[:m] == 5.0))
        assert abs(share - 1 / 3) < 0.08, (m, share)
    shuffled = ev.context(syn.sample(frac=1.0, random_state=1)).synthetic
    assert shuffled.frame.equals(table.frame)  # still invariant to the input's row order


def test_copies_of_training_rows_sort_with_their_originals_repeats_and_all() -> None:
    """Known case: a bootstrap (training rows drawn with replacement, a third of them repeats). Every
    copy sorts where its original does, so the first rows of the synthetic order are copies of the
    first rows of the real order: a subsample shows the copying as the whole table does."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    boot = real.iloc[rng.integers(0, len(real), len(real))].reset_index(drop=True)
    ev = Evaluator(real, seed=0, metrics=["fidelity.alpha_precision"])
    ctx = ev.context(boot)
    first_real = set(ctx.real.train.hashes[:500].tolist())
    m = int(np.searchsorted(ctx.synthetic.hashes, ctx.real.train.hashes[499], side="right"))
    assert set(ctx.synthetic.hashes[:m].tolist()) <= first_real
    assert np.all(np.diff(ctx.synthetic.hashes.astype(np.float64)) >= 0)  # copies only: the hash order
