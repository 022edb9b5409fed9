"""``check_metric(name)``: the contract every registered metric keeps (``tests/test_conformance.py`` runs it
over the whole registry, so a new metric is checked the day it is registered).

The metric is computed on small seeded tables, with every input it may need (holdout, target,
sensitive column, quasi-identifiers; sequence roles for a ``sequential`` metric), for four synthetic
tables: a ``copy`` of the train, an ``independent`` draw of the same distribution, ``noise`` (values
redrawn far outside the real ones, categories shuffled) and a ``collapse`` onto one real row (one
entity for sequences). It checks:

* the declaration: the ideal lies within the bounds and agrees with the direction;
* bounds: every value and the holdout reference are finite and within the bounds;
* NaN tolerance: on tables with missing values the metric gives a value within its bounds, or raises
  :class:`~synthwise.evaluation.Skip` with the reason;
* the known cases where they apply: a memorization or privacy metric flags the copy (scores it worse
  than the independent draw; one that describes the synthetic table on its own, with the real table's
  value in ``details["real"]``, gives the copy exactly the real value); the independent draw scores
  about as well as the holdout reference (within 10% of the bounds' span); a fidelity, diversity,
  utility, bias or validity metric scores the noise or the collapse clearly worse (by 5% of the span)
  than the holdout reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from synthwise.evaluation import Evaluator, MetricSpec, Score, Skip, get_metric
from synthwise.evaluation.context import Context
from synthwise.evaluation.registry import in_bounds
from synthwise.schema import infer_schema

CASES = ("copy", "independent", "noise", "collapse")
DEGRADED = ("noise", "collapse")
NEAR, CLEARLY = 0.1, 0.05  # shares of the bounds' span: "about as good as", "clearly worse than"
FLAGS_COPIES = ("memorization", "privacy")
FLAGS_DEGRADATION = ("fidelity", "diversity", "utility", "bias", "validity")


@dataclass
class _Case:
    """One real side prepared once, with the synthetic tables to judge (contexts cached per table)."""

    evaluator: Evaluator
    tables: dict[str, pd.DataFrame]
    contexts: dict[str, Context] = field(default_factory=dict)

    def score(self, spec: MetricSpec, table: str) -> Score | Skip:
        if table not in self.contexts:
            self.contexts[table] = self.evaluator.context(self.tables[table])
        try:
            out = spec.func(self.contexts[table])
        except Skip as exc:
            return exc
        return out if isinstance(out, Score) else Score(float(out))


def check_metric(metric: str | MetricSpec) -> None:
    """Assert that ``metric`` (a registered metric's name, or a spec) keeps the contract (see the module
    docstring); an :class:`AssertionError` names the metric and the broken rule."""
    spec = get_metric(metric) if isinstance(metric, str) else metric
    _check_declaration(spec)
    cases = _sequence_cases() if spec.sequential else _table_cases()
    if spec.name.startswith("text_"):
        cases = _text_cases()
    case, missing = _first_applicable(spec, cases)
    scores = {table: case.score(spec, table) for table in CASES}
    values = {t: s.value for t, s in scores.items() if isinstance(s, Score)}
    for table, score in scores.items():
        if isinstance(score, Skip):
            assert str(score), f"{spec.key}: a Skip without a reason ({table})"
    for table, value in values.items():
        assert in_bounds(value, spec.bounds), f"{spec.key}: {value} outside {spec.bounds} ({table})"
    own = scores["independent"]
    ref = (
        own.reference
        if isinstance(own, Score) and own.reference is not None
        else case.evaluator.reference(spec)
    )
    if ref is not None:
        assert in_bounds(ref, spec.bounds), f"{spec.key}: holdout reference {ref} outside {spec.bounds}"
    _check_missing_values(spec, missing)
    if spec.group in FLAGS_COPIES:
        _check_copy(spec, scores["copy"], values.get("independent"))
    if ref is not None and "independent" in values:
        near = abs(values["independent"] - spec.ideal) <= abs(ref - spec.ideal) + NEAR * _span(spec)
        assert near, (
            f"{spec.key}: an independent draw ({values['independent']}) is far from the reference {ref}"
        )
    if ref is not None and spec.group in FLAGS_DEGRADATION:
        worse = [t for t in DEGRADED if t in values and _clearly_worse(spec, values[t], ref)]
        seen = {t: values.get(t) for t in DEGRADED}
        assert worse, (
            f"{spec.key}: neither noise nor collapse scores clearly worse than the holdout ({ref}): {seen}"
        )


# -- checks ------------------------------------------------------------------------------------------------
def _check_declaration(spec: MetricSpec) -> None:
    lo, hi = spec.bounds
    assert lo < hi and lo <= spec.ideal <= hi, f"{spec.key}: ideal {spec.ideal} outside bounds {spec.bounds}"
    if spec.direction == "maximize":
        assert spec.ideal > lo, f"{spec.key}: maximized, yet the ideal is the lower bound"
    elif spec.direction == "minimize":
        assert spec.ideal < hi, f"{spec.key}: minimized, yet the ideal is the upper bound"
    else:
        assert lo < spec.ideal < hi, f"{spec.key}: a target ideal must lie strictly inside the bounds"
    assert spec.description, f"{spec.key}: no docstring"


def _check_missing_values(spec: MetricSpec, case: _Case) -> None:
    score = case.score(spec, "independent")
    if isinstance(score, Skip):
        assert str(score), f"{spec.key}: a Skip without a reason on a table with missing values"
    else:
        assert in_bounds(score.value, spec.bounds), f"{spec.key}: {score.value} with missing values"


def _check_copy(spec: MetricSpec, copy: Score | Skip, independent: float | None) -> None:
    if isinstance(copy, Skip) or independent is None:
        return
    real = copy.details.get("real")
    if isinstance(real, int | float) and not isinstance(real, bool):
        assert copy.value == real, f"{spec.key}: the copy scores {copy.value}, the real table {real}"
        return
    flagged = spec.is_better_or_equal(independent, copy.value) and not spec.is_better_or_equal(
        copy.value, independent
    )
    assert flagged, (
        f"{spec.key}: a copy of the train ({copy.value}) is not flagged (fresh draw: {independent})"
    )


def _clearly_worse(spec: MetricSpec, value: float, ref: float) -> bool:
    margin = CLEARLY * _span(spec)
    if spec.direction == "maximize":
        return value < ref - margin
    if spec.direction == "minimize":
        return value > ref + margin
    return abs(value - spec.ideal) > abs(ref - spec.ideal) + margin


def _span(spec: MetricSpec) -> float:
    lo, hi = spec.bounds
    return hi - lo if math.isfinite(hi - lo) else 1.0


def _first_applicable(spec: MetricSpec, cases: list[tuple[_Case, _Case]]) -> tuple[_Case, _Case]:
    """The first pair of cases (complete, with missing values) where the independent draw is scored."""
    for case, missing in cases:
        if isinstance(case.score(spec, "independent"), Score):
            return case, missing
    reasons = [str(case.score(spec, "independent")) for case, _ in cases]
    raise AssertionError(f"{spec.key}: skipped on every conformance table: {reasons}")


# -- the tables --------------------------------------------------------------------------------------------
def _rows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    x = rng.normal(0.0, 1.0, n)
    return pd.DataFrame(
        {
            "x": x,
            "y": x + rng.normal(0.0, 0.6, n),
            "age": rng.integers(18, 80, n),
            "c": np.where(x > 0.5, "a", np.where(x < -0.5, "b", "c")),
            "s": rng.choice(["f", "m"], n),
            "t": np.where(rng.random(n) < 1.0 / (1.0 + np.exp(-2.0 * x)), "yes", "no"),
            "email": [f"user{v}@example.com" for v in rng.integers(10**8, 10**9, n)],
        }
    )


def _with_missing(df: pd.DataFrame, rng: np.random.Generator, columns: tuple[str, ...]) -> pd.DataFrame:
    out = df.copy()
    for name in columns:
        out[name] = out[name].mask(rng.random(len(out)) < 0.1)
    return out


@cache
def _table_cases() -> list[tuple[_Case, _Case]]:
    """A classification target first, then a regression one (``utility.r2``)."""
    rng = np.random.default_rng(0)
    train, holdout, fresh = _rows(rng, 400), _rows(rng, 200), _rows(rng, 400)
    noise = fresh.assign(
        x=rng.uniform(-8.0, 8.0, len(fresh)),
        y=rng.uniform(-8.0, 8.0, len(fresh)),
        age=rng.integers(0, 200, len(fresh)),
        c=rng.permutation(fresh["c"].to_numpy()),
        t=rng.permutation(fresh["t"].to_numpy()),
    )
    tables = {
        "copy": train,
        "independent": fresh,
        "noise": noise,
        "collapse": pd.concat([train.iloc[[0]]] * len(train), ignore_index=True),
    }
    gaps = ("x", "y", "c", "s", "t")
    missing = {name: _with_missing(df, rng, gaps) for name, df in (("train", train), ("holdout", holdout))}
    missing_tables = {"independent": _with_missing(fresh, rng, gaps)}
    out = []
    for target in ("t", "y"):
        roles = {"target": target, "sensitive": "s", "quasi_identifiers": ["age", "c", "s"]}
        case = _Case(_evaluator(train, holdout, **roles), tables)
        gappy = _Case(_evaluator(missing["train"], missing["holdout"], **roles), missing_tables)
        out.append((case, gappy))
    return out


@cache
def _text_cases() -> list[tuple[_Case, _Case]]:
    """Real tweets with their source (the target): ``noise`` is word salad drawn uniformly from the
    train vocabulary, ``collapse`` one tweet repeated."""
    from synthwise.datasets import load_frame

    rng = np.random.default_rng(2)
    df = load_frame("tweets")[["source", "text"]].dropna().sample(600, random_state=0).reset_index(drop=True)
    train, holdout, fresh = df.iloc[:240], df.iloc[240:360], df.iloc[360:]
    train, holdout, fresh = (t.reset_index(drop=True) for t in (train, holdout, fresh))
    vocab = sorted({w for t in train["text"] for w in t.split()})
    salad = [" ".join(rng.choice(vocab, int(rng.integers(3, 30)))) for _ in range(len(fresh))]
    tables = {
        "copy": train,
        "independent": fresh,
        "noise": fresh.assign(text=salad, source=rng.permutation(fresh["source"].to_numpy())),
        "collapse": pd.concat([train.iloc[[0]]] * len(train), ignore_index=True),
    }
    case = _Case(_evaluator(train, holdout, target="source"), tables)
    gappy = _Case(
        _evaluator(_with_missing(train, rng, ("text",)), holdout, target="source"),
        {"independent": _with_missing(fresh, rng, ("text",))},
    )
    return [(case, gappy)]


def _entities(rng: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    """``n`` entities with 4-10 steps: day (gaps 1-5), an AR(1) ``x``, ``y`` following it, ``z`` and a
    static ``g``."""
    parts = []
    for e in range(n):
        length = int(rng.integers(4, 11))
        x = np.empty(length)
        x[0] = rng.normal()
        for i in range(1, length):
            x[i] = 0.8 * x[i - 1] + rng.normal(0.0, 0.6)
        part = {
            "id": first_id + e,
            "day": np.cumsum(rng.integers(1, 6, length)),
            "x": x,
            "y": 0.5 * x + rng.normal(0.0, 0.3, length),
            "z": np.where(x > 0, "up", "down"),
            "g": rng.choice(["p", "q"]),
        }
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


@cache
def _sequence_cases() -> list[tuple[_Case, _Case]]:
    rng = np.random.default_rng(1)
    train, holdout, fresh = _entities(rng, 120, 0), _entities(rng, 80, 1000), _entities(rng, 120, 2000)
    noise = fresh.assign(
        x=rng.uniform(-6.0, 6.0, len(fresh)),
        y=rng.uniform(-6.0, 6.0, len(fresh)),
        z=rng.permutation(fresh["z"].to_numpy()),
        day=rng.integers(0, 100, len(fresh)),
    )
    one = train[train["id"] == train["id"].iloc[0]]
    tables = {
        "copy": train,
        "independent": fresh,
        "noise": noise,
        "collapse": pd.concat([one.assign(id=i) for i in range(120)], ignore_index=True),
    }
    gaps = ("x", "y", "z")
    gappy_train, gappy_holdout = _with_missing(train, rng, gaps), _with_missing(holdout, rng, gaps)
    schema = infer_schema(train, entity="id", sequence_index="day")
    case = _Case(_evaluator(train, holdout, schema=schema), tables)
    gappy_schema = infer_schema(gappy_train, entity="id", sequence_index="day")
    missing = {"independent": _with_missing(fresh, rng, gaps)}
    return [(case, _Case(_evaluator(gappy_train, gappy_holdout, schema=gappy_schema), missing))]


def _evaluator(train: pd.DataFrame, holdout: pd.DataFrame, **options: Any) -> Evaluator:
    return Evaluator(train, holdout, seed=0, n_bootstrap=0, baselines=False, row_flags=False, **options)
