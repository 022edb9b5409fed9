"""The plumbing shared by the sequential generators (one level below :class:`Generator`).

``fit(df, schema)`` infers the schema and the sequence roles when they are not given, splits the long
table (:mod:`synthwise.sequential.layout`), fits the entity model (static attributes, length, start:
:mod:`synthwise.sequential.entities`) and hands the steps to the subclass. ``sample(n_entities, ...)``
draws ``n_entities`` entities, asks the subclass for their steps and assembles the long table: the real
columns and dtypes, fresh entity ids, the index rebuilt from non-negative gaps, static columns constant
within each entity.

Subclasses implement:

* ``_fit_steps(seqs, context)``: learn the steps; ``context`` is the (n_entities, k) entity context
  (encoded static columns, length, start; see ``static_codes``) aligned with ``seqs.lengths``;
* ``_sample_steps(context, lengths, rng) -> (steps, gaps)``: step codes (sum(lengths), n_step_columns)
  and gaps (sum(lengths),) for entities in order;
* ``_step_state()`` / ``_set_step_state(meta, arrays)``: their fitted state as JSON and arrays.

Model files reuse :mod:`synthwise.generators.modelfile` (the base's ``save`` / ``load``): the entity
model's state is nested under ``entity/`` keys.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Self

import numpy as np
import pandas as pd

from synthwise._types import Conditions, Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Generator
from synthwise.random import make_rng
from synthwise.schema import Schema, infer_schema, validate_data
from synthwise.schema.roles import Roles, infer_roles, with_roles
from synthwise.sequential.entities import EntityModel
from synthwise.sequential.layout import (
    LENGTH,
    Layout,
    Sequences,
    assemble,
    entity_id_column,
    make_layout,
    split,
    static_codes,
)
from synthwise.transforms import TableTransformer
from synthwise.transforms.identifier import generate_identifiers


class SequentialGenerator(Generator):
    """Base of the sequential generators: ``sample(n)`` returns ``n`` entities as a long table."""

    entity_generator: str = "cart"

    # -- fit --------------------------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, schema: Schema | None = None) -> Self:
        """Learn from the long table ``data`` (never modified). Roles not set in ``schema`` are inferred."""
        self._validate_params()
        schema = infer_schema(data) if schema is None else schema
        validate_data(data, schema)
        roles = infer_roles(data, schema)
        schema = with_roles(schema, Roles(roles.entity, roles.sequence_index))
        self.schema_ = schema
        self.columns_ = list(data.columns)
        self.transformer_ = TableTransformer(schema).fit(data)
        self.layout_ = make_layout(data, schema)
        seqs = split(data, schema, self.layout_, self.transformer_)
        rng = make_rng(self.seed)
        self._fit_rng = rng
        started = time.perf_counter()
        entity_seed = int(rng.integers(0, 2**31 - 1))
        self.entity_model_ = EntityModel(self.entity_generator, self._entity_params()).fit(
            seqs.entities, schema, self.layout_, entity_seed
        )
        self.entity_ids_ = (
            entity_id_column(schema, data, self.layout_.entity) if self.layout_.entity is not None else None
        )
        self.max_length_ = int(seqs.lengths.max())
        self._fit_steps(seqs, static_codes(seqs.entities, schema, self.layout_))
        self.fit_seconds_ = time.perf_counter() - started
        self.n_rows_ = len(data)
        self.n_entities_ = len(seqs.lengths)
        self._id_counter = 0
        return self

    def _entity_params(self) -> dict[str, Any]:
        return {}

    # -- sample -----------------------------------------------------------------------------------------
    def sample(
        self,
        n: int,
        *,
        conditions: Conditions = None,
        seed: Seed = None,
        max_rejection_s: float = 30.0,
    ) -> pd.DataFrame:
        """``n`` synthetic entities as a long table (all their steps), with the real columns and dtypes.

        ``conditions`` fixes static (per-entity) columns: a dict applied to every entity, or a frame with
        one row per wanted entity (NaN = free). ``seed`` defaults to the generator's seed.
        ``max_rejection_s`` is unused: conditions on static columns are met natively by the entity model.
        """
        self._check_fitted()
        if isinstance(conditions, pd.DataFrame):
            n = len(conditions)
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
            raise InvalidParameterError.expected("n", type(self).__name__, "an int >= 0 (entities)", n)
        if conditions is not None and not isinstance(conditions, dict | pd.DataFrame):
            raise InvalidParameterError.expected(
                "conditions", "sample", "a dict of static column values or a DataFrame", conditions
            )
        rng = make_rng(self.seed if seed is None else seed)
        entity_rng, step_rng, decode_rng = rng.spawn(3)
        if n == 0:
            return self._empty()
        entities = self.entity_model_.sample(int(n), conditions, int(entity_rng.integers(0, 2**31 - 1)))
        lengths = np.clip(entities[LENGTH].to_numpy(dtype=np.float64).round(), 1, None).astype(np.int64)
        entities[LENGTH] = lengths
        context = static_codes(entities, self.schema_, self.layout_)
        steps, gaps = self._sample_steps(context, lengths, step_rng)
        ids = (
            generate_identifiers(self.entity_ids_, len(entities), decode_rng, start=0)
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
        )

    def _empty(self) -> pd.DataFrame:
        empty = pd.DataFrame({c: pd.Series([], dtype=self.schema_[c].dtype) for c in self.columns_})
        for c in self.columns_:
            with contextlib.suppress(TypeError, ValueError):
                empty[c] = empty[c].astype(self.schema_[c].dtype)
        return empty

    # -- hooks ------------------------------------------------------------------------------------------
    def _fit_steps(self, seqs: Sequences, context: np.ndarray) -> None:
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
        from synthwise.schema import ColumnSchema

        self.layout_ = Layout.from_dict(meta["layout"])
        self.entity_model_ = EntityModel.from_state(
            meta["entity_model"], {k[7:]: v for k, v in arrays.items() if k.startswith("entity/")}
        )
        ids = meta.get("entity_ids")
        self.entity_ids_ = ColumnSchema.from_dict(ids) if ids else None
        self.max_length_ = int(meta["max_length"])
        self.n_entities_ = int(meta["n_entities"])
        self._set_step_state(meta["steps"], {k[6:]: v for k, v in arrays.items() if k.startswith("steps/")})
