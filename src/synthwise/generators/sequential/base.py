"""The sequential generators' hooks on the one :class:`Generator` lifecycle.

:class:`SequentialGenerator` overrides the base's data hooks only. ``_fit_data`` resolves the schema
and the sequence roles (inferred when not given), encodes the long table once, splits it
(:mod:`synthwise.generators.sequential.layout`), fits the entity model (static attributes, length,
start: :mod:`synthwise.generators.sequential.entities`) and hands the steps to the subclass.
``_sample_data`` draws ``n`` entities, asks the subclass for their steps and assembles the long table:
the real columns and dtypes, fresh entity ids, the index rebuilt from non-negative gaps, static columns
constant within each entity. ``fit``, ``sample``, seeding and model files are the base's.

Subclasses implement:

* ``_fit_steps(seqs, context, rng)``: learn the steps; ``context`` is the (n_entities, k) entity context
  (encoded static columns, length, start; see ``static_codes``) aligned with ``seqs.lengths``;
* ``_sample_steps(context, lengths, rng) -> (steps, gaps)``: step codes (sum(lengths), n_step_columns)
  and gaps (sum(lengths),) for entities in order;
* ``_step_state()`` / ``_set_step_state(meta, arrays)``: their fitted state as JSON and arrays.

In model files the entity model's state is nested under ``entity/`` keys, the steps' under ``steps/``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Conditions
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Generator, checked_schema
from synthwise.generators.sequential.entities import EntityModel
from synthwise.generators.sequential.layout import (
    LENGTH,
    Layout,
    Sequences,
    assemble,
    entity_id_column,
    make_layout,
    split,
    static_codes,
)
from synthwise.schema import ColumnSchema, Schema
from synthwise.schema.roles import Roles, infer_roles, with_roles
from synthwise.transforms import TableTransformer
from synthwise.transforms.identifier import generate_identifiers


class SequentialGenerator(Generator):
    """Base of the sequential generators: ``sample(n)`` returns ``n`` entities as a long table."""

    entity_generator: str = "cart"

    # -- fit --------------------------------------------------------------------------------------------
    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        """Learn from the long table ``data``. Roles not set in ``schema`` are inferred."""
        schema = checked_schema(data, schema)
        roles = infer_roles(data, schema)
        schema = with_roles(schema, Roles(roles.entity, roles.sequence_index))
        self.schema_ = schema
        self.columns_ = list(data.columns)
        self.transformer_ = TableTransformer(schema)
        codes = self.transformer_.fit_codes(data)
        self.layout_ = make_layout(data, schema)
        seqs = split(data, schema, self.layout_, codes)
        entity_seed = int(rng.integers(0, 2**31 - 1))
        self.entity_model_ = EntityModel(self.entity_generator, self._entity_params()).fit(
            seqs.entities, schema, self.layout_, entity_seed
        )
        self.entity_ids_ = (
            entity_id_column(schema, data, self.layout_.entity) if self.layout_.entity is not None else None
        )
        self.max_length_ = int(seqs.lengths.max())
        self._fit_steps(seqs, static_codes(seqs.entities, schema, self.layout_), rng)
        self.n_rows_ = len(data)
        self.n_entities_ = len(seqs.lengths)

    def _entity_params(self) -> dict[str, Any]:
        return {}

    # -- sample -----------------------------------------------------------------------------------------
    def _sample_data(
        self,
        n: int,
        conditions: Conditions,
        rng: np.random.Generator,
        max_rejection_s: float,
        id_start: int = 0,
    ) -> pd.DataFrame:
        """``n`` synthetic entities as a long table (all their steps), with the real columns and dtypes.

        ``conditions`` fixes static (per-entity) columns: a dict applied to every entity, or a frame with
        one row per wanted entity (NaN = free; ``n`` is then its length). ``max_rejection_s`` is unused:
        conditions on static columns are met natively by the entity model. Entity ids are numbered from
        ``id_start``, row-level keys from ``id_start`` times the longest real sequence (lengths are drawn
        within the real range, so the blocks of :mod:`synthwise.scale` never share a key).
        """
        if isinstance(conditions, pd.DataFrame):
            n = len(conditions)
        if conditions is not None and not isinstance(conditions, dict | pd.DataFrame):
            raise InvalidParameterError.expected(
                "conditions", "sample", "a dict of static column values or a DataFrame", conditions
            )
        entity_rng, step_rng, decode_rng = rng.spawn(3)
        if n == 0:
            return self._empty()
        entities = self.entity_model_.sample(n, conditions, int(entity_rng.integers(0, 2**31 - 1)))
        lengths = np.clip(entities[LENGTH].to_numpy(dtype=np.float64).round(), 1, None).astype(np.int64)
        entities[LENGTH] = lengths
        context = static_codes(entities, self.schema_, self.layout_)
        steps, gaps = self._sample_steps(context, lengths, step_rng)
        ids = (
            generate_identifiers(self.entity_ids_, len(entities), decode_rng, start=id_start)
            if self.entity_ids_ is not None
            else None
        )
        return assemble(
            self.schema_,
            self.layout_,
            self.transformer_,
            self.columns_,
            entities,
            steps,
            gaps,
            ids,
            decode_rng,
            # row-level keys of a block of entities: room for every entity at the longest real length
            id_start * self.max_length_,
        )

    def _empty(self) -> pd.DataFrame:
        empty = pd.DataFrame({c: pd.Series([], dtype=self.schema_[c].dtype) for c in self.columns_})
        for c in self.columns_:
            with contextlib.suppress(TypeError, ValueError):
                empty[c] = empty[c].astype(self.schema_[c].dtype)
        return empty

    # -- hooks ------------------------------------------------------------------------------------------
    def _fit_steps(self, seqs: Sequences, context: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample_steps(
        self, context: np.ndarray, lengths: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _step_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise NotImplementedError

    def _set_step_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- model files ------------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        e_meta, e_arrays = self.entity_model_.state()
        s_meta, s_arrays = self._step_state()
        meta = {
            "layout": self.layout_.to_dict(),
            "entity_model": e_meta,
            "entity_ids": self.entity_ids_.to_dict() if self.entity_ids_ is not None else None,
            "max_length": self.max_length_,
            "n_entities": self.n_entities_,
            "steps": s_meta,
        }
        arrays = {f"entity/{k}": v for k, v in e_arrays.items()}
        arrays.update({f"steps/{k}": v for k, v in s_arrays.items()})
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.layout_ = Layout.from_dict(meta["layout"])
        self.entity_model_ = EntityModel.from_state(
            meta["entity_model"], {k[7:]: v for k, v in arrays.items() if k.startswith("entity/")}
        )
        ids = meta.get("entity_ids")
        self.entity_ids_ = ColumnSchema.from_dict(ids) if ids else None
        self.max_length_ = int(meta["max_length"])
        self.n_entities_ = int(meta["n_entities"])
        self._set_step_state(meta["steps"], {k[6:]: v for k, v in arrays.items() if k.startswith("steps/")})
