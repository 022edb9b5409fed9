"""The optional Anonymeter adapter: a clear error without the extra; copies score higher risk with it."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from synthwise.errors import MissingDependencyError
from synthwise.evaluation.anonymeter import anonymeter_risks

HAS_ANONYMETER = importlib.util.find_spec("anonymeter") is not None


@pytest.mark.skipif(HAS_ANONYMETER, reason="anonymeter is installed")
def test_without_the_extra_the_error_names_the_install_line(default_split) -> None:
    train, holdout = default_split
    with pytest.raises(MissingDependencyError, match=r"synthwise\[anonymeter\]"):
        anonymeter_risks(train.iloc[:50], train.iloc[:50], holdout.iloc[:50])


@pytest.mark.slow
@pytest.mark.skipif(not HAS_ANONYMETER, reason="anonymeter (synthwise[anonymeter]) is not installed")
def test_copies_carry_more_inference_risk_than_a_fresh_sample(default_split) -> None:
    train, holdout = default_split
    tr = train.iloc[:600].reset_index(drop=True)
    fresh = train.iloc[3000:3600].reset_index(drop=True)
    kw = {"secrets": ["income"], "n_attacks": 100}  # linkability works too, but numba compiles it for 8 s
    copied = {r.attack: r for r in anonymeter_risks(tr, tr, holdout.iloc[:300], **kw)}
    clean = {r.attack: r for r in anonymeter_risks(tr, fresh, holdout.iloc[:300], **kw)}
    assert set(copied) == {"singling_out", "inference:income"}
    assert copied["inference:income"].risk > clean["inference:income"].risk
    assert all(0.0 <= r.risk <= 1.0 for r in clean.values())


def test_mismatched_columns_are_refused_before_anything_runs() -> None:
    if not HAS_ANONYMETER:
        pytest.skip("anonymeter is not installed")
    a = pd.DataFrame({"x": [1, 2]})
    with pytest.raises(ValueError, match="columns"):
        anonymeter_risks(a, a.rename(columns={"x": "y"}), a)
