"""PRDC on known cases."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from synthwise.evaluation import Evaluation

Quick = Callable[..., Evaluation]


def test_fresh_sample_scores_near_ideal(ev_disjoint: Evaluation) -> None:
    assert ev_disjoint["precision"].value > 0.9 and ev_disjoint["recall"].value > 0.9
    assert ev_disjoint["coverage"].value > 0.9
    assert ev_disjoint["density"].value == pytest.approx(1.0, abs=0.15)
    assert ev_disjoint["precision"].details["k"] == 5


def test_k_is_configurable(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    ev = quick(tables["train"].iloc[:400], tables["disjoint"].iloc[:400], metrics=["coverage"], k=2)
    assert ev["coverage"].details["k"] == 2


def test_far_away_rows_have_no_precision(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    far = tables["disjoint"].iloc[:400].assign(balance=1e6, income=1e7)
    ev = quick(tables["train"].iloc[:400], far, metrics=["precision", "density", "coverage"])
    assert ev["precision"].value == 0.0 and ev["density"].value == 0.0 and ev["coverage"].value == 0.0
