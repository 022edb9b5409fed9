"""The audit: drop the synthetic rows that are implausible or memorized, and show how the scores move.

Every synthetic row carries the evaluation's flags: ``typical`` (inside the real alpha-support at
alpha = 0.95: not an outlier), ``authentic`` (not closer to a real row than that row's own nearest real
neighbour, and not an exact copy) and ``valid`` (respects the schema). The audit keeps the rows that
have all the required flags (by default typical and authentic, the filter of Alaa et al.) and
evaluates the kept rows again, with the same seed, so that the change of every score is visible. Both
evaluations share one :class:`~synthwise.evaluation.Evaluator`: the real data is read, embedded and
scored for its references once.

Expect about 5% of rows from even a perfect generator to be dropped as not typical (that is what
alpha = 0.95 means), and a share of authentic-looking fresh rows to be dropped as not authentic (see
the holdout reference of ``memorization.authenticity``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from synthwise.errors import DataError, InvalidParameterError
from synthwise.evaluation import Evaluation, Evaluator

FLAGS = ("typical", "authentic", "valid")


@dataclass
class AuditResult:
    """The kept rows, the flags of every input row, and the evaluations before and after."""

    kept: pd.DataFrame
    flags: pd.DataFrame
    require: tuple[str, ...]
    before: Evaluation
    after: Evaluation | None

    @property
    def n_input(self) -> int:
        return len(self.flags)

    @property
    def n_kept(self) -> int:
        return len(self.kept)

    @property
    def dropped_by(self) -> dict[str, int]:
        """How many input rows lack each required flag (a row may lack several)."""
        return {f"not {flag}": int((~self.flags[flag]).sum()) for flag in self.require}

    def changes(self) -> pd.DataFrame:
        """One row per metric: value before and after, the change, and whether it moved toward the ideal."""
        after = {m.key: m.value for m in self.after.metrics} if self.after is not None else {}
        rows = []
        for m in self.before.metrics:
            new = after.get(m.key)
            rows.append(
                {
                    "metric": m.key,
                    "before": m.value,
                    "after": new,
                    "change": None if new is None else new - m.value,
                    "ideal": m.ideal,
                    "closer_to_ideal": None if new is None else abs(new - m.ideal) < abs(m.value - m.ideal),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        dropped = ", ".join(f"{n:,} {why}" for why, n in self.dropped_by.items())
        return (
            f"Kept {self.n_kept:,} of {self.n_input:,} synthetic rows "
            f"({self.n_input - self.n_kept:,} dropped; {dropped})."
        )


def audit(
    real: pd.DataFrame | str | os.PathLike[str],
    synthetic: pd.DataFrame | str | os.PathLike[str],
    holdout: pd.DataFrame | str | os.PathLike[str] | None = None,
    *,
    target: str | None = None,
    sensitive: str | None = None,
    seed: int = 0,
    require: tuple[str, ...] = ("typical", "authentic"),
    evaluation: Evaluation | None = None,
    reevaluate: bool = True,
    **evaluate_kwargs: Any,
) -> AuditResult:
    """Keep the synthetic rows that have every flag in ``require``; evaluate before and after.

    ``evaluation`` reuses an evaluation of the same inputs (its row flags) instead of computing one.
    ``evaluate_kwargs`` are the other options of :class:`~synthwise.evaluation.Evaluator`. The synthetic
    input is never modified; ``result.kept`` is a new frame with the kept rows in order.
    """
    unknown = [f for f in require if f not in FLAGS]
    if unknown or not require:
        raise InvalidParameterError.expected("require", "audit", f"a non-empty subset of {FLAGS}", require)
    if not isinstance(synthetic, pd.DataFrame):
        from synthwise.io import read_table

        synthetic = read_table(synthetic)
    make = partial(Evaluator, real, holdout, target=target, sensitive=sensitive, seed=seed, **evaluate_kwargs)
    evaluator = make() if evaluation is None else None
    before = evaluator.evaluate(synthetic) if evaluator is not None else evaluation
    assert before is not None
    flags = before.row_flags
    if flags is None or len(flags) != len(synthetic):
        raise InvalidParameterError(
            "The evaluation has no row flags for this synthetic table. Fix: evaluate it with row_flags=True."
        )
    keep = flags[list(require)].all(axis=1).to_numpy()
    kept = synthetic.loc[keep].reset_index(drop=True)
    if len(kept) == 0:
        raise DataError(
            f"All {len(synthetic):,} synthetic rows fail the audit ({', '.join(require)}). "
            "Fix: the generator copies or distorts the real data; retrain it or relax 'require'."
        )
    after = (evaluator or make()).evaluate(kept) if reevaluate and len(kept) >= 2 else None
    return AuditResult(kept=kept, flags=flags.copy(), require=tuple(require), before=before, after=after)
