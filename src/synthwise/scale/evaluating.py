"""Evaluating Parquet tables too large for one process (``synthwise evaluate --sample-rows N``).

Every metric of the ordinary evaluation runs on seeded uniform samples of the tables (``sample_size``
rows of each; the k-NN metrics then take their own ``max_rows`` of those, as always), and the manifest
states every size: these figures depend on n, so they are never silently compared with figures of other
sizes. The marginals (``fidelity.marginals`` and ``fidelity.marginals_worst``) and the pairs
(``fidelity.pairs``, ``fidelity.pairs_worst``), the holdout's reference too, are then replaced by their
exact values over every row of every table, from passes over the blocks on any executor
(:func:`~synthwise.evaluation.block_marginals.block_column_scores`,
:func:`~synthwise.evaluation.block_pairs.block_pair_scores`): they equal what an in-memory evaluation of
the whole tables would give (the numeric pairs within float rounding), except the Spearman of numeric
pairs with a column of too many distinct values to rank every row, which stays the samples' and is named
in the manifest. The schema comes from the real sample, its facts
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
from synthwise.evaluation.block_pairs import BlockPairs, block_pair_scores
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
EXACT = ("fidelity.marginals", "fidelity.marginals_worst", "fidelity.pairs", "fidelity.pairs_worst")
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
        others = [name for name in blocks if name != "real"]
        found_marginals = block_column_scores(
            blocks["real"], [blocks[n] for n in others], used, [samples[n] for n in ("real", *others)]
        )
        marginals = dict(zip(others, found_marginals, strict=True))
        pairs = {}
        if any(f"{m.group}.{m.name}" in EXACT[2:] for m in ev.metrics):
            found = block_pair_scores(
                blocks["real"], [blocks[n] for n in others], used, [samples[n] for n in ("real", *others)]
            )
            pairs = dict(zip(others, found, strict=True))
    _replace_marginals(ev, marginals["synthetic"], marginals.get("holdout"))
    if pairs:
        _replace_pairs(ev, pairs["synthetic"], pairs.get("holdout"))
    ev.manifest["scale"] = {
        "rows": {name: sum(p.rows for p in ps) for name, ps in parts.items()},
        "blocks": {name: len(ps) for name, ps in parts.items()},
        "sample_rows": {name: len(s) for name, s in samples.items()},
        "exact_over_every_row": list(EXACT),
        "pairs_from_samples": [list(p) for p in pairs["synthetic"].sampled] if pairs else [],
        "note": "every other metric on the seeded samples (their sizes above; k-NN metrics on max_rows "
        "of them); marginals and pairs exact over every row (their CIs and baselines are dropped), "
        "except the Spearman of the pairs_from_samples (a numeric column of too many distinct values "
        "to rank every row)",
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


def _replace_pairs(ev: Evaluation, got: BlockPairs, reference: BlockPairs | None) -> None:
    for i, m in enumerate(ev.metrics):
        key = f"{m.group}.{m.name}"
        if key not in ("fidelity.pairs", "fidelity.pairs_worst") or not got.scores:
            continue
        ref = None
        sampled = [list(p) for p in got.sampled]
        if key == "fidelity.pairs":
            value = float(np.mean(list(got.scores.values())))  # as the in-memory metric averages
            details: dict[str, Any] = {
                "n_pairs": len(got.scores),
                "exact": not sampled,
                "pairs_from_samples": sampled,
            }
            if reference:
                ref = float(np.mean(list(reference.scores.values())))
        else:
            pair = min(got.scores, key=lambda p: (got.scores[p], p))
            value, details = got.scores[pair], {"pair": list(pair), "exact": pair not in got.sampled}
            if reference:
                ref = min(reference.scores.values())
        ev.metrics[i] = replace(
            m, value=value, reference=ref, ci=None, baselines={}, saturated=False, details=details
        )
