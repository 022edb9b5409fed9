"""Validity: kinds, categories, ranges, missing values."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import Evaluation

Quick = Callable[..., Evaluation]


def test_each_broken_rule_makes_a_row_invalid(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    syn = tables["disjoint"].iloc[:100].copy().astype({"balance": object})
    syn.loc[0, "student"] = "Maybe"  # unseen category
    syn.loc[1, "balance"] = "lots"  # not a number
    syn.loc[2, "income"] = 10 * tables["train"]["income"].max()  # out of range
    syn.loc[3, "default"] = np.nan  # missing where the real column has none
    ev = quick(tables["train"], syn, metrics=["valid_rows"])
    assert ev["valid_rows"].value == pytest.approx(0.96)
    assert ev["valid_rows"].details["failures_by_column"] == {
        "default": 1,
        "student": 1,
        "balance": 1,
        "income": 1,
    }


def test_valid_flags_mark_the_broken_rows(tables: dict[str, pd.DataFrame]) -> None:
    from synthwise.evaluation import evaluate

    syn = tables["disjoint"].iloc[:50].copy()
    syn.loc[7, "student"] = "Maybe"
    ev = evaluate(tables["train"], syn, metrics=["valid_rows"], baselines=False, n_bootstrap=0)
    assert ev.row_flags is not None
    assert list(np.flatnonzero(~ev.row_flags["valid"].to_numpy())) == [7]
