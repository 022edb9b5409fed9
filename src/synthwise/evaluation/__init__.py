"""Evaluation of synthetic data: the 3D score, PRDC, marginals, pairs, detection, utility, privacy,
validity and bias, each with its ideal, a holdout reference, trivial baselines and bootstrap intervals.

>>> ev = evaluate(train, synthetic, holdout=holdout, target="default", seed=0)  # doctest: +SKIP
>>> ev.three_d, ev["authenticity"].value, ev.to_json("report.json")  # doctest: +SKIP
"""

from synthwise.evaluation.context import Settings
from synthwise.evaluation.embed import Embedding, TabularEmbedding
from synthwise.evaluation.evaluate import evaluate
from synthwise.evaluation.registry import MetricSpec, Score, Skip, get_metric, list_metrics, metric
from synthwise.evaluation.result import GROUPS, Evaluation, MetricResult, PlotData

__all__ = [
    "GROUPS",
    "Embedding",
    "Evaluation",
    "MetricResult",
    "MetricSpec",
    "PlotData",
    "Score",
    "Settings",
    "Skip",
    "TabularEmbedding",
    "evaluate",
    "get_metric",
    "list_metrics",
    "metric",
]
