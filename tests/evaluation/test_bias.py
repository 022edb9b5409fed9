"""Bias: group shares and the target within groups."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from synthwise.evaluation import Evaluation

Quick = Callable[..., Evaluation]


def test_group_shares_and_target_rates(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    train = tables["train"]
    syn = tables["disjoint"].copy()
    students = syn["student"] == "Yes"
    syn.loc[students, "default"] = "Yes"  # every student defaults in the synthetic data
    ev = quick(train, syn, target="default", sensitive="student", metrics=["bias"])
    assert ev["group_shares"].value > 0.95
    groups = ev["target_by_group"].details["groups"]
    assert groups["Yes"]["synthetic_rate"] == 1.0 and groups["Yes"]["real_rate"] < 0.1
    assert ev["target_by_group"].value == pytest.approx(1 - groups["Yes"]["gap"])
    assert ev["group_shares"].details["groups"] == ["No", "Yes"]


def test_numeric_sensitive_column_is_cut_into_quintiles(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    ev = quick(tables["train"], tables["disjoint"], sensitive="income", metrics=["group_shares"])
    assert len(ev["group_shares"].details["groups"]) == 5
    assert ev["group_shares"].value > 0.9
