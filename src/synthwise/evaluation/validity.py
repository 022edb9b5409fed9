"""Validity: does each synthetic row respect the schema learned from the real data.

A row is valid when, in every column: the value parses as the column's kind (a number, a date), a
categorical value is one of the real categories, a numeric or datetime value lies within the real
[min, max] range (integers stay integers), and a value is missing only where the real column has
missing values. Identifier and text columns are checked for the last rule only. Columns of the real
data missing from the synthetic table stop the evaluation with an error; extra synthetic columns are
ignored and listed in ``details["extra_columns"]``.
"""

from __future__ import annotations

import numpy as np

from synthwise.evaluation.context import Context, Table
from synthwise.evaluation.embed import CONTINUOUS_KINDS
from synthwise.evaluation.registry import Score, metric
from synthwise.schema import Schema
from synthwise.transforms import DISCRETE_KINDS, is_encoded
from synthwise.transforms.special import has_side_channel, side_name


def row_validity(table: Table, schema: Schema) -> tuple[np.ndarray, dict[str, int]]:
    """Per row: valid or not; per column: how many rows break a rule there."""
    n = len(table)
    valid = np.ones(n, dtype=bool)
    failures: dict[str, int] = {}
    for col in schema.columns:
        null = table.frame[col.name].isna().to_numpy()
        bad = null.copy() if col.missing_rate == 0 else np.zeros(n, dtype=bool)
        if is_encoded(col) and (col.kind in CONTINUOUS_KINDS or col.kind in DISCRETE_KINDS):
            codes = table.codes[col.name].to_numpy()
            unread = np.isnan(codes) & ~null  # unparseable number or date
            if has_side_channel(col):  # where a special value stands, its side channel holds its code
                unread &= np.isnan(table.codes[side_name(col.name)].to_numpy())
            bad |= unread
            if col.kind in DISCRETE_KINDS:
                bad |= codes < 0  # a category the real data does not have
            else:
                finite = np.nan_to_num(codes, nan=0.0)
                if col.min is not None and col.max is not None:
                    tol = 1e-9 * max(1.0, abs(col.max - col.min))
                    bad |= ~np.isnan(codes) & ((finite < col.min - tol) | (finite > col.max + tol))
                if col.kind == "numeric" and col.integer:
                    bad |= ~np.isnan(codes) & (np.mod(finite, 1.0) != 0)
        if bad.any():
            failures[col.name] = int(bad.sum())
        valid &= ~bad
    return valid, failures


def validity_of(ctx: Context) -> tuple[np.ndarray, dict[str, int]]:
    return ctx.memo("validity", lambda: row_validity(ctx.synthetic, ctx.schema))


@metric("valid_rows", "validity", "maximize", (0.0, 1.0))
def valid_rows(ctx: Context) -> Score:
    """Share of synthetic rows respecting the real schema (kind, category, range, missingness). Ideal 1."""
    valid, failures = validity_of(ctx)
    rows = valid.astype(np.float64)
    extra = [str(c) for c in ctx.synthetic.frame.columns if c not in ctx.schema]
    details = {"failures_by_column": failures, "extra_columns": extra}
    return Score(float(rows.mean()), details=details, rows=rows)
