"""The memorization guard: DCR share 0.5 for fresh rows, near 1 for copies; fidelity gap 0 for the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.deep.memorization import Featurizer, MemorizationGuard, dcr_share, fidelity_gap


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, n),
            "y": rng.gamma(2, 2, n),
            "c": rng.integers(0, 4, n).astype(float),
            "m": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        }
    )


def test_dcr_share_of_fresh_rows_is_near_half() -> None:
    train, hold, fresh = _table(1000, 0), _table(1000, 1), _table(1000, 2)
    feat = Featurizer(train, ["x", "y", "m"])
    share = dcr_share(feat(train), feat(hold), feat(fresh))
    assert share == pytest.approx(0.5, abs=0.05)


def test_dcr_share_of_copied_rows_is_near_one() -> None:
    train, hold = _table(1000, 0), _table(1000, 1)
    feat = Featurizer(train, ["x", "y", "m"])
    assert dcr_share(feat(train), feat(hold), feat(train.iloc[:500])) > 0.95


def test_dcr_share_needs_equal_sizes() -> None:
    a = np.zeros((3, 2))
    with pytest.raises(ValueError, match="equal-size"):
        dcr_share(a, a[:2], a)


def test_featurizer_bounds_and_missing_indicator() -> None:
    train = _table(500, 0)
    feat = Featurizer(train, ["x", "y", "m"])
    m = feat(_table(200, 3))
    assert m.shape == (200, 1 + 1 + 4 + 2)
    assert m.min() >= 0 and m.max() <= 1


def test_fidelity_gap_is_zero_for_same_and_larger_for_shifted() -> None:
    train = _table(2000, 0)
    feat = Featurizer(train, ["x", "y", "m"])
    same = fidelity_gap(feat(train), feat(train))
    shifted = train.assign(x=train["x"] + 2.0)
    assert same == pytest.approx(0.0, abs=1e-12)
    assert fidelity_gap(feat(train), feat(shifted)) > fidelity_gap(feat(train), feat(_table(2000, 4)))


def test_guard_fails_on_copies_passes_on_fresh_and_records_history() -> None:
    train, hold = _table(1500, 0), _table(400, 1)
    feat = Featurizer(train, ["x", "y", "m"])
    guard = MemorizationGuard.build(feat, train, hold, 0.55, np.random.default_rng(0))
    assert guard.n_rows == 400
    share, passed = guard.check(_table(400, 5), epoch=1)
    assert passed and share < 0.55
    share, passed = guard.check(train.iloc[:400], epoch=2)
    assert not passed and share > 0.55
    assert [h["epoch"] for h in guard.history] == [1, 2]
    assert [h["passed"] for h in guard.history] == [True, False]
