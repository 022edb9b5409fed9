"""check_metric catches the broken metrics it is there for (specs built here, never registered)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from synthwise.evaluation import MetricSpec, Skip, get_metric
from synthwise.evaluation.context import Context
from synthwise.testing import check_metric


def _broken(base: str, **changes: object) -> MetricSpec:
    return replace(get_metric(base), **changes)  # type: ignore[arg-type]


def test_a_sound_metric_passes() -> None:
    check_metric(get_metric("exact_copies"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (_broken("exact_copies", ideal=2.0), "outside bounds"),
        (
            _broken("exact_copies", direction="maximize", ideal=0.0),
            "maximized, yet the ideal is the lower bound",
        ),
        (_broken("marginals", func=lambda ctx: 1.5), "outside"),
        (_broken("nndr", func=lambda ctx: 0.9), "is not flagged"),
        (_broken("marginals", func=lambda ctx: 0.97), "neither noise nor collapse"),
        (
            _broken("marginals", func=lambda ctx: 1.0 if ctx.label == "reference" else 0.3),
            "far from the reference",
        ),
    ],
    ids=["ideal-outside", "direction", "bounds", "copy", "degradation", "independent"],
)
def test_a_broken_metric_fails_with_the_rule_it_breaks(spec: MetricSpec, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_metric(spec)


def test_a_metric_that_breaks_on_missing_values_fails() -> None:
    marginals = get_metric("marginals").func

    def fragile(ctx: Context) -> object:
        if ctx.synthetic.frame.isna().to_numpy().any():
            return float("nan")
        return marginals(ctx)

    with pytest.raises(AssertionError, match="with missing values"):
        check_metric(_broken("marginals", func=fragile))


def test_a_metric_skipped_on_every_table_fails() -> None:
    def never(ctx: Context) -> float:
        raise Skip("never applies")

    with pytest.raises(AssertionError, match="skipped on every conformance table"):
        check_metric(_broken("marginals", func=never))
