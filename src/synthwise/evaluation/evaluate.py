"""``evaluate()``: every registered metric on one synthetic table, with references, baselines and CIs.

The two steps of the method: (1) a representation fit on the REAL train only (see ``embed.py``);
(2) the metrics compare the synthetic rows with the real ones in that space and on the raw columns.
``evaluate()`` is an :class:`~synthwise.evaluation.evaluator.Evaluator` used once (see there for what
surrounds each value: holdout reference, baselines, bootstrap interval, per-row flags);
``evaluate_sequential()`` the same for long tables, the sequence roles inferred.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from synthwise.evaluation.evaluator import Evaluator
from synthwise.evaluation.inputs import Source, load_input
from synthwise.evaluation.result import Evaluation
from synthwise.evaluation.sequential import SEQUENCE_METRICS
from synthwise.schema import Schema, infer_schema
from synthwise.schema.roles import Roles, infer_roles, with_roles


def evaluate(
    real: Source,
    synthetic: Source,
    holdout: Source | None = None,
    target: str | None = None,
    sensitive: str | None = None,
    seed: int = 0,
    schema: Schema | None = None,
    *,
    generator: dict[str, Any] | None = None,
    **options: Any,
) -> Evaluation:
    """Measure how faithful, diverse, useful and private ``synthetic`` is, compared with ``real``.

    ``real``, ``synthetic`` and ``holdout`` are DataFrames or table files (then their SHA-256 goes into
    the manifest). ``holdout`` (real rows the generator never saw) enables the privacy and utility
    metrics and the references; ``target`` the utility metrics; ``sensitive`` the bias metrics.
    ``options`` are the keyword options of :class:`~synthwise.evaluation.evaluator.Evaluator`:
    ``metrics`` (full names, short names or groups; default: all that apply, the sequence metrics when
    the schema names an entity or a sequence index), ``k``, ``max_rows`` (the k-NN metrics' seeded
    sample per table; ``exact=True``: all rows), ``n_bootstrap``, ``baselines``, ``row_flags``,
    ``embedding``, ``progress``, ``quasi_identifiers`` (columns an attacker could know: k-anonymity,
    l-diversity, unique-combination share, attribute inference of ``secret``, which defaults to
    ``target``), ``secret`` and ``groups`` (columns tying rows together, such as a child's parent key:
    not compared, and kept whole in the detection folds). ``generator`` (what made the table) goes into
    the manifest. Inputs are never modified; the same inputs and seed give the same values.
    """
    evaluator = Evaluator(real, holdout, target, sensitive, seed, schema, **options)
    return evaluator.evaluate(synthetic, generator=generator)


def evaluate_sequential(
    real: Source,
    synthetic: Source,
    holdout: Source | None = None,
    *,
    entity: str | None = None,
    sequence_index: str | None = None,
    schema: Schema | None = None,
    seed: int = 0,
    metrics: Iterable[str] | None = SEQUENCE_METRICS,
    **kwargs: Any,
) -> Evaluation:
    """``evaluate()`` for long tables: the roles are inferred (or taken from ``entity`` /
    ``sequence_index`` / ``schema``) and, by default, only the sequence metrics run (``metrics=None``:
    every metric, tabular ones included, each step treated as a row)."""
    real_in = load_input(real, "real")
    base = schema if schema is not None else infer_schema(real_in.frame)
    roles = infer_roles(
        real_in.frame,
        base,
        entity=entity or base.entity,
        sequence_index=sequence_index or base.sequence_index,
    )
    full = with_roles(base, Roles(roles.entity, roles.sequence_index))
    kwargs.setdefault("row_flags", False)
    return evaluate(real_in, synthetic, holdout, schema=full, seed=seed, metrics=metrics, **kwargs)
