"""The flat registry of metrics: plain functions registered with ``@metric(name, group, direction, bounds)``.

A metric function takes one :class:`~synthwise.evaluation.context.Context` (the real train, one table to
judge against it, and an optional holdout) and returns a float or a :class:`Score`. Its full name is
``group.name`` (``fidelity.alpha_precision``); short names are unique too, so the gate accepts either.
A metric that cannot be computed for the data at hand (no numeric pair, a single class) raises
:class:`Skip` with the reason; it is then left out of the evaluation and the reason recorded.

Adding a metric is one function plus the decorator, in the module of its group. The registry imports
every built-in metric module itself (``BUILTIN_MODULES``, then ``SEQUENCE_MODULES``) before it answers,
so the metrics a call sees never depend on what was imported before. A ``sequential`` metric (the
``seq_*`` metrics) applies only to a table with an entity or a sequence index: the default selection
leaves it out for a plain table.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from synthwise.errors import InvalidParameterError
from synthwise.evaluation.result import GROUPS, Direction

if TYPE_CHECKING:
    from synthwise.evaluation.context import Context

NEEDS = ("holdout", "target", "sensitive")


class Skip(Exception):
    """Raised by a metric that does not apply to the data at hand; the message says why."""


@dataclass
class Score:
    """What a metric function returns.

    ``rows`` (optional) holds per-row contributions, one row per sampled unit, and
    ``aggregate(rows, weights)`` turns them back into the value given a count per row (all ones for the
    value itself; default: the weighted mean over axis 0). With them the evaluation computes a bootstrap
    confidence interval by reweighting rows, without refitting anything. ``reference`` overrides the
    holdout reference where the metric has a better one (utility: train on real).
    """

    value: float
    details: dict[str, Any] = field(default_factory=dict)
    rows: np.ndarray | None = None
    aggregate: Callable[[np.ndarray, np.ndarray], float] | None = None
    reference: float | None = None

    def recompute(self, weights: np.ndarray) -> float:
        """The value for rows counted ``weights`` times (a bootstrap resample, as counts)."""
        assert self.rows is not None
        if self.aggregate is not None:
            return float(self.aggregate(self.rows, weights))
        return float(np.mean(weighted_mean(self.rows, weights)))


def weighted_mean(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Column means of ``rows`` with each row counted ``weights`` times."""
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(w @ np.asarray(rows, dtype=np.float64) / max(w.sum(), 1e-300))


MetricFn = Callable[["Context"], "float | Score"]


@dataclass(frozen=True)
class MetricSpec:
    """One registered metric: its function and what it means."""

    name: str
    group: str
    direction: Direction
    bounds: tuple[float, float]
    ideal: float
    func: MetricFn
    needs: frozenset[str] = frozenset()
    description: str = ""
    sequential: bool = False

    @property
    def key(self) -> str:
        return f"{self.group}.{self.name}"

    def applicable(self, available: Iterable[str]) -> str | None:
        """None when the metric can run with the ``available`` inputs, else the reason it cannot."""
        missing = sorted(self.needs - set(available))
        if not missing:
            return None
        hints = {"holdout": "--holdout", "target": "--target", "sensitive": "--sensitive"}
        return "needs " + " and ".join(f"{m} ({hints[m]})" for m in missing)

    def is_better_or_equal(self, candidate: float, value: float, *, tol: float = 1e-9) -> bool:
        """True when ``candidate`` is at least as good as ``value`` on this metric."""
        if self.direction == "maximize":
            return candidate >= value - tol
        if self.direction == "minimize":
            return candidate <= value + tol
        return abs(candidate - self.ideal) <= abs(value - self.ideal) + tol


_REGISTRY: dict[str, MetricSpec] = {}
BUILTIN_MODULES = (
    "synthwise.evaluation.three_d",
    "synthwise.evaluation.prdc",
    "synthwise.evaluation.marginals",
    "synthwise.evaluation.pairs",
    "synthwise.evaluation.detection",
    "synthwise.evaluation.utility",
    "synthwise.evaluation.privacy",
    "synthwise.evaluation.validity",
    "synthwise.evaluation.bias",
    "synthwise.evaluation.risk",
    "synthwise.evaluation.tails",
    "synthwise.evaluation.text_metrics",
)
SEQUENCE_MODULES = ("synthwise.evaluation.sequential",)


