"""A representation of rows as vectors, fitted on REAL rows only: what "close" means for every distance.

The evaluation's distance metrics (the 3D score, PRDC, privacy) and the generators' privacy guard
(:mod:`synthwise.generators.guard`) compare rows in this space, so a row the guard keeps is judged in
the space it was kept in. The default :class:`TabularEmbedding`:

* numeric and datetime columns: quantile-normalized to standard-normal scores fitted on the real values
  (mid-ranks, so ties stay ties), with a linear tail beyond the real range so that out-of-range values
  keep moving away; a missing indicator (weight 1) where the real column has missing values;
* categorical and boolean columns: one-hot, each coordinate scaled by 1/sqrt(2), so that two rows that
  differ in one category are exactly 1 apart, like one standard deviation of a numeric column; the
  most frequent ``max_categories - 1`` levels keep their own coordinate, the rest share one; missing is a
  level of its own; a category never seen in the real data maps to all zeros (0.71 from every level);
* identifier, text and constant columns are left out (they carry no comparable signal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from scipy.special import ndtri

from synthwise.schema import ColumnSchema, Schema, infer_schema
from synthwise.transforms.table import DISCRETE_KINDS, TableTransformer

CONTINUOUS_KINDS = ("numeric", "datetime", "time")
ONEHOT_WEIGHT = 1.0 / np.sqrt(2.0)
_MAX_Z = 8.0


def compared_columns(schema: Schema) -> list[ColumnSchema]:
    """The columns the metrics compare: the code columns (every kind except identifier, PII and text); a
    numeric column with special values is compared as its numbers and its categorical side channel (the
    share of each code)."""
    return TableTransformer(schema).encoded


def table_codes(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The codes of the compared columns from the one table encoder (``TableTransformer.to_codes``), as
    the metrics compare them: one float column per compared column, NaN where missing.

    A category the schema does not know becomes -1 (not NaN, so it is not mistaken for missing); a
    numeric or datetime value that cannot be parsed becomes NaN (validity counts it); -0.0 becomes 0.0,
    so equal values hash equally.
    """
    codes = TableTransformer(schema).to_codes(df, unseen="nan")
    for col in compared_columns(schema):
        if col.kind in DISCRETE_KINDS and col.name in df.columns:  # not a side channel (its own codes)
            values = codes[col.name].to_numpy()
            codes[col.name] = np.where(np.isnan(values) & df[col.name].notna().to_numpy(), -1.0, values)
    return codes + 0.0


@dataclass(frozen=True)
class QuantileScaler:
    """Values to standard-normal scores through the real empirical CDF (mid-ranks), linear beyond."""

    sorted_values: np.ndarray
    scale: float

    @classmethod
    def fit(cls, values: np.ndarray, *, max_points: int = 200_000) -> QuantileScaler:
        finite = np.sort(values[np.isfinite(values)])
        if len(finite) > max_points:
            finite = finite[np.linspace(0, len(finite) - 1, max_points).round().astype(np.int64)]
        if len(finite) == 0:
            finite = np.zeros(1)
        q25, q75 = np.quantile(finite, [0.25, 0.75])
        scale = (q75 - q25) / 1.349
        if not scale > 0:
            scale = float(np.std(finite)) or 1.0
        return cls(finite, float(scale))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        ref = self.sorted_values
        n = len(ref)
        v = np.where(np.isfinite(values), values, ref[0])
        ranks = np.searchsorted(ref, v, "left") + np.searchsorted(ref, v, "right")
        p = np.clip(ranks / (2.0 * n), 0.5 / n, 1.0 - 0.5 / n)
        z = ndtri(p)
        lo, hi = ref[0], ref[-1]
        z_lo, z_hi = ndtri(0.5 / n), ndtri(1.0 - 0.5 / n)
        z = np.where(v > hi, z_hi + (v - hi) / self.scale, z)
        z = np.where(v < lo, z_lo - (lo - v) / self.scale, z)
        z = np.clip(z, -_MAX_Z, _MAX_Z)
        return np.where(np.isfinite(values), z, 0.0)


