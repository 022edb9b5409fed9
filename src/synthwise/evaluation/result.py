"""Result objects of an evaluation: one :class:`MetricResult` per metric, gathered in an :class:`Evaluation`.

These are the contract between the metrics (which fill them), the report (which draws them:
``synthwise.report.write_html``), the gate (which checks them) and the JSON manifest. Plain
dataclasses; every array is a list or numpy array that ``to_dict`` turns into JSON.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Direction = Literal["maximize", "minimize", "target"]
GROUPS = ("fidelity", "diversity", "memorization", "utility", "privacy", "bias", "validity")


@dataclass(frozen=True)
class MetricResult:
    """One metric's value with what it means.

    ``ideal`` is the best possible value (for ``direction="target"``, the value to be close to, e.g. a
    detection AUC of 0.5). ``reference`` is the same metric computed for the real holdout against the
    real train ("what a perfect generator would score"), when a holdout is given. ``ci`` is a bootstrap
    confidence interval (low, high) where computed. ``saturated`` is True when a trivial baseline scores
    as well as the synthetic data on this metric, so it cannot tell them apart.
    """

    group: str
    name: str
    value: float
    ideal: float
    bounds: tuple[float, float] = (0.0, 1.0)
    direction: Direction = "maximize"
    reference: float | None = None
    ci: tuple[float, float] | None = None
    baselines: dict[str, float] = field(default_factory=dict)  # {"independent": v, "perturbed_copy": v}
    saturated: bool = False
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The full name, ``group.name`` (e.g. ``fidelity.alpha_precision``)."""
        return f"{self.group}.{self.name}"


@dataclass
class PlotData:
    """What the report draws; each field is optional (None when not computed)."""

    marginals: dict[str, dict[str, Any]] = field(default_factory=dict)
    # per column: {"kind": "numeric", "edges": [...], "real": [...], "synthetic": [...]} (densities)
    #          or {"kind": "categorical", "labels": [...], "real": [...], "synthetic": [...]} (shares)
    correlation_diff: dict[str, Any] | None = None  # {"columns": [...], "matrix": [[...]]} |real - synth|
    alpha_curve: dict[str, list[float]] | None = None  # {"alpha": [...], "precision": [...]}
    beta_curve: dict[str, list[float]] | None = None  # {"beta": [...], "recall": [...]}
    dcr: dict[str, list[float]] | None = None  # {"synthetic_to_train": [...], "holdout_to_train": [...]}
    projection: dict[str, list[list[float]]] | None = None  # {"real": [[x, y], ...], "synthetic": [...]}
    worst_columns: list[tuple[str, float]] = field(default_factory=list)
    worst_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    text: dict[str, Any] = field(default_factory=dict)
    # per text column: {"length": hist, "bigrams": shares, "samples": [...], "near_copies": [...]};
    # "_three_d": the text 3D scores (MiniLM); see synthwise.evaluation.text_metrics.text_plot


@dataclass
class Evaluation:
    """Everything one evaluation measured."""

    metrics: list[MetricResult]
    plots: PlotData = field(default_factory=PlotData)
    row_flags: pd.DataFrame | None = None  # one row per synthetic row: typical, authentic (bool)
    manifest: dict[str, Any] = field(default_factory=dict)  # inputs' hashes, rows, versions, seed, timings

    @property
    def scores(self) -> dict[str, float]:
        """Flat ``{"group.name": value}``."""
        return {m.key: m.value for m in self.metrics}

    def __getitem__(self, key: str) -> MetricResult:
        for m in self.metrics:
            if key in (m.key, m.name):
                return m
        raise KeyError(key)

    def get(self, key: str) -> MetricResult | None:
        try:
            return self[key]
        except KeyError:
            return None

    @property
    def three_d(self) -> dict[str, float]:
        """fidelity (alpha-precision), diversity (beta-recall), memorization (authenticity)."""
        out = {}
        for label, key in (
            ("fidelity", "fidelity.alpha_precision"),
            ("diversity", "diversity.beta_recall"),
            ("memorization", "memorization.authenticity"),
        ):
            m = self.get(key)
            if m is not None:
                out[label] = m.value
        return out

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "group": m.group,
                "name": m.name,
                "value": m.value,
                "ideal": m.ideal,
                "reference": m.reference,
                "ci_low": m.ci[0] if m.ci else None,
                "ci_high": m.ci[1] if m.ci else None,
                "saturated": m.saturated,
            }
            for m in self.metrics
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "scores": self.scores,
                "metrics": [asdict(m) | {"key": m.key} for m in self.metrics],
                "plots": asdict(self.plots),
                "manifest": self.manifest,
            }
        )

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        if path is not None:
            from synthwise.io import write_text

            write_text(text + "\n", path)
        return text


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
