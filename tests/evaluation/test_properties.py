"""Property tests: every score within its bounds, and independent of row order, for random tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthwise.evaluation import evaluate
from synthwise.evaluation.registry import in_bounds

# everything but the model-based metrics (their values are ROC-AUCs / rates by construction)
METRICS = [
    "alpha_precision",
    "beta_recall",
    "authenticity",
    "precision",
    "recall",
    "density",
    "coverage",
    "marginals",
    "marginals_worst",
    "pairs",
    "pairs_worst",
    "privacy",
    "validity",
    "bias",
]


@st.composite
def table_triple(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Real, synthetic and holdout tables: numerics (maybe discrete, missing, shifted), a categorical."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_real, n_syn, n_hold = draw(st.integers(6, 40)), draw(st.integers(3, 40)), draw(st.integers(4, 20))
    discrete = draw(st.booleans())
    missing = draw(st.sampled_from([0.0, 0.2]))
    shift = draw(st.sampled_from([0.0, 0.5, 5.0]))
    copies = draw(st.sampled_from([0.0, 0.5, 1.0]))
    rng = np.random.default_rng(seed)

    def make(n: int, delta: float) -> pd.DataFrame:
        x = rng.normal(delta, 1.0, n)
        y = x + rng.normal(0, 1.0, n)
        if discrete:
            x, y = np.round(x), np.round(y)
        c = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
        df = pd.DataFrame({"x": x, "y": y, "c": c})
        if missing:
            df.loc[rng.random(n) < missing, "y"] = np.nan
            df.loc[0, "y"] = 1.0  # never all missing
        return df

    real, holdout = make(n_real, 0.0), make(n_hold, 0.0)
    syn = make(n_syn, shift)
    k = int(copies * n_syn)
    if k:
        syn.iloc[:k] = real.sample(k, replace=True, random_state=seed % 1000).to_numpy()
        syn = syn.astype({"x": float, "y": float})
    return real, syn, holdout


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_triple())
def test_every_score_stays_within_its_bounds(data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    real, syn, hold = data
    ev = evaluate(real, syn, hold, sensitive="c", metrics=METRICS, baselines=False, n_bootstrap=5)
    assert ev.metrics
    for m in ev.metrics:
        assert in_bounds(m.value, m.bounds), (m.key, m.value)
        assert m.reference is None or in_bounds(m.reference, m.bounds), (m.key, m.reference)
        assert m.ci is None or m.ci[0] <= m.value <= m.ci[1], m.key
    assert ev.row_flags is not None and len(ev.row_flags) == len(syn)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_triple(), st.integers(0, 1000))
def test_scores_do_not_depend_on_row_order(
    data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], seed: int
) -> None:
    real, syn, hold = data
    rng = np.random.default_rng(seed)
    shuffled = [df.iloc[rng.permutation(len(df))] for df in (real, syn, hold)]
    kw: dict[str, Any] = {
        "sensitive": "c",
        "metrics": METRICS,
        "baselines": False,
        "n_bootstrap": 0,
        "row_flags": False,
    }
    a = evaluate(real, syn, hold, **kw)
    b = evaluate(*shuffled, **kw)
    assert a.scores.keys() == b.scores.keys()
    for key, value in a.scores.items():
        assert abs(b.scores[key] - value) < 1e-9, key
