"""A row's other columns as a few discrete context tokens, so a text model can be conditioned on the
row it belongs to (a tweet's ``source`` and its wording agree).

Each usable column (categorical, boolean, numeric, datetime, time; at most ``MAX_COLUMNS`` in schema
order) becomes one token: discrete columns keep their ``MAX_VALUES`` most frequent codes (plus "other"
and "missing"), continuous ones fall into ``BINS`` quantile bins (plus "missing"). Codes come from
:func:`synthwise.transforms.table.encode_column`, so real and generated rows map the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise.schema import Schema
from synthwise.transforms.table import DISCRETE_KINDS, encode_column, is_encoded

MAX_COLUMNS = 8
MAX_VALUES = 30
BINS = 5


@dataclass(frozen=True)
class ContextColumn:
    name: str
    discrete: bool
    points: tuple[float, ...]  # kept codes (discrete) or inner bin edges (continuous)

    @property
    def size(self) -> int:
        return len(self.points) + 2

    def tokens(self, codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(codes), dtype=np.int64)  # 0: missing
        ok = ~np.isnan(codes)
        if self.discrete:
            kept = np.asarray(self.points, dtype=np.float64)
            pos = np.searchsorted(kept, codes[ok]) if len(kept) else np.zeros(int(ok.sum()), dtype=np.int64)
            pos = np.minimum(pos, max(len(kept) - 1, 0))
            hit = kept[pos] == codes[ok] if len(kept) else np.zeros(int(ok.sum()), dtype=bool)
            out[ok] = np.where(hit, pos + 2, 1)  # 1: other
        else:
            out[ok] = 1 + np.searchsorted(np.asarray(self.points), codes[ok], side="right")
        return out


@dataclass(frozen=True)
class RowContext:
    columns: tuple[ContextColumn, ...]

    @classmethod
    def fit(cls, frame: pd.DataFrame, schema: Schema) -> RowContext:
        cols: list[ContextColumn] = []
        for col in schema.columns:
            if len(cols) >= MAX_COLUMNS or col.name not in frame.columns or not is_encoded(col):
                continue
            codes = encode_column(frame[col.name], col, unseen="nan")
            ok = codes[~np.isnan(codes)]
            if col.kind in DISCRETE_KINDS:
                values, counts = np.unique(ok, return_counts=True)
                top = np.sort(values[np.argsort(-counts, kind="stable")[:MAX_VALUES]])
                cols.append(ContextColumn(col.name, True, tuple(float(v) for v in top)))
            else:
                edges: Any = np.unique(np.quantile(ok, np.linspace(0, 1, BINS + 1)[1:-1])) if len(ok) else []
                cols.append(ContextColumn(col.name, False, tuple(float(v) for v in edges)))
        return cls(tuple(cols))

    @property
    def sizes(self) -> list[int]:
        return [c.size for c in self.columns]

    def tokens(self, frame: pd.DataFrame, schema: Schema) -> np.ndarray:
        """``(n, len(columns))`` local token ids (each column counts from 0)."""
        out = np.zeros((len(frame), len(self.columns)), dtype=np.int64)
        for j, c in enumerate(self.columns):
            if c.name in frame.columns:
                out[:, j] = c.tokens(encode_column(frame[c.name], schema[c.name], unseen="nan"))
        return out

    def to_dict(self) -> list[dict[str, Any]]:
        return [{"name": c.name, "discrete": c.discrete, "points": list(c.points)} for c in self.columns]

    @classmethod
    def from_dict(cls, items: list[dict[str, Any]]) -> RowContext:
        return cls(tuple(ContextColumn(d["name"], bool(d["discrete"]), tuple(d["points"])) for d in items))
