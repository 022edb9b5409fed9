"""What decoding learns from the real table for long-tail categoricals and repeated keys.

* a long-tail categorical (``col.min_count`` set, ``col.tail == "chars"``): a :class:`TailModel` of its
  tail values, which writes a fresh value for every row the generator put in the tail category;
* a repeated key (identifier with ``col.repeats``): the real rows-per-key distribution
  (:func:`~synthwise.transforms.identifier.group_sizes`).

Both go into model files as arrays + JSON (:meth:`LearnedValues.state`). A transformer built from a
public schema only (the differentially private generators) learns nothing here: its tail rows are drawn
from the frequent (public) categories and its repeated keys get sizes around the schema's mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema, Schema
from synthwise.schema.model import TAIL
from synthwise.transforms.categorical import is_long_tail
from synthwise.transforms.identifier import generate_identifiers, generate_repeated, group_sizes
from synthwise.transforms.tail import TailModel, draw_from_frequent


@dataclass
class LearnedValues:
    tails: dict[str, TailModel] = field(default_factory=dict)
    sizes: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def fit(cls, df: pd.DataFrame, schema: Schema) -> LearnedValues:
        out = cls()
        for col in schema.columns:
            if col.kind == "categorical" and is_long_tail(col) and col.tail != "frequent":
                s = df[col.name].dropna()
                frequent = pd.Index(list(col.categories[:-1]), dtype=object)
                out.tails[col.name] = TailModel.fit(s[~s.isin(frequent)])
            elif col.kind == "identifier" and col.repeats:
                out.sizes[col.name] = group_sizes(df[col.name])
        return out

    def fill_tail(self, series: pd.Series, col: ColumnSchema, rng: np.random.Generator) -> pd.Series:
        """Replace the TAIL label in a decoded long-tail column by generated values."""
        if not is_long_tail(col):
            return series
        values = series.astype(object)
        mask = (values == TAIL).to_numpy(dtype=bool)
        if not mask.any():
            return series
        model = self.tails.get(col.name)
        if model is not None and col.tail != "frequent":
            frequent = frozenset(str(c) for c in col.categories[:-1])
            fresh: list[Any] = model.sample(int(mask.sum()), rng, avoid=frequent)
        else:
            fresh = draw_from_frequent(values, mask, col.categories[:-1], rng)
        values = values.copy()
        values[mask] = fresh
        if str(series.dtype) in ("object",):
            return values
        try:
            return values.astype(series.dtype)
        except (TypeError, ValueError):
            return values

    def identifiers(
        self, col: ColumnSchema, n: int, rng: np.random.Generator, *, start: int, n_rows: int
    ) -> pd.Series:
        """Fresh keys: unique, or repeated over groups of rows like the real key."""
        if not col.repeats:
            return generate_identifiers(col, n, rng, start=start)
        mean = (1 - col.missing_rate) * n_rows / col.n_unique if col.n_unique else 2.0
        return generate_repeated(col, n, rng, self.sizes.get(col.name), mean_size=mean, start=start)

    # -- state for model files ------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {"tails": {}, "sizes": {}}
        arrays: dict[str, np.ndarray] = {}
        for i, (name, model) in enumerate(self.tails.items()):
            m, a = model.state(f"tail{i}")
            meta["tails"][name] = m
            arrays.update(a)
        for i, (name, sizes) in enumerate(self.sizes.items()):
            meta["sizes"][name] = f"sizes{i}"
            arrays[f"sizes{i}"] = sizes
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> LearnedValues:
        out = cls()
        for name, m in meta.get("tails", {}).items():
            out.tails[name] = TailModel.from_state(m, arrays)
        for name, key in meta.get("sizes", {}).items():
            out.sizes[name] = np.asarray(arrays[key], dtype=np.int64).reshape(-1, 2)
        return out
