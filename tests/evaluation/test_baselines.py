"""The trivial baselines and the bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation.baselines import independent, perturbed_copy
from synthwise.evaluation.context import RealSide, Settings
from synthwise.evaluation.intervals import bootstrap_ci
from synthwise.evaluation.registry import Score
from synthwise.schema import infer_schema


@pytest.fixture()
def real_side(tables: dict[str, pd.DataFrame]) -> RealSide:
    train = tables["train"]
    return RealSide(train, infer_schema(train), settings=Settings(), seed=0)


def test_independent_baseline_keeps_each_column_distribution(real_side: RealSide) -> None:
    t = independent(real_side, 3000, np.random.default_rng(0))
    assert len(t) == 3000 and list(t.frame.columns) == list(real_side.train.frame.columns)
    real_students = (real_side.train.frame["student"] == "Yes").mean()
    assert (t.frame["student"] == "Yes").mean() == pytest.approx(real_students, abs=0.03)
    assert t.frame["balance"].isin(real_side.train.frame["balance"]).all()


def test_perturbed_copy_replaces_a_tenth_of_the_values(real_side: RealSide) -> None:
    t = perturbed_copy(real_side, len(real_side.train), np.random.default_rng(0))
    cols = ["balance", "income"]  # continuous: a replaced value differs from the original
    merged = t.frame[cols].merge(real_side.train.frame[cols].drop_duplicates(), how="left", indicator=True)
    untouched = (merged["_merge"] == "both").mean()
    assert untouched == pytest.approx(0.9**2, abs=0.04)


def test_bootstrap_interval_is_seeded_and_contains_the_value() -> None:
    rows = np.random.default_rng(0).random(500)
    score = Score(float(rows.mean()), rows=rows)
    a = bootstrap_ci(score, np.random.default_rng(1), n_resamples=100, level=0.95)
    b = bootstrap_ci(score, np.random.default_rng(1), n_resamples=100, level=0.95)
    assert a == b and a is not None and a[0] < score.value < a[1]
    assert a[1] - a[0] == pytest.approx(2 * 1.96 * rows.std() / np.sqrt(500), rel=0.3)
    assert bootstrap_ci(Score(0.5), np.random.default_rng(1), n_resamples=100, level=0.95) is None


def test_baselines_keep_a_number_and_its_special_code_together() -> None:
    """A numeric column with special codes has a side channel among the codes: the baselines draw it
    from the same source row as its column (a table of this kind crashed the evaluation before)."""
    rng = np.random.default_rng(0)
    values = rng.normal(50, 10, 400).round(1).astype(object)
    values[rng.random(400) < 0.1] = "unknown"
    train = pd.DataFrame({"score": values, "group": rng.choice(["a", "b"], 400)})
    side = RealSide(train, infer_schema(train), settings=Settings(), seed=0)
    assert any(c.endswith("::special") for c in side.train.codes.columns)
    pairs = ["score", "score::special"]
    real_pairs = set(map(tuple, side.train.codes[pairs].fillna(-1).to_numpy().tolist()))
    for build in (independent, perturbed_copy):
        t = build(side, 300, np.random.default_rng(1))
        assert set(map(tuple, t.codes[pairs].fillna(-1).to_numpy().tolist())) <= real_pairs


def test_baselines_are_as_large_as_the_synthetic_table_up_to_a_cap() -> None:
    from synthwise.evaluation.baselines import MAX_ROWS, baseline_rows

    assert baseline_rows(1_234) == 1_234
    assert baseline_rows(MAX_ROWS) == MAX_ROWS
    assert baseline_rows(5_000_000) == MAX_ROWS
