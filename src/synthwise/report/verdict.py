"""Plain-language verdicts for metric values: good / fair / poor, and why.

The rule is deliberately simple and printed in the report so a reader can check it:

* the gap is ``|value - ideal|`` divided by the width of the metric's bounds (or by ``max(1, |ideal|)``
  when the bounds are not finite);
* with a holdout reference, what counts is the gap *beyond* the reference's own gap (a perfect generator
  scores like the holdout, not like the ideal): at most 0.02 is good, at most 0.10 fair, more is poor;
* without a reference: a gap of at most 0.10 is good, at most 0.25 fair, more is poor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from synthwise.evaluation.result import MetricResult
from synthwise.report.svg import fmt, is_number

BASELINE_NAMES = {
    "independent": "independent-marginals resample",
    "perturbed_copy": "perturbed copy of the train (10% of values replaced)",
}

RULE = (
    "Verdicts compare each value with its ideal, scaled by the metric's range. Where a holdout reference "
    "exists, only the gap beyond the holdout's own gap counts (good ≤ 0.02, fair ≤ 0.10); otherwise the gap "
    "itself (good ≤ 0.10, fair ≤ 0.25)."
)


@dataclass(frozen=True)
class Verdict:
    """``level`` is ``good``, ``fair``, ``poor`` or ``unknown``; ``reason`` says why in one sentence."""

    level: str
    reason: str


def _width(m: MetricResult) -> float:
    lo, hi = (float(b) if is_number(b) else math.nan for b in m.bounds)
    if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        return hi - lo
    return max(1.0, abs(float(m.ideal))) if is_number(m.ideal) else 1.0


def judge(m: MetricResult) -> Verdict:
    """The verdict on one metric (see the module docstring for the rule)."""
    if not (is_number(m.value) and is_number(m.ideal)):
        return Verdict("unknown", "No value to judge.")
    width = _width(m)
    gap = abs(float(m.value) - float(m.ideal)) / width
    if is_number(m.reference):
        ref_gap = abs(float(m.reference) - float(m.ideal)) / width  # type: ignore[arg-type]
        excess = gap - ref_gap
        if excess <= 0.02:
            return Verdict("good", f"On par with the real holdout ({fmt(m.reference)}).")
        level = "fair" if excess <= 0.10 else "poor"
        return Verdict(
            level, f"{fmt(excess * width)} further from the ideal than the real holdout ({fmt(m.reference)})."
        )
    if gap <= 0.10:
        return Verdict("good", f"Within {fmt(gap * width)} of the ideal {fmt(m.ideal)}.")
    level = "fair" if gap <= 0.25 else "poor"
    return Verdict(level, f"{fmt(gap * width)} away from the ideal {fmt(m.ideal)}.")


def saturation_note(m: MetricResult) -> str:
    """Why a metric is marked saturated, naming the baselines and their scores."""
    scores = [
        f"{BASELINE_NAMES.get(name, name)}: {fmt(value)}"
        for name, value in sorted(m.baselines.items())
        if is_number(value)
    ]
    listed = f" ({'; '.join(scores)})" if scores else ""
    return (
        f"Saturated: a trivial baseline{listed} scores as well as the synthetic data ({fmt(m.value)}), "
        "so this metric cannot tell good synthetic data from a trivial one. Read it with care."
    )
