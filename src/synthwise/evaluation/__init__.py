"""Evaluation of synthetic data: the 3D score, PRDC, marginals, pairs, detection, utility, privacy,
validity and bias, each with its ideal, a holdout reference, trivial baselines and bootstrap intervals.

>>> ev = evaluate(train, synthetic, holdout=holdout, target="default", seed=0)  # doctest: +SKIP
>>> ev.three_d, ev["authenticity"].value, ev.to_json("report.json")  # doctest: +SKIP

An :class:`Evaluator` prepares the real side once and judges several synthetic tables against it:

>>> judge = Evaluator(train, holdout=holdout, target="default", seed=0)  # doctest: +SKIP
>>> before, after = judge.evaluate(synthetic), judge.evaluate(filtered)  # doctest: +SKIP
"""

from synthwise.evaluation.context import Settings
from synthwise.evaluation.embed import Embedding, TabularEmbedding
from synthwise.evaluation.evaluate import evaluate, evaluate_sequential
from synthwise.evaluation.evaluator import Evaluator
from synthwise.evaluation.inputs import Input, load_input
from synthwise.evaluation.registry import MetricSpec, Score, Skip, get_metric, list_metrics, metric
from synthwise.evaluation.result import GROUPS, Evaluation, MetricResult, PlotData

__all__ = [
    "GROUPS",
    "Embedding",
    "Evaluation",
    "Evaluator",
    "Input",
    "MetricResult",
    "MetricSpec",
    "PlotData",
    "Score",
    "Settings",
    "Skip",
    "TabularEmbedding",
    "evaluate",
    "evaluate_sequential",
    "get_metric",
    "list_metrics",
    "load_input",
    "metric",
]
