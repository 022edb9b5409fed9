"""The quality gate: thresholds on metrics, checked against an :class:`~synthwise.evaluation.Evaluation`.

Thresholds name a metric by short (``authenticity``) or full (``memorization.authenticity``) name:

* ``alpha_precision>=0.9,authenticity>=0.7,dcr_share<=0.6``: explicit operators (``>= <= > <``);
* ``authenticity=0.7`` (the ``--fail-under`` form): "at least as good as 0.7", i.e. ``>=`` for a metric
  to maximize, ``<=`` for one to minimize and, for a metric with a target value (``dcr_share``, ideal
  0.5), the side of the ideal the threshold is on (``dcr_share=0.6`` means ``<= 0.6``);
* a YAML or TOML file: a mapping ``name: threshold`` (a number in the ``=`` sense, or a string such as
  ``">= 0.9"``), optionally under a ``gate`` or ``thresholds`` key, or a list of expressions.

The gate only reports (:class:`GateResult`); the command line turns a failure into exit code 1. A
threshold on a metric that the evaluation did not compute (e.g. ``dcr_share`` without a holdout) fails,
so that a gate cannot pass by accident.
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from synthwise.errors import InvalidParameterError

if TYPE_CHECKING:
    from synthwise.evaluation.result import Evaluation, MetricResult

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_EXPR = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|=|>|<)\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Threshold:
    """One condition: ``metric op value``; ``op="="`` means "at least as good as" (see module docs)."""

    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"

    def resolve(self, result: MetricResult) -> str:
        """The concrete operator for ``result`` (turns ``=`` into ``>=`` or ``<=``)."""
        if self.op != "=":
            return self.op
        if result.direction == "maximize":
            return ">="
        if result.direction == "minimize":
            return "<="
        return "<=" if self.value >= result.ideal else ">="


class GateFailure(NamedTuple):
    """A failed threshold: the metric's full name, its value (NaN when not computed), op and threshold."""

    metric: str
    value: float
    op: str
    threshold: float

    def describe(self) -> str:
        if math.isnan(self.value):
            return f"{self.metric} was not computed (needs {self.op} {self.threshold:g}): check its inputs"
        return f"{self.metric} = {self.value:.4g}, needs {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class GateResult:
    """Whether every threshold holds, and each failure with its value and threshold."""

    passed: bool
    failures: list[GateFailure] = field(default_factory=list)
    checked: list[tuple[str, float, str, float]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        """One line when passed; one line per failing metric otherwise."""
        n = len(self.checked)
        if self.passed:
            return f"Gate passed: {n} of {n} thresholds met."
        lines = [f"Gate FAILED: {len(self.failures)} of {n} thresholds not met."]
        lines += [f"  {f.describe()}" for f in self.failures]
        return "\n".join(lines)


class Gate:
    """A set of thresholds; ``check(evaluation)`` returns a :class:`GateResult`."""

    def __init__(self, thresholds: Iterable[Threshold] | Mapping[str, Any] | str) -> None:
        if isinstance(thresholds, str):
            items = _parse_expressions(thresholds)
        elif isinstance(thresholds, Mapping):
            items = _parse_mapping(thresholds)
        else:
            items = list(thresholds)
        if not items:
            raise InvalidParameterError("A gate needs at least one threshold. Fix: e.g. 'authenticity>=0.5'.")
        from synthwise.evaluation.registry import get_metric

        for t in items:
            if not isinstance(t, Threshold):
                raise InvalidParameterError.expected("thresholds", "Gate", "Threshold objects", t)
            get_metric(t.metric)  # raises, naming the known metrics, on a typo
            if t.op not in OPS and t.op != "=":
                raise InvalidParameterError(
                    f"Threshold {t.metric!r}: unknown operator {t.op!r}. Fix: use one of >=, <=, >, < or =."
                )
        self.thresholds: list[Threshold] = items

    @classmethod
    def from_string(cls, text: str) -> Gate:
        """``"alpha_precision>=0.9,authenticity=0.7"``: comma-separated expressions."""
        return cls(_parse_expressions(text))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Gate:
        """Thresholds from a ``.yaml`` / ``.yml`` / ``.toml`` file (see the module docstring)."""
        p = Path(path)
        if not p.exists():
            raise InvalidParameterError(f"Gate file {str(p)!r} does not exist. Fix: check the path.")
        text = p.read_text(encoding="utf-8")
        try:
            if p.suffix.lower() == ".toml":
                import tomllib

                data: Any = tomllib.loads(text)
            elif p.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                raise InvalidParameterError(
                    f"Gate file {str(p)!r}: unknown format {p.suffix!r}. Fix: use .yaml, .yml or .toml."
                )
        except InvalidParameterError:
            raise
        except Exception as exc:
            raise InvalidParameterError(
                f"Gate file {str(p)!r} cannot be parsed: {exc}. Fix: check its syntax."
            ) from exc
        if isinstance(data, Mapping):
            for key in ("gate", "thresholds", "fail_under"):
                if key in data and len(data) == 1:
                    data = data[key]
        if isinstance(data, list):
            return cls(_parse_expressions(",".join(str(x) for x in data)))
        if isinstance(data, Mapping):
            return cls(_parse_mapping(data))
        raise InvalidParameterError(
            f"Gate file {str(p)!r} holds no thresholds. Fix: write 'name: threshold' lines, "
            "e.g. 'authenticity: 0.5' or 'dcr_share: \"<= 0.6\"'."
        )

    def __add__(self, other: Gate) -> Gate:
        return Gate([*self.thresholds, *other.thresholds])

    def __repr__(self) -> str:
        return f"Gate({', '.join(map(str, self.thresholds))!r})"

    def summary(self) -> str:
        """The thresholds, one per line."""
        return "\n".join(str(t) for t in self.thresholds)

    def check(self, evaluation: Evaluation) -> GateResult:
        """Compare each threshold with the evaluation's value; a missing metric is a failure."""
        from synthwise.evaluation.registry import get_metric

        failures: list[GateFailure] = []
        checked: list[tuple[str, float, str, float]] = []
        for t in self.thresholds:
            spec = get_metric(t.metric)
            result = evaluation.get(spec.key)
            if result is None:
                op = t.op if t.op != "=" else ("<=" if spec.direction == "minimize" else ">=")
                failures.append(GateFailure(spec.key, math.nan, op, t.value))
                checked.append((spec.key, math.nan, op, t.value))
                continue
            op = t.resolve(result)
            checked.append((spec.key, result.value, op, t.value))
            if not OPS[op](result.value, t.value):
                failures.append(GateFailure(spec.key, result.value, op, t.value))
        return GateResult(passed=not failures, failures=failures, checked=checked)


def _parse_expressions(text: str) -> list[Threshold]:
    out = []
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        m = _EXPR.match(part)
        if m is None:
            raise InvalidParameterError(
                f"Cannot read the threshold {part.strip()!r}. Fix: write NAME>=VALUE, NAME<=VALUE or "
                "NAME=VALUE (at least as good as), e.g. 'authenticity>=0.5,dcr_share<=0.6'."
            )
        name, op, value = m.groups()
        out.append(Threshold(name, "=" if op == "==" else op, float(value)))
    return out


def _parse_mapping(data: Mapping[str, Any]) -> list[Threshold]:
    out = []
    for name, spec in data.items():
        if isinstance(spec, bool):
            raise InvalidParameterError(
                f"Threshold {name!r}: {spec!r} is not a number. Fix: e.g. '{name}: 0.5'."
            )
        if isinstance(spec, int | float):
            out.append(Threshold(str(name), "=", float(spec)))
        elif isinstance(spec, str):
            text = spec.strip()
            out.extend(_parse_expressions(f"{name}{text}" if text[:1] in "<>=" else f"{name}={text}"))
        elif isinstance(spec, Mapping) and "value" in spec:
            out.append(Threshold(str(name), str(spec.get("op", "=")), float(spec["value"])))
        else:
            raise InvalidParameterError(
                f"Threshold {name!r}: cannot read {spec!r}. Fix: a number (0.5) or a string ('>= 0.5')."
            )
    return out
