"""A long sequential table split into entities (static attributes, length, start) and steps, and back.

The split is what every sequential generator learns from:

* rows are ordered by entity (first-seen order) and, within an entity, by the sequence index (stable);
* ``entities``: one row per entity with the static columns in their original dtypes plus the sequence
  length (``LENGTH``) and the first sequence-index value as a code (``START``: seconds since the epoch
  for datetimes, the number itself for integers);
* ``steps``: the codes (see :class:`~synthwise.transforms.TableTransformer`) of the time-varying columns,
  one row per real row; ``gaps``: the increase of the sequence index since the previous step of the same
  entity (NaN at each entity's first step), never negative since rows are sorted by the index.

:func:`assemble` goes the other way: sampled entities (static values, lengths, starts) plus sampled step
codes and gaps to a long table with the real columns and dtypes, fresh entity ids, the index rebuilt as
``start + cumulative gaps`` (so time never goes backwards) and static columns constant within each entity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem
from synthwise.schema import ColumnSchema, Schema
from synthwise.schema.roles import static_columns
from synthwise.transforms import TableTransformer, encode_column, is_encoded
from synthwise.transforms.special import code_columns

LENGTH = "_sw_length"
START = "_sw_start"


@dataclass(frozen=True)
class Layout:
    """Which column plays which part. ``steps`` are the code columns of the time-varying columns (codes
    modelled; a numeric column with special values adds its side channel, see
    :meth:`TableTransformer.code_schema`); other time-varying columns (identifiers, text, all-missing
    columns) are generated fresh by the transformer."""

    entity: str | None
    index: str | None
    static: tuple[str, ...]
    steps: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "index": self.index,
            "static": list(self.static),
            "steps": list(self.steps),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Layout:
        static, steps = data["static"], data["steps"]
        assert isinstance(static, list) and isinstance(steps, list)
        return cls(
            entity=data["entity"] if isinstance(data["entity"], str) else None,
            index=data["index"] if isinstance(data["index"], str) else None,
            static=tuple(map(str, static)),
            steps=tuple(map(str, steps)),
        )


@dataclass
class Sequences:
    """A long table split for learning (see the module docstring). Arrays follow the sorted row order."""

    layout: Layout
    entities: pd.DataFrame  # one row per entity: static columns (original dtypes), LENGTH, START
    lengths: np.ndarray  # (n_entities,) int64, each >= 1
    steps: np.ndarray  # (n_rows, len(layout.steps)) float codes, NaN = missing
    gaps: np.ndarray  # (n_rows,) index increase since the previous step; NaN at first steps / no index
    order: np.ndarray  # row positions of the input table in sorted order

    @property
    def offsets(self) -> np.ndarray:
        """Row where each entity starts, plus the total: (n_entities + 1,)."""
        return np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)

    @property
    def position(self) -> np.ndarray:
        """Step number of each row within its entity (0 for first steps)."""
        return np.arange(int(self.lengths.sum())) - np.repeat(self.offsets[:-1], self.lengths)

    @property
    def entity_of_row(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.lengths)), self.lengths)


def make_layout(df: pd.DataFrame, schema: Schema) -> Layout:
    """The layout of ``df`` under ``schema`` (whose ``entity`` / ``sequence_index`` may be None)."""
    entity, index = schema.entity, schema.sequence_index
    problems: list[ColumnProblem] = []
    if index is not None:
        col = schema[index]
        if col.kind not in ("datetime", "numeric", "constant"):
            problems.append(
                ColumnProblem(
                    index,
                    f"is the sequence index but is a {col.kind} column",
                    "use a datetime or numeric column as the sequence index, or none (row order)",
                )
            )
        elif df[index].isna().any():
            problems.append(
                ColumnProblem(
                    index,
                    f"is the sequence index but has {int(df[index].isna().sum()):,} missing values",
                    "drop those rows or fill the index before synthesis",
                )
            )
    if entity is not None and df[entity].isna().any():
        problems.append(
            ColumnProblem(
                entity,
                f"is the entity key but has {int(df[entity].isna().sum()):,} missing values",
                "drop those rows or give them a key",
            )
        )
    if problems:
        raise ColumnError(problems)
    taken = {c for c in (entity, index) if c}
    static = tuple(c for c in static_columns(df, entity, exclude=tuple(taken)))
    steps = tuple(  # the code columns: a numeric column with special values has a side channel too
        code.name
        for c in schema.columns
        if c.name not in taken and c.name not in static and is_encoded(c)
        for code in code_columns(c)
    )
    return Layout(entity, index, static, steps)


def split(df: pd.DataFrame, schema: Schema, layout: Layout, codes: pd.DataFrame) -> Sequences:
    """Sort ``df`` by entity and index and split it (``df`` is not modified); ``codes`` are its codes
    (:meth:`TableTransformer.fit_codes`), row for row."""
    n = len(df)
    keys = (
        np.asarray(pd.factorize(df[layout.entity])[0], dtype=np.int64)
        if layout.entity is not None
        else np.zeros(n, dtype=np.int64)
    )
    index = (
        encode_column(df[layout.index], schema[layout.index])
        if layout.index is not None
        else np.zeros(n, dtype=np.float64)
    )
    order = np.lexsort((np.arange(n), index, keys))
    keys, index = keys[order], index[order]
    lengths = np.bincount(keys).astype(np.int64)
    firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    sorted_df = df.iloc[order].reset_index(drop=True)
    entities = sorted_df.loc[firsts, list(layout.static)].reset_index(drop=True)
    entities[LENGTH] = lengths
    entities[START] = index[firsts] if layout.index is not None else 0.0
    steps = codes[list(layout.steps)].to_numpy(dtype=np.float64)[order] if layout.steps else np.zeros((n, 0))
    gaps = np.full(n, np.nan)
    if layout.index is not None:
        same = keys[1:] == keys[:-1]
        gaps[1:] = np.where(same, np.diff(index), np.nan)
    return Sequences(layout, entities, lengths, steps, gaps, order)


def entity_schema_overrides(schema: Schema, layout: Layout) -> dict[str, dict[str, object]]:
    """Kinds of the static columns, forced in the entity table (one row per entity looks more unique)."""
    out: dict[str, dict[str, object]] = {}
    for name in layout.static:
        col = schema[name]
        entry: dict[str, object] = {"kind": col.kind}
        if col.kind == "categorical":
            entry["categories"] = list(col.categories)
        out[name] = entry
    out[LENGTH] = {"kind": "numeric"}
    out[START] = {"kind": "numeric"}
    return out


def static_codes(entities: pd.DataFrame, schema: Schema, layout: Layout) -> np.ndarray:
    """The entity context every step model is conditioned on: encoded static columns, length and start
    (NaN = missing), one row per entity."""
    cols = [
        encode_column(entities[name], schema[name], unseen="nan")
        for name in layout.static
        if is_encoded(schema[name])
    ]
    cols.append(entities[LENGTH].to_numpy(dtype=np.float64))
    cols.append(entities[START].to_numpy(dtype=np.float64))
    return np.column_stack(cols) if cols else np.zeros((len(entities), 0))


def assemble(
    schema: Schema,
    layout: Layout,
    transformer: TableTransformer,
    columns: list[str],
    entities: pd.DataFrame,
    steps: np.ndarray,
    gaps: np.ndarray,
    ids: pd.Series | None,
    rng: np.random.Generator,
    id_start: int = 0,
) -> pd.DataFrame:
    """Sampled entities and step codes to a long table in the real column order and dtypes; row-level
    identifiers are numbered from ``id_start``."""
    lengths = entities[LENGTH].to_numpy(dtype=np.int64)
    total = int(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    codes = pd.DataFrame({c.name: np.zeros(total) for c in transformer.encoded}, index=pd.RangeIndex(total))
    for j, name in enumerate(layout.steps):
        codes[name] = steps[:, j]
    if layout.index is not None:
        g = np.where(np.isnan(gaps), 0.0, np.maximum(gaps, 0.0))
        g[starts] = 0.0
        cum = np.cumsum(g)
        index = entities[START].to_numpy(dtype=np.float64)[owner] + cum - np.repeat(cum[starts], lengths)
        codes[layout.index] = index
    out = transformer.from_codes(codes, rng=rng, id_start=id_start)
    for name in layout.static:
        out[name] = _repeat(entities[name], owner)
    if layout.entity is not None and ids is not None:
        out[layout.entity] = _repeat(ids, owner)
    return out[columns]


def _repeat(values: pd.Series, owner: np.ndarray) -> pd.Series:
    return values.iloc[owner].reset_index(drop=True)


def entity_id_column(schema: Schema, df: pd.DataFrame, entity: str) -> ColumnSchema:
    """An identifier column shaped like the real entity keys, for fresh ids (see ``generate_identifiers``)."""
    import re

    col = schema[entity]
    values = df[entity].dropna()
    if col.kind == "identifier":
        return col
    if pd.api.types.is_integer_dtype(values.dtype) or (
        col.kind == "numeric" and bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    ):
        return ColumnSchema(
            name=entity, kind="identifier", dtype=col.dtype, id_template="int", max=float(values.max())
        )
    text = values.astype(str)
    m = text.str.extract(re.compile(r"^([A-Za-z_-]*?)(\d+)$"))
    template, top = "token", None
    if m.notna().all().all() and m[0].nunique() == 1:
        widths = m[1].str.len()
        width = int(widths.max()) if widths.nunique() == 1 else 0
        prefix = str(m[0].iloc[0])
        template = f"{prefix}{{:0{width}d}}" if width else f"{prefix}{{:d}}"
        top = float(pd.to_numeric(m[1]).max())
    return ColumnSchema(name=entity, kind="identifier", dtype=col.dtype, id_template=template, max=top)
