"""Small real tables (ISLR Default) and shared evaluations for the evaluation tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import Evaluation, evaluate, list_metrics
from synthwise.evaluation.registry import BUILTIN_MODULES

N_TRAIN = 1500
N_HOLDOUT = 750
# the metrics of this package's own modules (other packages may register more in the same process)
BUILTIN = [s.key for s in list_metrics() if s.func.__module__ in BUILTIN_MODULES]


@pytest.fixture(scope="session")
def tables(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """train, holdout, a disjoint real sample, independently shuffled columns, shifted numerics."""
    full, hold = default_split
    train = full.iloc[:N_TRAIN].reset_index(drop=True)
    disjoint = full.iloc[N_TRAIN : 2 * N_TRAIN].reset_index(drop=True)
    rng = np.random.default_rng(0)
    independent = pd.DataFrame(
        {c: disjoint[c].to_numpy()[rng.permutation(N_TRAIN)] for c in disjoint.columns}
    )
    shifted = disjoint.copy()
    for c in ("balance", "income"):
        shifted[c] = shifted[c] + 1.5 * train[c].std()
    return {
        "train": train,
        "holdout": hold.iloc[:N_HOLDOUT].reset_index(drop=True),
        "disjoint": disjoint,
        "independent": independent,
        "shifted": shifted,
    }


def _quick(
    real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, **kw: Any
) -> Evaluation:
    """An evaluation without baselines, intervals or row flags (fast)."""
    opts: dict[str, Any] = {"baselines": False, "n_bootstrap": 0, "row_flags": False}
    opts.update(kw)
    return evaluate(real, synthetic, holdout, **opts)


@pytest.fixture(scope="session")
def quick() -> Callable[..., Evaluation]:
    """``quick(real, synthetic, holdout=None, **evaluate_kwargs)``: evaluate without the slow extras."""
    return _quick


@pytest.fixture(scope="session")
def ev_copy(tables: dict[str, pd.DataFrame]) -> Evaluation:
    """synthetic = the train itself: the memorization known case (full evaluation)."""
    return evaluate(
        tables["train"],
        tables["train"],
        tables["holdout"],
        target="default",
        sensitive="student",
        n_bootstrap=50,
    )


@pytest.fixture(scope="session")
def ev_disjoint(tables: dict[str, pd.DataFrame]) -> Evaluation:
    """synthetic = a disjoint real sample: what a perfect generator gives (full evaluation)."""
    return evaluate(
        tables["train"],
        tables["disjoint"],
        tables["holdout"],
        target="default",
        sensitive="student",
        n_bootstrap=50,
    )


@pytest.fixture(scope="session")
def ev_independent(tables: dict[str, pd.DataFrame]) -> Evaluation:
    return _quick(tables["train"], tables["independent"], tables["holdout"], target="default")
