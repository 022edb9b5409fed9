"""The entity model: static attributes, sequence length and start drawn together by a tabular generator.

The entity table (one row per entity: the static columns, ``LENGTH`` and ``START``; see
:mod:`synthwise.generators.sequential.layout`) is learned by a registered tabular generator (``cart`` by
default: lengths and starts then come from real donors of the tree leaf the static attributes lead to,
i.e. from their empirical distribution conditional on the static attributes). Conditions on static
columns are passed to it. With a single entity (one long series) there is nothing to learn from: that
entity's row is reused.

The fitted tabular generator is stored inside the sequential model file through its own
:meth:`Generator.state` / :meth:`Generator.restore` (JSON plus arrays, under a prefix): no pickle.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import SamplingError
from synthwise.generators.base import Generator
from synthwise.generators.registry import create, get
from synthwise.generators.sequential.layout import LENGTH, START, Layout, entity_schema_overrides
from synthwise.schema import Schema, infer_schema


class EntityModel:
    """Fit and sample the entity table with a tabular generator (see the module docstring)."""

    def __init__(self, generator: str, params: dict[str, Any] | None = None) -> None:
        self.generator = generator
        self.params = dict(params or {})
        self.model: Generator | None = None
        self.single: pd.DataFrame | None = None  # the only entity, when there is one

    def fit(self, entities: pd.DataFrame, schema: Schema, layout: Layout, seed: int) -> EntityModel:
        if len(entities) < 2:
            self.single = entities.reset_index(drop=True).copy()
            return self
        overrides = entity_schema_overrides(schema, layout)
        table_schema = infer_schema(entities, overrides=overrides)
        self.model = create(self.generator, seed=seed, **self.params).fit(entities, table_schema)
        return self

    @property
    def static(self) -> list[str]:
        frame = self.single if self.single is not None else None
        if frame is not None:
            return [c for c in frame.columns if c not in (LENGTH, START)]
        assert self.model is not None
        return [c for c in self.model.columns_ if c not in (LENGTH, START)]

    def sample(self, n: int, conditions: dict[str, Any] | pd.DataFrame | None, seed: int) -> pd.DataFrame:
        """``n`` entity rows (or one per row of a conditions frame); conditions may fix the sequence
        length (``LENGTH``) besides the static columns."""
        if conditions is not None:
            cols = list(conditions) if isinstance(conditions, dict) else list(conditions.columns)
            bad = [c for c in cols if c not in self.static and c != LENGTH]
            if bad:
                raise SamplingError(
                    f"Conditions name {bad}, which are not static (per-entity) columns. "
                    f"Fix: condition only on {self.static or 'no column: this table has no static column'}."
                )
        if self.single is not None:
            rows = len(conditions) if isinstance(conditions, pd.DataFrame) else n
            out = self.single.iloc[np.zeros(rows, dtype=np.int64)].reset_index(drop=True)
            if conditions is not None:
                frame = conditions if isinstance(conditions, pd.DataFrame) else pd.DataFrame([conditions])
                for c in frame.columns:
                    if c == LENGTH:  # any length can be asked of the one real entity's model
                        given = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64)
                        old = out[LENGTH].to_numpy(dtype=np.float64)
                        out[LENGTH] = np.where(np.isnan(given), old, np.resize(given, len(out)))
                        continue
                    wanted = frame[c].dropna().astype(str).unique()
                    if len(wanted) and not set(wanted) <= set(out[c].astype(str)):
                        raise SamplingError(
                            f"The condition on {c!r} cannot be met: the only real entity has "
                            f"{out[c].iloc[0]!r}. Fix: relax the condition."
                        )
            return out
        assert self.model is not None
        return self.model.sample(n, conditions=conditions, seed=seed).reset_index(drop=True)

    # -- model files ------------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {"generator": self.generator, "params": self.params}
        if self.single is not None:
            row = self.single.iloc[0]
            meta["single"] = {
                "columns": list(self.single.columns),
                "values": [_plain(row[c]) for c in self.single.columns],
                "dtypes": [str(self.single[c].dtype) for c in self.single.columns],
            }
            return meta, {}
        assert self.model is not None
        fields, arrays = self.model.state()
        meta["model"] = {"name": self.model.name, **fields}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> EntityModel:
        out = cls(str(meta["generator"]), dict(meta.get("params") or {}))
        if "single" in meta:
            s = meta["single"]
            frame = pd.DataFrame({c: [v] for c, v in zip(s["columns"], s["values"], strict=True)})
            for c, dtype in zip(s["columns"], s["dtypes"], strict=True):
                with contextlib.suppress(TypeError, ValueError):
                    frame[c] = frame[c].astype(dtype)
            out.single = frame
            return out
        m = meta["model"]
        out.model = get(str(m["name"])).restore(m, arrays)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
