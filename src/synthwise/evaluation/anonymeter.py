"""Optional adapter to Anonymeter (Giomi et al., PoPETs 2023): singling out, linkability, inference.

Anonymeter is an optional extra (``pip install "synthwise[anonymeter]"``), never a core dependency: its
licence grants no patent rights. Without it, :func:`anonymeter_risks` raises
:class:`~synthwise.errors.MissingDependencyError` with the install line.

Each attack runs on the real train (``ori``), the synthetic data (``syn``) and a holdout the generator
never saw (``control``); Anonymeter reports the risk as the attack's success beyond the control's, with
a confidence interval. 0 is ideal; 1 means every attack succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from synthwise.errors import InvalidParameterError, MissingDependencyError


@dataclass(frozen=True)
class AnonymeterRisk:
    """One Anonymeter attack: the risk with its interval, and the raw success rates behind it."""

    attack: str  # "singling_out", "linkability", "inference:<secret>"
    risk: float
    ci: tuple[float, float]
    attack_rate: float
    baseline_rate: float
    control_rate: float | None


def _evaluators() -> Any:
    try:
        from anonymeter import evaluators
    except ImportError as exc:
        raise MissingDependencyError("anonymeter", "anonymeter", "The Anonymeter privacy attacks") from exc
    return evaluators


def _risk(name: str, evaluator: Any) -> AnonymeterRisk:
    risk = evaluator.risk()
    res = evaluator.results()
    control = getattr(res, "control_rate", None)
    return AnonymeterRisk(
        name,
        float(risk.value),
        (float(risk.ci[0]), float(risk.ci[1])),
        float(res.attack_rate.value),
        float(res.baseline_rate.value),
        float(control.value) if control is not None else None,
    )


def anonymeter_risks(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    secrets: Sequence[str] = (),
    aux_columns: Sequence[str] | None = None,
    link_split: tuple[Sequence[str], Sequence[str]] | None = None,
    n_attacks: int = 500,
    seed: int | None = 0,
) -> list[AnonymeterRisk]:
    """Run Anonymeter's attacks; returns one :class:`AnonymeterRisk` per attack.

    * singling out (univariate predicates) always;
    * linkability when ``link_split`` names two disjoint column sets an attacker holds separately;
    * inference of each column in ``secrets`` from ``aux_columns`` (default: every other column).

    ``n_attacks`` is capped by the number of holdout rows. Inputs are never modified.
    """
    ev = _evaluators()
    cols = list(train.columns)
    for name, frame in (("synthetic", synthetic), ("holdout", holdout)):
        if list(frame.columns) != cols:
            raise InvalidParameterError(f"The {name} table must have the train's columns {cols} in order.")
    n = int(min(n_attacks, len(holdout)))
    if n < 1:
        raise InvalidParameterError("anonymeter_risks needs a holdout with at least one row.")
    ori, syn, control = train.copy(), synthetic.copy(), holdout.copy()
    out = []
    singling = ev.SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=n)
    singling.evaluate(mode="univariate")
    out.append(_risk("singling_out", singling))
    if link_split is not None:
        a, b = list(link_split[0]), list(link_split[1])
        if set(a) & set(b) or not set(a) | set(b) <= set(cols):
            raise InvalidParameterError("link_split must be two disjoint lists of the table's columns.")
        link = ev.LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=n, aux_cols=(a, b))
        link.evaluate()
        out.append(_risk("linkability", link))
    for secret in secrets:
        if secret not in cols:
            raise InvalidParameterError(f"The secret {secret!r} is not a column. Fix: use one of {cols}.")
        aux = [c for c in (aux_columns or cols) if c != secret]
        inference = ev.InferenceEvaluator(
            ori=ori, syn=syn, control=control, aux_cols=aux, secret=secret, n_attacks=n
        )
        inference.evaluate()
        out.append(_risk(f"inference:{secret}", inference))
    return out
