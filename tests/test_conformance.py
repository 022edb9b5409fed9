"""Every registered generator keeps the contract its capabilities call for: sequential generators
``check_sequential_generator`` on pbcseq, the others ``check_generator`` (on a spec's table for a
generator that needs a spec). Every registered metric keeps its own (``check_metric``)."""

from __future__ import annotations

import pytest

from synthwise.errors import MissingDependencyError
from synthwise.evaluation import list_metrics
from synthwise.generators import get, names
from synthwise.testing import check_generator, check_metric, check_sequential_generator, small_pbcseq


@pytest.mark.parametrize("name", names())
def test_generator_conformance(name: str) -> None:
    try:
        cls = get(name)
    except MissingDependencyError:
        pytest.skip(f"{name}: optional extra not installed")
    if cls.capabilities.data == "sequential":
        check_sequential_generator(name, small_pbcseq(60), entity="id", sequence_index="day")
    else:
        check_generator(name)


@pytest.mark.parametrize("metric", [spec.key for spec in list_metrics()])
def test_metric_conformance(metric: str) -> None:
    check_metric(metric)
