"""A realistic, hand-made :class:`Evaluation` for previewing and testing the report without the metrics.

The numbers imitate a decent generator on a credit table (ISLR ``Default``-like columns) plus optional
extra columns, including hostile column names (markup, ampersands, quotes, unicode) so the report's
escaping is exercised. Fully determined by ``seed``.

Run ``python -m synthwise.testing.reports report.html [n_columns]`` to write the example report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise.evaluation.result import Evaluation, MetricResult, PlotData
from synthwise.random import make_rng
from synthwise.report import write_html

HOSTILE_NAMES = ("<script>alert('x')</script> & \"amount\"", "Ünïcødé 名前 ✓ <b>")
BASE_NUMERIC = ("balance", "income", "age")
BASE_CATEGORICAL = (
    ("default", ("No", "Yes")),
    ("student", ("No", "Yes")),
    ("region", ("north", "south", "east", "west", "centre", "islands")),
)


def _ks_score(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(1.0 - np.max(np.abs(cdf_a - cdf_b)))


def _numeric_marginal(rng: np.random.Generator, shift: float) -> tuple[dict[str, Any], float]:
    loc, scale = rng.uniform(-50, 500), rng.uniform(1, 120)
    real = rng.gamma(2.0, scale, 2_000) + loc
    syn = rng.gamma(2.0, scale * (1 + shift), 2_000) + loc + shift * scale
    edges = np.unique(np.quantile(real, np.linspace(0, 1, 21)))
    r, _ = np.histogram(np.clip(real, edges[0], edges[-1]), bins=edges, density=True)
    s, _ = np.histogram(np.clip(syn, edges[0], edges[-1]), bins=edges, density=True)
    spec = {"kind": "numeric", "edges": edges.tolist(), "real": r.tolist(), "synthetic": s.tolist()}
    return spec, _ks_score(real, syn)


def _categorical_marginal(
    rng: np.random.Generator, labels: tuple[str, ...], noise: float
) -> tuple[dict[str, Any], float]:
    real = rng.dirichlet(np.full(len(labels), 2.0))
    syn = np.abs(real + rng.normal(0, noise, len(labels)))
    syn = syn / syn.sum()
    spec = {"kind": "categorical", "labels": list(labels), "real": real.tolist(), "synthetic": syn.tolist()}
    return spec, float(1.0 - 0.5 * np.abs(real - syn).sum())


def _columns(n_columns: int, hostile_names: bool) -> list[tuple[str, tuple[str, ...] | None]]:
    cols: list[tuple[str, tuple[str, ...] | None]] = [(n, None) for n in BASE_NUMERIC]
    cols += [(name, labels) for name, labels in BASE_CATEGORICAL]
    if hostile_names:
        cols += [(HOSTILE_NAMES[0], None), (HOSTILE_NAMES[1], ("a<b", "b&c", '"q"', "日本"))]
    i = 0
    while len(cols) < n_columns:
        if i % 3 == 2:
            cols.append((f"cat_{i}", tuple(f"level_{k}" for k in range(2 + i % 7))))
        else:
            cols.append((f"num_{i}", None))
        i += 1
    return cols[:n_columns]


def _metrics() -> list[MetricResult]:
    """The example's metric cards, kept as data in ``example_metrics.json`` beside this module."""
    text = (Path(__file__).parent / "example_metrics.json").read_text(encoding="utf-8")
    out = []
    for row in json.loads(text):
        for key in ("bounds", "ci"):
            if key in row:
                row[key] = tuple(row[key])
        out.append(MetricResult(**row))
    return out


def example_evaluation(
    *, n_columns: int = 10, seed: int = 0, hostile_names: bool = True, n_points: int = 2_500
) -> Evaluation:
    """A complete evaluation with ``n_columns`` marginals, every plot filled and ``n_points`` per cloud."""
    rng = make_rng(seed)
    marginals: dict[str, dict[str, Any]] = {}
    scores: list[tuple[str, float]] = []
    for i, (name, labels) in enumerate(_columns(n_columns, hostile_names)):
        shift = 0.25 if i == 1 else 0.03
        spec, score = (
            _numeric_marginal(rng, shift)
            if labels is None
            else _categorical_marginal(rng, labels, 0.08 if i == 4 else 0.02)
        )
        marginals[name] = spec
        scores.append((name, score))
    names = list(marginals)
    k = len(names)
    diff = np.abs(rng.normal(0, 0.04, (k, k)))
    diff[0, 1] = 0.38
    diff = np.triu(diff, 1)
    diff = diff + diff.T
    grid = np.linspace(0, 1, 21)
    cut = sorted(
        (
            (a, b, 1 - float(diff[i, j]) / 2)
            for i, a in enumerate(names)
            for j, b in enumerate(names)
            if i < j
        ),
        key=lambda t: t[2],
    )
    centers = rng.normal(0, 3, (4, 2))
    real = centers[rng.integers(0, 4, n_points)] + rng.normal(0, 1, (n_points, 2))
    syn = 0.9 * centers[rng.integers(0, 4, n_points)] + rng.normal(0, 0.9, (n_points, 2))
    plots = PlotData(
        marginals=marginals,
        correlation_diff={"columns": names, "matrix": diff.tolist()},
        alpha_curve={
            "alpha": grid.tolist(),
            "precision": np.clip(grid + 0.06 * np.sin(np.pi * grid), 0, 1).tolist(),
        },
        beta_curve={"beta": grid.tolist(), "recall": (grid * (0.84 + 0.1 * grid)).tolist()},
        dcr={
            "synthetic_to_train": np.concatenate([np.zeros(3), rng.gamma(2.2, 0.3, 1_997)]).tolist(),
            "holdout_to_train": rng.gamma(2.4, 0.3, 1_000).tolist(),
        },
        projection={"real": real.tolist(), "synthetic": syn.tolist()},
        worst_columns=sorted(scores, key=lambda t: t[1])[:5],
        worst_pairs=cut[:5],
    )
    flags = pd.DataFrame({"typical": rng.random(n_points) < 0.94, "authentic": rng.random(n_points) < 0.97})
    manifest = {
        "synthwise": "0.1.0",
        "seed": seed,
        "generator": "cart",
        "rows": {"real": 8_000, "synthetic": n_points, "holdout": 2_000},
        "inputs": {
            "real": {"path": "default.train.csv", "sha256": "9f2c" + "0" * 60},
            "synthetic": {"path": "synthetic.csv", "sha256": "4be1" + "0" * 60},
        },
        "parameters": {"max_depth": None, "min_samples_leaf": 5},
        "versions": {"python": "3.11.7", "numpy": "1.26.4", "pandas": "2.2.2", "scikit-learn": "1.5.0"},
        "timings_s": {"embedding": 0.82, "three_d": 2.41, "detection": 3.9, "utility": 1.7, "privacy": 1.1},
    }
    return Evaluation(metrics=_metrics(), plots=plots, row_flags=flags, manifest=manifest)


def main(argv: list[str]) -> int:
    """Write :func:`example_evaluation`'s report to ``argv[0]`` (default ``report.html``), with ``argv[1]``
    columns (default 10); print the path."""
    out = argv[0] if argv else "report.html"
    n_columns = int(argv[1]) if len(argv) > 1 else 10
    print(write_html(example_evaluation(n_columns=n_columns), out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
