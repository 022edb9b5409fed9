"""The 3D score: integrated curves, copies, mode collapse and shifts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import Evaluation
from synthwise.evaluation.three_d import integrated

Quick = Callable[..., Evaluation]


def test_integrated_score_is_one_on_the_diagonal_and_zero_at_the_extremes() -> None:
    alphas = (np.arange(20) + 0.5) / 20
    assert integrated(alphas, alphas) == 1.0
    assert integrated(np.zeros(20), alphas) == pytest.approx(0.0)
    assert integrated(np.ones(20), alphas) == pytest.approx(0.0)
    assert 0.0 < integrated(np.clip(alphas * 1.3, 0, 1), alphas) < 1.0


def test_curves_are_monotone_and_start_low(ev_disjoint: Evaluation) -> None:
    for key, curve in (("alpha_precision", "curve"), ("beta_recall", "curve")):
        c = np.array(ev_disjoint[key].details[curve])
        assert np.all(np.diff(c) >= 0) and c[0] < 0.2 and c[-1] > 0.9


def test_mode_collapse_lowers_beta_recall_not_alpha_precision(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    train = tables["train"]
    center = train[(train["default"] == "No") & (train["student"] == "No")]
    collapsed = center[(center["balance"].between(600, 900)) & center["income"].between(35_000, 45_000)]
    syn = collapsed.sample(len(train), replace=True, random_state=0).reset_index(drop=True)
    ev = quick(train, syn, metrics=["alpha_precision", "beta_recall", "coverage", "recall"])
    assert ev["beta_recall"].value < 0.5
    assert ev["coverage"].value < 0.5 and ev["recall"].value < 0.5


def test_typical_share_is_near_alpha(ev_disjoint: Evaluation, ev_copy: Evaluation) -> None:
    assert ev_disjoint["alpha_precision"].details["typical_share"] == pytest.approx(0.95, abs=0.03)
    assert ev_copy.row_flags is not None and ev_copy.row_flags["typical"].mean() == pytest.approx(
        0.95, abs=0.01
    )


def test_copies_of_duplicated_real_rows_are_not_authentic(quick: Quick) -> None:
    """Known case where a non-strict rule is lenient: each real row occurs twice, so its own nearest
    neighbour is at distance 0; a synthetic copy is also at distance 0. A tie is a copy, not authentic
    (synthcity's rule); the old ``not (d < nnd)`` rule called every copy authentic."""
    rng = np.random.default_rng(0)
    base = pd.DataFrame(
        {"a": rng.integers(0, 4, 150), "b": rng.choice(["x", "y", "z"], 150), "c": rng.integers(0, 9, 150)}
    )
    train = pd.concat([base, base], ignore_index=True)
    ev = quick(train, train.copy(), metrics=["authenticity"])
    assert ev["authenticity"].value == 0.0
