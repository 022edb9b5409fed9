"""Long-tail categoricals: when a string column's rare values become one tail category.

A string column that is not a key (:mod:`synthwise.schema.keys`) nor free text is categorical. It is a
**long-tail** categorical when it has more than ``max_categories`` levels, or at least
:data:`MIN_LEVELS` levels of which at least half are rare (seen fewer than ``min_count`` times, default
:data:`synthwise.schema.model.DEFAULT_MIN_COUNT`). Then the values seen at least ``min_count`` times
are its categories, at most ``max_categories - 1`` of them (the most frequent), and everything else
is the tail: one more category, :data:`synthwise.schema.model.TAIL`, listed last. The tail keeps its
share and its relation to the other columns (generators learn it like any category); its values are
generated at decoding (:mod:`synthwise.transforms.tail`), so a rare real value is never copied.

The categories of a long-tail column are facts of the data. Differentially private generators take
them from a PUBLIC schema only (a schema inferred from the private data is refused, as for any
categorical); real values outside the public categories then count as the tail.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from synthwise.schema.model import DEFAULT_MIN_COUNT, TAIL, ColumnSchema

MIN_LEVELS = 100


def long_tail(
    values: pd.Series, *, max_categories: int, min_count: int = DEFAULT_MIN_COUNT, force: bool = False
) -> dict[str, Any] | None:
    """Long-tail facts (categories with TAIL last, ``min_count``, ``tail``, ``why``) or None for an
    ordinary categorical. ``values``: the non-missing values; ``force``: a long tail whatever the rule
    says (the schema declares ``min_count``)."""
    counts = values.value_counts(sort=True)
    n_levels = len(counts)
    rare = counts[counts < min_count]
    if not force and n_levels <= max_categories and (n_levels < MIN_LEVELS or len(rare) < 0.5 * n_levels):
        return None
    frequent = counts[counts >= min_count].iloc[: max(max_categories - 1, 0)]
    cats = tuple(sorted((_py(v) for v in frequent.index), key=str))
    tail_rows = len(values) - int(frequent.sum())
    why = (
        f"{n_levels:,} distinct values in {len(values):,} rows: {len(cats):,} seen {min_count}+ times are "
        f"categories, the other {n_levels - len(cats):,} ({tail_rows / max(len(values), 1):.1%} of rows) "
        "are one tail category with generated values"
    )
    return {"categories": (*cats, TAIL), "min_count": min_count, "tail": "chars", "why": why}


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def with_min_count(col: ColumnSchema, values: pd.Series, *, max_categories: int) -> ColumnSchema:
    """``col`` made a long-tail categorical with its declared ``min_count`` (a schema override):
    the categories are recomputed from ``values`` (the non-missing values)."""
    if col.kind != "categorical" or col.min_count is None:
        return col
    facts = long_tail(values, max_categories=max_categories, min_count=col.min_count, force=True)
    assert facts is not None
    return replace(col, **{**facts, "tail": col.tail or facts["tail"]})
