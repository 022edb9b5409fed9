"""A table with a time-of-day column and a text datetime learns with every registered tabular generator
(the DP ones with a public schema, as a DP generator needs a public domain for it) and evaluate() scores it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from synthwise.errors import MissingDependencyError
from synthwise.evaluation import evaluate
from synthwise.generators import create, get, names
from synthwise.schema import infer_schema
from synthwise.schema.datetimes import detect, format_datetimes
from synthwise.testing import check_generator
from synthwise.testing.generators import mixed_table

DP = ("mst", "dp_ar")


def _table() -> pd.DataFrame:
    df = mixed_table().drop(columns=["id"])
    rng = np.random.default_rng(1)
    secs = rng.integers(0, 400 * 86_400, len(df))
    ts = pd.Series(pd.Timestamp("2017-01-01") + pd.to_timedelta(secs, unit="s"))
    df["clock"] = format_datetimes(ts, "%-I:%M %p")
    df["stamp"] = format_datetimes(ts, "%Y/%m/%d %H:%M:%S")
    df.loc[::17, "clock"] = np.nan
    return df


def _tabular() -> list[str]:
    out = []
    for name in names():
        try:
            cls = get(name)
        except MissingDependencyError:
            continue
        if cls.capabilities.data == "tabular" and not cls.capabilities.needs_spec and name not in DP:
            out.append(name)
    return out


def _written_like_the_input(out: pd.DataFrame, df: pd.DataFrame) -> None:
    schema = infer_schema(df)
    for name in ("clock", "stamp"):
        found = detect(out[name].dropna())
        assert found is not None and found.fmt == schema[name].datetime_format and found.exact == 1.0
    assert schema["clock"].kind == "time"


@pytest.mark.parametrize("name", _tabular())
def test_every_tabular_generator_learns_a_time_column(name: str) -> None:
    df = _table()
    check_generator(name, df)
    gen = create(name, seed=0, **_fast(name)).fit(df)
    _written_like_the_input(gen.sample(100, seed=1), df)


@pytest.mark.parametrize("name", DP)
def test_dp_generators_learn_a_time_column_with_a_public_schema(name: str) -> None:
    df = _table()
    public = replace(infer_schema(df), n_rows=0)
    gen = create(name, seed=0, **_fast(name)).fit(df, public)  # epsilon 1000: releases all
    out = gen.sample(200, seed=1)
    _written_like_the_input(out, df)
    secs = pd.to_datetime(out["clock"].dropna(), format="%I:%M %p")
    assert secs.dt.hour.nunique() > 5


def test_evaluate_scores_a_time_column() -> None:
    df = _table()
    gen = create("cart", seed=0).fit(df.iloc[:240])
    ev = evaluate(
        df.iloc[:240], gen.sample(240, seed=1), df.iloc[240:], baselines=False, n_bootstrap=0, row_flags=False
    )
    assert ev.scores
    marginal = [k for k in ev.scores if "marginal" in k or "fidelity" in k]
    assert marginal and all(np.isfinite(ev.scores[k]) for k in marginal)


def _fast(name: str) -> dict[str, object]:
    from synthwise.testing.generators import _fast_params

    return _fast_params(name)
