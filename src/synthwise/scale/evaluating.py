"""Evaluating Parquet tables too large for one process (``synthwise evaluate --sample-rows N``).

Every metric of the ordinary evaluation runs on seeded uniform samples of the tables (``sample_size``
rows of each; the k-NN metrics then take their own ``max_rows`` of those, as always), and the manifest
states every size: these figures depend on n, so they are never silently compared with figures of other
sizes. The marginals (``fidelity.marginals`` and ``fidelity.marginals_worst``, the holdout's reference
too) are then replaced by their exact values over every row of every table, from passes over the blocks
(:func:`synthwise.evaluation.block_marginals.block_column_scores`) on any executor: they equal what an
in-memory evaluation of the whole tables would give. The schema comes from the real sample, its facts
(levels, ranges, missing rates) made exact by one pass over the real table, as in fitting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.evaluation import Evaluation, Evaluator
from synthwise.evaluation.block_marginals import block_column_scores
from synthwise.scale.executors import Executor, SerialExecutor
from synthwise.scale.fitting import (
    ParquetBlocks,
    Partition,
    exact_schema,
    parquet_partitions,
    read_rows,
    sample_rows,
    table_facts,
)
from synthwise.schema import Schema, resolve
from synthwise.schema.resolve import SchemaSource

SAMPLE_ROWS = 200_000  # rows of each table's seeded sample for the metrics that are not exact
EXACT = ("fidelity.marginals", "fidelity.marginals_worst")
Source = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def _sample(parts: list[Partition], size: int, seed: int, executor: Executor) -> pd.DataFrame:
    return read_rows(parts, sample_rows(sum(p.rows for p in parts), size, seed), executor)


def evaluate_table(
    real: Source,
    synthetic: Source,
    holdout: Source | None = None,
    *,
    target: str | None = None,
    sensitive: str | None = None,
    seed: int = 0,
    schema: SchemaSource | None = None,
    executor: Executor | None = None,
    sample_size: int = SAMPLE_ROWS,
    **options: Any,
) -> Evaluation:
    """:func:`synthwise.evaluate` for Parquet files or folders of any size (see the module docstring);
    ``options`` are the :class:`~synthwise.evaluation.Evaluator`'s."""
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 10:
        raise InvalidParameterError.expected(
            "sample_size", "evaluate_table (--sample-rows)", "an int >= 10", sample_size
        )
    tables = {"real": real, "synthetic": synthetic} | ({"holdout": holdout} if holdout is not None else {})
    parts = {name: parquet_partitions(src) for name, src in tables.items()}
    executor = executor or SerialExecutor()
    with executor:
        # one seed per table: the samples of different tables are drawn independently
        samples = {
            name: _sample(p, sample_size, seed + i, executor) for i, (name, p) in enumerate(parts.items())
        }
        sch = resolve(samples["real"], schema)
        sch = exact_schema(sch, table_facts(parts["real"], sch, executor))
        evaluator = Evaluator(
            samples["real"], samples.get("holdout"), target, sensitive, seed, sch, **options
        )
        ev = evaluator.evaluate(samples["synthetic"])
        used: Schema = evaluator.schema
        blocks = {name: ParquetBlocks(p, None, executor) for name, p in parts.items()}
        exact = {
            name: block_column_scores(blocks["real"], blocks[name], used, (samples["real"], samples[name]))
            for name in blocks
            if name != "real"
        }
    _replace_marginals(ev, exact["synthetic"], exact.get("holdout"))
    ev.manifest["scale"] = {
        "rows": {name: sum(p.rows for p in ps) for name, ps in parts.items()},
        "blocks": {name: len(ps) for name, ps in parts.items()},
        "sample_rows": {name: len(s) for name, s in samples.items()},
        "exact_over_every_row": list(EXACT),
        "note": "every other metric on the seeded samples (their sizes above; k-NN metrics on max_rows "
        "of them); marginals exact over every row (their CIs and baselines are dropped)",
        "executor": executor.name,
    }
    return ev


def _replace_marginals(ev: Evaluation, scores: dict[str, float], reference: dict[str, float] | None) -> None:
    for i, m in enumerate(ev.metrics):
        key = f"{m.group}.{m.name}"
        if key not in EXACT or not scores:
            continue
        ref = None
        if key == "fidelity.marginals":
            value = float(np.mean(list(scores.values())))  # as the in-memory metric averages
            details: dict[str, Any] = {"columns": scores, "exact": True}
            if reference:
                ref = float(np.mean(list(reference.values())))
        else:
            name = min(scores, key=lambda c: (scores[c], c))
            value, details = scores[name], {"column": name, "exact": True}
            if reference:
                ref = min(reference.values())
        ev.metrics[i] = replace(
            m, value=value, reference=ref, ci=None, baselines={}, saturated=False, details=details
        )