@dataclass(frozen=True)
class _Block:
    column: str
    kind: str  # "continuous" or "discrete"
    width: int
    scaler: QuantileScaler | None = None
    slots: np.ndarray | None = None  # discrete: slot of each code 0..K-1
    missing_slot: int | None = None  # discrete: slot for missing; continuous: indicator present (0)


class TabularEmbedding:
    """The default embedding (see the module docstring). ``fit`` on real rows only."""

    def __init__(self, schema: Schema | None = None, *, max_categories: int = 30) -> None:
        self.schema = schema
        self.max_categories = max_categories

    def fit(self, real: pd.DataFrame) -> Self:
        schema = self.schema if self.schema is not None else infer_schema(real)
        self.schema_ = schema
        return self.fit_codes(table_codes(real, schema))

    def fit_codes(self, codes: pd.DataFrame) -> Self:
        """Fit from :func:`table_codes` of the real rows (saves encoding twice)."""
        if not hasattr(self, "schema_"):
            if self.schema is None:
                raise ValueError("TabularEmbedding.fit_codes needs a schema; pass one or call fit(real).")
            self.schema_ = self.schema
        blocks: list[_Block] = []
        names: list[str] = []
        for col in compared_columns(self.schema_):
            v = codes[col.name].to_numpy()
            has_missing = bool(np.isnan(v).any())
            if col.kind in CONTINUOUS_KINDS:
                blocks.append(
                    _Block(
                        col.name,
                        "continuous",
                        1 + has_missing,
                        scaler=QuantileScaler.fit(v),
                        missing_slot=0 if has_missing else None,
                    )
                )
                names += [col.name] + ([f"{col.name}__missing"] if has_missing else [])
                continue
            n_cat = len(col.categories)
            if n_cat <= 1 and not has_missing:
                continue  # a constant carries nothing to compare
            counts = np.bincount(v[np.isfinite(v) & (v >= 0)].astype(np.int64), minlength=n_cat)[:n_cat]
            keep = n_cat if n_cat <= self.max_categories else self.max_categories - 1
            order = np.argsort(-counts, kind="stable")
            slots = np.full(n_cat, keep, dtype=np.int64)
            slots[order[:keep]] = np.arange(keep)
            width = keep + (n_cat > keep)
            words = col.bool_labels or col.categories  # booleans written as words: shown as written
            labels = [f"{col.name}={words[i]}" for i in order[:keep]]
            labels += [f"{col.name}=(other)"] * (n_cat > keep)
            missing_slot = None
            if has_missing:
                missing_slot = width
                width += 1
                labels.append(f"{col.name}=(missing)")
            blocks.append(_Block(col.name, "discrete", width, slots=slots, missing_slot=missing_slot))
            names += labels
        self.blocks_ = blocks
        self.feature_names_ = names
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        return self.transform_codes(table_codes(df, self.schema_))

    def transform_codes(self, codes: pd.DataFrame) -> np.ndarray:
        """Embed rows given as :func:`table_codes`."""
        n = len(codes)
        out = np.zeros((n, len(self.feature_names_)), dtype=np.float64)
        at = 0
        for block in self.blocks_:
            v = codes[block.column].to_numpy(dtype=np.float64)
            miss = np.isnan(v)
            if block.kind == "continuous":
                assert block.scaler is not None
                out[:, at] = block.scaler(v)
                if block.missing_slot is not None:
                    out[:, at + 1] = miss
            else:
                assert block.slots is not None
                known = ~miss & (v >= 0) & (v < len(block.slots))
                rows = np.flatnonzero(known)
                out[rows, at + block.slots[v[known].astype(np.int64)]] = ONEHOT_WEIGHT
                if block.missing_slot is not None:
                    out[np.flatnonzero(miss), at + block.missing_slot] = ONEHOT_WEIGHT
            at += block.width
        return out
