"""Privacy metrics on known cases: copies, fresh rows and a mix."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from synthwise.evaluation import Evaluation

Quick = Callable[..., Evaluation]


def test_dcr_share_grows_with_the_share_of_copies(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    train, fresh = tables["train"], tables["disjoint"]
    half = pd.concat([train.iloc[:750], fresh.iloc[:750]], ignore_index=True)
    ev = quick(train, half, tables["holdout"], metrics=["privacy"])
    assert ev["exact_copies"].value == pytest.approx(0.5)
    assert 0.6 < ev["dcr_share"].value < 0.95
    assert ev["mia_auc"].value > 0.6
    assert ev["dcr_share"].details["train_rows"] == len(train)


def test_holdout_reference_shows_the_natural_copy_rate(ev_disjoint: Evaluation, ev_copy: Evaluation) -> None:
    assert ev_copy["exact_copies"].reference == 0.0
    assert ev_disjoint["nndr"].reference == pytest.approx(ev_disjoint["nndr"].value, abs=0.05)
    assert ev_disjoint["dcr_share"].reference == pytest.approx(0.5, abs=0.08)
