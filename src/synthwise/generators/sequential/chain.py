"""The per-step variables of an autoregressive sequence model and their lagged predictors.

Each step of an entity is a chain of *variables*: the gap since the previous step (when there is a
sequence index), then every time-varying column in order of increasing distinct values, as a discrete
``code`` (categories, flags, numerics with few values; NaN = missing is a class of its own) or, for
wide numerics and datetimes, an optional ``missing`` flag followed by the ``value``.

A variable at step ``t`` is predicted from (:func:`features`): the entity context (static codes, length,
start), the position ``t``, the steps left, the time elapsed since the start, the values of every
variable at steps ``t-1 .. t-n_lags``, the last observed value of every ``value`` variable (carried
forward over missing steps) and the variables of step ``t`` that come before it in the chain. Predictors
that do not exist (before the first step, missing) get a fill value below the variable's range, so a
tree can split them off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthwise.schema import Schema

MAX_DISCRETE = 20  # numerics with at most this many distinct values are drawn as discrete codes


@dataclass(frozen=True)
class StepVar:
    """One variable of the chain: ``part`` is "gap", "code", "missing" or "value"; ``source`` the step
    column it comes from (an index into the step columns; -1 for the gap)."""

    part: str
    source: int

    @property
    def discrete(self) -> bool:
        return self.part in ("code", "missing")


def make_chain(
    schema: Schema, step_names: tuple[str, ...], steps: np.ndarray, has_index: bool
) -> list[StepVar]:
    chain = [StepVar("gap", -1)] if has_index else []
    nunique = [np.unique(steps[:, j][~np.isnan(steps[:, j])]).size for j in range(len(step_names))]
    for j in sorted(range(len(step_names)), key=lambda k: (nunique[k], k)):
        col = schema[step_names[j]]
        if col.kind in ("numeric", "datetime", "time") and nunique[j] > MAX_DISCRETE:
            if np.isnan(steps[:, j]).any():
                chain.append(StepVar("missing", j))
            chain.append(StepVar("value", j))
        else:
            chain.append(StepVar("code", j))
    return chain


def chain_values(chain: list[StepVar], steps: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """The (n_rows, n_vars) matrix of chain variables (NaN = missing / undefined)."""
    out = np.empty((len(steps), len(chain)))
    for v, var in enumerate(chain):
        if var.part == "gap":
            out[:, v] = gaps
        elif var.part == "missing":
            out[:, v] = np.isnan(steps[:, var.source]).astype(np.float64)
        else:
            out[:, v] = steps[:, var.source]
    return out


def chain_to_steps(chain: list[StepVar], values: np.ndarray, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Chain variables back to step codes (a missing flag of 1 blanks its value) and gaps."""
    steps = np.full((len(values), n_columns), np.nan)
    gaps = np.full(len(values), np.nan)
    flags = {var.source: v for v, var in enumerate(chain) if var.part == "missing"}
    for v, var in enumerate(chain):
        if var.part == "gap":
            gaps = values[:, v]
        elif var.part in ("code", "value"):
            col = values[:, v]
            if var.part == "value" and var.source in flags:
                col = np.where(values[:, flags[var.source]] == 1, np.nan, col)
            steps[:, var.source] = col
    return steps, gaps


def fill_values(matrix: np.ndarray) -> np.ndarray:
    """Per column, a value below its range (``min - max(1, range)``), for missing predictors."""
    out = np.full(matrix.shape[1], -1.0)
    for j in range(matrix.shape[1]):
        v = matrix[:, j]
        finite = v[np.isfinite(v)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            out[j] = lo - max(1.0, hi - lo)
    return out


@dataclass
class History:
    """Chain values of a batch of entities, step by step: ``values[e, t, v]`` (NaN = not there), the last
    observed value of each variable before step ``t`` (``last``) and the time elapsed (``elapsed``)."""

    values: np.ndarray  # (n_entities, max_length, n_vars)
    lengths: np.ndarray

    @classmethod
    def empty(cls, n: int, max_length: int, n_vars: int, lengths: np.ndarray) -> History:
        return cls(np.full((n, max(max_length, 1), n_vars), np.nan), lengths)

    @classmethod
    def from_rows(cls, rows: np.ndarray, lengths: np.ndarray) -> History:
        n, t_max = len(lengths), int(lengths.max()) if len(lengths) else 1
        h = cls.empty(n, t_max, rows.shape[1], lengths)
        owner = np.repeat(np.arange(n), lengths)
        pos = np.arange(len(rows)) - np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        h.values[owner, pos] = rows
        return h


def base_width(n_context: int, n_vars: int, n_lags: int) -> int:
    return n_context + 3 + n_lags * n_vars + n_vars


def features(
    history: History,
    context: np.ndarray,
    ent: np.ndarray,
    t: np.ndarray,
    *,
    n_lags: int,
    elapsed: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    """Predictors (NaN where missing; callers fill) for the rows ``(ent[i], t[i])``.

    ``elapsed[i]``: the index increase from the entity's start to step ``t[i] - 1``; ``last[i, v]``: the
    last observed value of variable ``v`` before step ``t[i]``. The current-step block holds
    ``history.values[ent, t]`` (NaN for variables not drawn yet).
    """
    h = history.values
    n_vars = h.shape[2]
    parts = [
        context[ent],
        t[:, None].astype(np.float64),
        (history.lengths[ent] - 1 - t)[:, None].astype(np.float64),
        elapsed[:, None],
    ]
    for k in range(1, n_lags + 1):
        lagged = np.full((len(ent), n_vars), np.nan)
        ok = t - k >= 0
        lagged[ok] = h[ent[ok], t[ok] - k]
        parts.append(lagged)
    parts.append(last)
    parts.append(h[ent, t])
    return np.hstack(parts)


def training_state(
    rows: np.ndarray, lengths: np.ndarray, gap_var: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """For every real row: the elapsed index before it and the last observed value of every variable
    before it (within its entity), as :func:`features` wants them."""
    import pandas as pd

    owner = np.repeat(np.arange(len(lengths)), lengths)
    frame = pd.DataFrame(rows)
    last = frame.groupby(owner).ffill().groupby(owner).shift(1).to_numpy(dtype=np.float64)
    elapsed = np.zeros(len(rows))
    if gap_var is not None:
        g = pd.Series(np.nan_to_num(rows[:, gap_var]))
        elapsed = (g.groupby(owner).cumsum() - g).to_numpy(dtype=np.float64)
    return elapsed, last
