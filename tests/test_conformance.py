"""Every registered generator keeps the contract its capabilities call for: sequential generators
``check_sequential_generator`` on pbcseq, the others ``check_generator`` (on a spec's table for a
generator that needs a spec), and every tabular generator learns ``kinds_table()``, one table with every
kind real tables hold. Every registered metric keeps its own (``check_metric``)."""

from __future__ import annotations

import pytest

from synthwise.errors import MissingDependencyError
from synthwise.evaluation import list_metrics
from synthwise.generators import get, names
from synthwise.schema import Schema, infer_schema
from synthwise.testing import (
    check_generator,
    check_metric,
    check_sequential_generator,
    kinds_table,
    small_pbcseq,
    tabular_generator,
)


@pytest.mark.parametrize("name", names())
def test_generator_conformance(name: str) -> None:
    try:
        cls = get(name)
    except MissingDependencyError:
        pytest.skip(f"{name}: optional extra not installed")
    if cls.capabilities.data == "sequential":
        check_sequential_generator(name, small_pbcseq(60), entity="id", sequence_index="day")
    elif cls.capabilities.data == "image":
        from synthwise.testing.images import check_image_generator

        check_image_generator(name)
    else:
        check_generator(name)


@pytest.mark.parametrize("name", names())
def test_every_generator_learns_every_kind(name: str) -> None:
    """Issue 13: special codes, formatted numbers, word booleans, odd datetimes, times of day, long tails,
    codes, keys, row indexes, text, PII, mostly-missing and single-value columns, in one table."""
    cls = tabular_generator(name)
    df = kinds_table()
    params = {"target": "group"} if "target" in cls._param_names() else {}
    if cls.capabilities.differential_privacy:  # free text: public filler text under DP
        public = Schema(columns=infer_schema(df).columns, n_rows=0)  # declared public, as a user would
        check_generator(name, df, params=params, schema=public)
    else:
        check_generator(name, df, params=params)


@pytest.mark.parametrize("metric", [spec.key for spec in list_metrics()])
def test_metric_conformance(metric: str) -> None:
    check_metric(metric)


@pytest.mark.parametrize("name", names())
def test_privacy_knob_on_every_generator_that_learns_real_rows(name: str) -> None:
    """Issue 14: every tabular generator that learns from real rows takes ``privacy``, except where it
    would mean nothing: DP generators (epsilon is their knob), ``bootstrap`` (it emits real rows by
    definition) and the SMOTE family (rows between real neighbours by definition: under the guard most
    draws are rejected and what is left leans to outlying rows; on the conformance table the missing
    rate of a column doubled). Under ``"strict"`` the contract holds: deterministic, the guard kept in
    model files."""
    cls = tabular_generator(name)
    caps = cls.capabilities
    takes = "privacy" in cls._param_names()
    if caps.differential_privacy or caps.needs_spec or name == "bootstrap" or "target" in cls._param_names():
        assert not takes, f"{name}: the privacy guard would break what this generator promises"
        return
    assert takes, f"{name}: a generator that learns real rows must take the privacy knob"
    check_generator(name, params={"privacy": "strict"})