def metric(
    name: str,
    group: str,
    direction: Direction = "maximize",
    bounds: tuple[float, float] = (0.0, 1.0),
    *,
    ideal: float | None = None,
    needs: Iterable[str] = (),
    sequential: bool = False,
) -> Callable[[MetricFn], MetricFn]:
    """Register a metric function under ``group.name``.

    ``ideal`` defaults to the upper bound for ``maximize`` and the lower bound for ``minimize``; a
    ``target`` metric must name it. ``needs`` lists the inputs it requires: holdout, target, sensitive.
    ``sequential``: the metric measures sequences (it applies only to a table with sequence roles).
    """
    if group not in GROUPS:
        raise InvalidParameterError.expected("group", "metric", f"one of {GROUPS}", group)
    if direction not in ("maximize", "minimize", "target"):
        raise InvalidParameterError.expected("direction", "metric", "maximize, minimize or target", direction)
    if ideal is None:
        if direction == "target":
            raise InvalidParameterError(f"Metric {group}.{name}: a 'target' metric needs an explicit ideal.")
        ideal = bounds[1] if direction == "maximize" else bounds[0]
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise InvalidParameterError.expected("needs", "metric", f"a subset of {NEEDS}", sorted(unknown))

    def deco(func: MetricFn) -> MetricFn:
        key = f"{group}.{name}"
        clash = [s.key for s in _REGISTRY.values() if s.name == name and s.key != key]
        if (key in _REGISTRY and _REGISTRY[key].func is not func) or clash:
            raise InvalidParameterError(f"A metric named {name!r} is already registered ({key}).")
        doc = inspect.getdoc(func) or ""
        _REGISTRY[key] = MetricSpec(
            name=name,
            group=group,
            direction=direction,
            bounds=(float(bounds[0]), float(bounds[1])),
            ideal=float(ideal),
            func=func,
            needs=frozenset(needs),
            description=doc.split("\n\n")[0].replace("\n", " "),
            sequential=sequential,
        )
        return func

    return deco


def _load_builtin() -> None:
    import importlib

    for module in (*BUILTIN_MODULES, *SEQUENCE_MODULES):
        importlib.import_module(module)


def list_metrics(group: str | None = None) -> list[MetricSpec]:
    """Every registered metric (built-in metrics loaded): by group, then module (in the order of
    ``BUILTIN_MODULES`` and ``SEQUENCE_MODULES``, others after them), then registration order."""
    _load_builtin()
    specs = [s for s in _REGISTRY.values() if group is None or s.group == group]
    modules = (*BUILTIN_MODULES, *SEQUENCE_MODULES)

    def module_rank(spec: MetricSpec) -> int:
        module = getattr(spec.func, "__module__", "")
        return modules.index(module) if module in modules else len(modules)

    return sorted(specs, key=lambda s: (GROUPS.index(s.group), module_rank(s)))


def get_metric(name: str) -> MetricSpec:
    """A metric by full (``memorization.authenticity``) or short (``authenticity``) name."""
    _load_builtin()
    if name in _REGISTRY:
        return _REGISTRY[name]
    for spec in _REGISTRY.values():
        if spec.name == name:
            return spec
    known = ", ".join(sorted(s.name for s in _REGISTRY.values()))
    raise InvalidParameterError(f"Unknown metric {name!r}. Fix: use one of {known}.")


def select_metrics(names: Iterable[str] | None, *, sequences: bool = True) -> list[MetricSpec]:
    """Metrics by full name, short name or group name (``"privacy"``; all when ``names`` is None). A group
    or all means the metrics that apply to the kind of table: the ``sequential`` ones only where
    ``sequences``; a metric named on its own is always selected."""
    specs = list_metrics()
    applicable = [s for s in specs if sequences or not s.sequential]
    if names is None:
        return applicable
    chosen: list[str] = []
    for name in names:
        keys = [s.key for s in applicable if s.group == name] if name in GROUPS else [get_metric(name).key]
        chosen.extend(k for k in keys if k not in chosen)
    return [s for s in specs if s.key in chosen]


def in_bounds(value: float, bounds: tuple[float, float], *, tol: float = 1e-9) -> bool:
    return bool(math.isfinite(value) and bounds[0] - tol <= value <= bounds[1] + tol)
