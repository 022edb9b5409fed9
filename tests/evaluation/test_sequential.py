"""Sequence metrics: real vs itself is ideal, shuffled steps raise the autocorrelation error, and a
synthetic sample is scored within the bounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import get_metric
from synthwise.evaluation.evaluate import evaluate_sequential
from synthwise.evaluation.sequential import SEQUENCE_METRICS
from synthwise.testing.sequential import small_pbcseq

FAST: dict[str, Any] = {"baselines": False, "n_bootstrap": 0}


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return small_pbcseq(120)


def _shuffled_steps(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every patient's visits keep their days, but the measurements are permuted across visits."""
    rng = np.random.default_rng(seed)
    out = df.copy()
    varying = ["bili", "albumin", "protime", "platelet", "ast", "alk.phos", "chol"]
    for _, idx in out.groupby("id").groups.items():
        rows = np.asarray(idx)
        out.loc[rows, varying] = out.loc[rng.permutation(rows), varying].to_numpy()
    return out


def test_real_against_itself_is_ideal(pbc: pd.DataFrame) -> None:
    ev = evaluate_sequential(pbc, pbc, seed=0, **FAST)
    for name in ("seq_length_similarity", "seq_marginal_similarity", "seq_gap_similarity"):
        assert ev[name].value == pytest.approx(1.0)
    assert ev["seq_autocorrelation_error"].value == pytest.approx(0.0)
    assert ev["seq_cross_correlation_error"].value == pytest.approx(0.0)
    assert ev["seq_discriminative_auc"].value == pytest.approx(0.5, abs=0.02)
    assert ev["seq_alpha_precision"].value > 0.95
    assert ev["seq_authenticity"].value == pytest.approx(0.0)


def test_shuffled_time_order_raises_autocorrelation_error(pbc: pd.DataFrame) -> None:
    ev = evaluate_sequential(pbc, _shuffled_steps(pbc), seed=0, metrics=["seq_autocorrelation_error"], **FAST)
    assert ev["seq_autocorrelation_error"].value > 0.1
    # marginals are untouched by the shuffle
    ev2 = evaluate_sequential(pbc, _shuffled_steps(pbc), seed=0, metrics=["seq_marginal_similarity"], **FAST)
    assert ev2["seq_marginal_similarity"].value == pytest.approx(1.0)


def test_synthetic_sample_scores_within_bounds_with_holdout(pbc: pd.DataFrame) -> None:
    import synthwise as sw

    ids = pbc["id"].unique()
    train, hold = pbc[pbc["id"].isin(ids[:80])], pbc[pbc["id"].isin(ids[80:])]
    gen = sw.get_generator("sequential_ar", seed=0).fit(train.reset_index(drop=True))
    syn = gen.sample(80, seed=1)
    ev = evaluate_sequential(train, syn, hold, seed=0, **FAST)
    assert {m.key for m in ev.metrics} == set(SEQUENCE_METRICS)
    for m in ev.metrics:
        lo, hi = get_metric(m.key).bounds
        assert lo <= m.value <= hi, m.key
        assert m.reference is not None, m.key
    assert ev["seq_discriminative_auc"].value < 0.8
    assert ev["seq_autocorrelation_error"].value < 0.2


def test_sequence_metrics_skip_on_plain_tables() -> None:
    from synthwise.evaluation import evaluate

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(["x", "y"], 60)})
    ev = evaluate(df, df, seed=0, metrics=list(SEQUENCE_METRICS), **FAST, row_flags=False)
    assert ev.metrics == []
    assert "not a sequential table" in ev.manifest["skipped"]["fidelity.seq_length_similarity"]
