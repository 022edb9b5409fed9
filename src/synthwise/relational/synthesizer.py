"""RelationalSynthesizer: a database in, a synthetic database out, every foreign key resolving.

``fit(db)`` learns one tabular generator per table (``cart`` by default, any registered tabular
generator, chosen per table) on the training tables of :mod:`synthwise.relational.plan`.
``sample(scale=, seed=)`` generates parents first (topological order):

1. a table without parents gets ``round(scale * rows)`` rows;
2. a table with parents gets, for every generated row of its *primary* parent, as many rows as the
   parent's drawn count column says (learned jointly with the parent's columns, so conditioned on
   them; rescaled so that the table's total follows its parents' number, see :func:`calibrated`),
   each drawn conditioned on its parent's columns (natively for generators with native
   conditions such as ``cart``; otherwise drawn freely and matched to the parents' places);
3. every other parent (a *secondary* link: flights -> planes besides flights -> weather) is chosen
   among the generated rows of that parent by matching the parent columns drawn with the child row,
   with as many places per parent as its drawn count column asks for;
4. foreign-key columns are copied from the chosen parents' keys, primary keys are fresh
   (:mod:`synthwise.relational.keys`), and a final check drops any row whose reference would not
   resolve (none in practice; counted in ``report_``), so referential integrity is 100 %.

``scale`` applies to the tables without parents; every other table follows through the counts.

*Reference tables* (``reference=("airports", "airlines")``) are public lookup data (airports, currencies,
product catalogues) that the user chooses to keep as they are: they are copied, keys and all, with their
real children counts (scaled by ``scale``), and the children link to their real rows. Nothing of a
reference table is learned or made up, so a child's joined view holds real parent values. Never give a
table of people this way: its rows are published unchanged. A reference table's parents must be
reference tables too.
"""

from __future__ import annotations

import time
from typing import Any, Self

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError, NotFittedError
from synthwise.generators import Generator, create
from synthwise.generators.sequential.layout import LENGTH
from synthwise.random import make_rng
from synthwise.relational.database import Database, conform
from synthwise.relational.keys import fresh_keys, make_unique, resolution_step
from synthwise.relational.matching import features, match, places
from synthwise.relational.metadata import RelationalMetadata
from synthwise.relational.plan import (
    CONTEXT_KINDS,
    Link,
    TablePlan,
    context_of,
    count_column,
    has_column,
    joined_context,
    make_plan,
    set_fills,
    with_counts,
)
from synthwise.schema import Schema, infer_schema
from synthwise.schema.roles import Roles, with_roles

ENTITY = "_sw_entity"  # a sequential child's entity: its parent
SEQUENCE_GENERATOR = "sequential_ar"  # for a sequence table when the generator chosen is tabular


class RelationalSynthesizer:
    """Synthesizes a whole database (see the module docstring).

    Parameters (keyword-only): ``generator``, the registered tabular generator of every table
    (default ``"cart"``); ``generators``, per-table overrides ``{"flights": "bayesian_network"}``;
    ``params``, hyperparameters given to every table's generator; ``reference``, tables copied as
    they are (public lookup data, see the module docstring); ``seed``.
    """

    def __init__(
        self,
        *,
        generator: str = "cart",
        generators: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        reference: tuple[str, ...] | list[str] = (),
        seed: Seed = None,
    ) -> None:
        self.generator = generator
        self.generators = generators
        self.params = params
        self.reference = tuple(reference)
        self.seed = seed

    # -- fit --------------------------------------------------------------------------------------------
    def fit(self, db: Database) -> Self:
        started = time.perf_counter()
        meta = db.metadata
        self.order_ = meta.order()  # raises on a cycle or a self-reference
        unknown = sorted(set(self.generators or {}) - set(meta.names))
        if unknown:
            raise InvalidParameterError(
                f"Generators are given for tables {unknown} that the database does not hold. "
                f"Fix: name tables among {meta.names}."
            )
        self._check_reference(meta)
        rng = make_rng(self.seed)
        seeds = rng.integers(0, 2**31 - 1, size=len(self.order_))
        tables = db.tables
        self.metadata_ = meta
        self.plans_: dict[str, TablePlan] = {}
        self.models_: dict[str, Generator] = {}
        self.schemas_: dict[str, Schema] = {}
        self.copies_: dict[str, pd.DataFrame] = {}
        self.keys_: dict[str, pd.Series] = {}
        self.steps_: dict[str, dict[str, float | None]] = {}
        self.n_rows_ = db.n_rows
        self.totals_ = [
            int(tables[fk.child][list(fk.columns)].notna().all(axis=1).sum()) for fk in meta.foreign_keys
        ]
        self.extended_: dict[str, pd.DataFrame] = {}
        for name, seed in zip(self.order_, seeds, strict=True):
            plan = make_plan(meta, name, tables, self.reference)
            extended = with_counts(meta, tables, plan)
            self.extended_[name] = extended
            for link in plan.links:
                self._set_context(link, coarse=link is plan.primary)
            self.plans_[name] = plan
            if name in self.reference:  # kept as it is, with its real children counts
                self.copies_[name] = extended.reset_index(drop=True)
                # the columns a model of it would learn (keys never: a child draws its link's context)
                self.schemas_[name] = infer_schema(
                    extended[plan.own + [count_column(i) for i in plan.counts]]
                )
                continue
            train = self._training_table(plan, extended)
            model = create(self.generators.get(name, self.generator) if self.generators else self.generator)
            if plan.sequence is not None:  # one sequence per parent: a sequential generator
                if model.capabilities.data != "sequential":
                    model = create(SEQUENCE_GENERATOR)
                params = {k: v for k, v in (self.params or {}).items() if k in model.get_params()}
                model.set_params(seed=int(seed), **params)
                train, schema = self._schema(plan, train)
                train[ENTITY] = _entity_ids(extended, plan)
                schema = with_roles(
                    infer_schema(train, overrides=_categories(plan)), Roles(ENTITY, plan.sequence)
                )
                self._finish(name, plan, model.fit(train, schema), tables)
                continue
            if model.capabilities.data != "tabular":
                raise InvalidParameterError(
                    f"Table {name!r}: {model.name!r} is a sequential generator. Fix: choose a tabular "
                    "generator for each table (e.g. -g cart), or declare the table's sequence_index in "
                    "the metadata (its rows are then one sequence per parent)."
                )
            model.set_params(seed=int(seed), **(self.params or {}))
            train, schema = self._schema(plan, train)
            if plan.primary is not None and "visit_order" in model.get_params():
                first = [c for c in plan.primary.renamed().values() if c in schema]
                model.set_params(visit_order=[c for c in first if schema[c].kind in CONTEXT_KINDS])
            self._finish(name, plan, model.fit(train, schema), tables)
        del self.extended_
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _finish(self, name: str, plan: TablePlan, model: Generator, tables: dict[str, pd.DataFrame]) -> None:
        """Keep a fitted table model, its schema and what its keys are made from."""
        self.models_[name] = model
        self.schemas_[name] = model.schema_
        if plan.fresh_key is not None:
            self.keys_[name] = tables[name][plan.fresh_key]
        self.steps_[name] = {c: resolution_step(tables[name][c]) for c in plan.unique}

    def _check_reference(self, meta: RelationalMetadata) -> None:
        unknown = sorted(set(self.reference) - set(meta.names))
        if unknown:
            raise InvalidParameterError(
                f"Reference tables {unknown} are not in the database. Fix: name tables among {meta.names}."
            )
        for name in self.reference:
            missing = [fk.parent for fk in meta.parents(name) if fk.parent not in self.reference]
            if missing:
                raise InvalidParameterError(
                    f"Reference table {name!r} references {sorted(set(missing))}, which would be "
                    f"synthesized, so its keys could not resolve. Fix: keep {sorted(set(missing))} as "
                    f"reference tables too, or synthesize {name!r}."
                )

    def _set_context(self, link: Link, *, coarse: bool) -> None:
        """The parent's modelled numbers and categories plus its count column, with their fills (and
        quantile bins for the fine numbers of a ``coarse`` link: the primary one)."""
        parent_schema = self.schemas_[link.fk.parent]
        own = [
            c.name for c in parent_schema.columns if c.kind in CONTEXT_KINDS and not c.name.startswith("_sw_")
        ]
        link.context = [*own, count_column(link.index)]
        set_fills(link, self.extended_[link.fk.parent], coarse=coarse)

    def _training_table(self, plan: TablePlan, extended: pd.DataFrame) -> pd.DataFrame:
        parts = [extended[plan.own + [count_column(i) for i in plan.counts]]]
        for link in plan.links:
            parts.append(joined_context(link, extended, self.extended_[link.fk.parent]))
        return pd.concat(parts, axis=1).reset_index(drop=True)

    def _schema(self, plan: TablePlan, train: pd.DataFrame) -> tuple[pd.DataFrame, Schema]:
        """The inferred schema (a direct link's key is a category: drawn from the real keys, never made
        up); context columns a generator cannot be conditioned on are dropped."""
        keys = _categories(plan)
        schema = infer_schema(train, overrides=keys)
        drop = [c.name for c in schema.columns if c.name.startswith("_sw_p") and c.kind not in CONTEXT_KINDS]
        if not drop:
            return train, schema
        for link in plan.links:
            link.context = [c for c in link.context if link.renamed()[c] not in drop]
        train = train.drop(columns=drop)
        return train, infer_schema(train, overrides=keys)

    # -- sample -----------------------------------------------------------------------------------------
    def sample(self, *, scale: float = 1.0, seed: Seed = None) -> Database:
        """A synthetic database; ``scale`` multiplies the rows of the tables without parents."""
        if not hasattr(self, "models_"):
            raise NotFittedError("This RelationalSynthesizer is not fitted yet. Fix: call fit(db) first.")
        if not isinstance(scale, int | float) or isinstance(scale, bool) or not scale > 0:
            raise InvalidParameterError.expected(
                "scale", "RelationalSynthesizer.sample", "a number > 0", scale
            )
        rngs = make_rng(self.seed if seed is None else seed).spawn(len(self.order_))
        full: dict[str, pd.DataFrame] = {}
        self.report_: dict[str, dict[str, int]] = {}
        factors: dict[str, float] = {}
        for name, rng in zip(self.order_, rngs, strict=True):
            if name in self.copies_:
                full[name] = self.copies_[name]
                factors[name] = float(scale)
                self.report_[name] = {"rows": len(full[name]), "dropped_unresolved": 0, "reference": 1}
                continue
            full[name] = self._sample_table(self.plans_[name], full, factors, float(scale), rng)
            factors[name] = len(full[name]) / max(self.n_rows_[name], 1)
        meta = self.metadata_
        out = {t.name: conform(full[t.name][t.column_names].reset_index(drop=True), t) for t in meta.tables}
        return Database(out, meta)

    def _sample_table(
        self,
        plan: TablePlan,
        full: dict[str, pd.DataFrame],
        factors: dict[str, float],
        scale: float,
        rng: np.random.Generator,
    ) -> pd.DataFrame:
        """One generated table; ``factors``: generated / real rows of every table done so far."""
        model = self.models_[plan.name]
        seed = int(rng.integers(0, 2**31 - 1))
        link = plan.primary
        if link is None:
            rows = model.sample(round(scale * self.n_rows_[plan.name]), seed=seed)
            parent_of = None
        else:
            parent = full[link.fk.parent]
            expected = self.totals_[link.index] * factors[link.fk.parent]
            counts = calibrated(_counts(parent, link.index), round(expected), rng)
            context = context_of(link, parent)
            if plan.sequence is not None:
                rows, parent_of = _sequences(model, context, counts, seed)
            else:
                rows, parent_of = _children(model, context, counts, seed, rng)
        rows = rows.reset_index(drop=True)
        if link is not None and parent_of is not None:
            _copy_keys(rows, link, full[link.fk.parent], parent_of)
        for second in plan.secondary:
            self._link_secondary(rows, second, full[second.fk.parent], rng)
        if plan.fresh_key is not None:
            rows[plan.fresh_key] = fresh_keys(self.keys_[plan.name], len(rows), rng).to_numpy()
        fk_cols = [c for fk in plan.foreign_keys for c in fk.columns]
        for col in plan.unique:
            rows[col] = make_unique(rows, [c for c in fk_cols if c in rows], col, self.steps_[plan.name][col])
        return self._resolving(plan, rows, full)

    def _link_secondary(
        self, rows: pd.DataFrame, link: Link, parent: pd.DataFrame, rng: np.random.Generator
    ) -> None:
        fk = link.fk
        if all(c in rows.columns for c in fk.columns):  # set by an overlapping link already
            return
        has = (
            rows[has_column(link.index)].astype(bool).to_numpy()
            if link.nullable and has_column(link.index) in rows
            else np.ones(len(rows), dtype=bool)
        )
        chosen = np.full(len(rows), -1, dtype=np.int64)
        todo = np.flatnonzero(has)
        if len(parent) and todo.size:
            ctx_names = [c for c in link.renamed().values() if c in rows.columns]
            parent_ctx = context_of(link, parent)[ctx_names]
            child_x, parent_x = features(rows.iloc[todo][ctx_names], parent_ctx)
            capacity = places(_counts(parent, link.index), todo.size, rng)
            chosen[todo] = match(child_x, parent_x, capacity, rng)
        _copy_keys(rows, link, parent, chosen)

    def _resolving(self, plan: TablePlan, rows: pd.DataFrame, full: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Drop any row whose reference does not resolve (counted in ``report_``)."""
        keep = np.ones(len(rows), dtype=bool)
        for fk in plan.foreign_keys:
            cols = list(fk.columns)
            present = rows[cols].notna().all(axis=1).to_numpy()
            keys = pd.MultiIndex.from_frame(full[fk.parent][list(fk.parent_columns)])
            found = pd.MultiIndex.from_frame(rows[cols].set_axis(list(fk.parent_columns), axis=1)).isin(keys)
            keep &= ~present | found
        self.report_[plan.name] = {"rows": int(keep.sum()), "dropped_unresolved": int((~keep).sum())}
        return rows[keep].reset_index(drop=True)


def _categories(plan: TablePlan) -> dict[str, dict[str, str]]:
    """Schema overrides: a direct link's key is a category (drawn from the real keys, never made up)."""
    return {fk.columns[0]: {"kind": "categorical"} for fk in plan.direct}


def _entity_ids(extended: pd.DataFrame, plan: TablePlan) -> np.ndarray:
    """Each row's parent (its primary link's key) as one string: the entity of its sequence."""
    assert plan.primary is not None
    keys = extended[list(plan.primary.fk.columns)].astype(str)
    return keys.agg("\x1f".join, axis=1).to_numpy() if keys.shape[1] > 1 else keys.iloc[:, 0].to_numpy()


def _children(
    model: Generator, context: pd.DataFrame, counts: np.ndarray, seed: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """``counts[i]`` rows for every parent ``i``, each conditioned on its parent's ``context`` (natively,
    or drawn freely and matched to the parents' places); the rows and each row's parent."""
    parent_of = np.repeat(np.arange(len(context)), counts)
    cond = context.iloc[parent_of].reset_index(drop=True)
    if model.capabilities.conditions == "native":
        return model.sample(len(cond), conditions=_reachable(cond, model.schema_), seed=seed), parent_of
    rows = model.sample(len(cond), seed=seed)
    child_x, parent_x = features(rows[cond.columns], context)
    return rows, match(child_x, parent_x, counts, rng)


def _sequences(
    model: Generator, context: pd.DataFrame, counts: np.ndarray, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """One sequence of ``counts[i]`` rows for every parent ``i`` with children, conditioned on its
    context (static per sequence); the rows and each row's parent."""
    has = np.flatnonzero(counts > 0)
    entity = getattr(model, "entity_model_", None)
    static = set(entity.static) if entity is not None else set()
    cond = _reachable(context.iloc[has][[c for c in context.columns if c in static]], model.schema_)
    shortest, longest = 1, int(getattr(model, "max_length_", max(int(counts.max(initial=1)), 1)))
    fitted = getattr(entity, "model", None)
    if fitted is not None and LENGTH in fitted.schema_.names:  # lengths the entity model can be asked for
        col = fitted.schema_[LENGTH]
        shortest, longest = max(int(col.min), 1), min(int(col.max), longest)
    # calibrated counts can step outside the real lengths (10 scaled to 9): the nearest real one
    cond[LENGTH] = np.clip(counts[has], shortest, longest).astype(np.float64)
    rows = model.sample(len(cond), conditions=cond.reset_index(drop=True), seed=seed)
    order = pd.factorize(rows[ENTITY])[0]  # entities come out in the order asked, rows grouped
    return rows.drop(columns=ENTITY).reset_index(drop=True), has[order]


def _counts(parent: pd.DataFrame, index: int) -> np.ndarray:
    name = count_column(index)
    if name not in parent.columns:
        return np.zeros(len(parent), dtype=np.int64)
    values = pd.to_numeric(parent[name], errors="coerce").fillna(0).to_numpy(dtype=np.float64)
    return np.clip(np.round(values), 0, None).astype(np.int64)


def calibrated(counts: np.ndarray, target: int, rng: np.random.Generator) -> np.ndarray:
    """Counts scaled to sum to about ``target`` (stochastic rounding), their shape kept: a few parents
    that happen to draw large counts (or none) must not double (or empty) the tables below them."""
    total = int(counts.sum())
    if target <= 0 or len(counts) == 0 or total == target:
        return counts
    if total == 0:  # no parent drew a child: share the expected children evenly
        return rng.multinomial(target, np.full(len(counts), 1 / len(counts))).astype(np.int64)
    scaled = counts * (target / total)
    return np.floor(scaled + rng.random(len(counts))).astype(np.int64)


def _copy_keys(rows: pd.DataFrame, link: Link, parent: pd.DataFrame, parent_of: np.ndarray) -> None:
    """Set the link's foreign-key columns from the chosen parent rows (-1: no parent, NULL)."""
    has = parent_of >= 0
    for child_col, parent_col in zip(link.fk.columns, link.fk.parent_columns, strict=True):
        values = parent[parent_col].to_numpy()
        col = pd.Series(values[np.where(has, parent_of, 0)] if len(values) else [None] * len(rows))
        rows[child_col] = col.where(pd.Series(has), None).to_numpy() if not has.all() else col.to_numpy()


def _reachable(cond: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Conditions a generator can meet: numbers clipped into its range, unseen categories left free."""
    out = cond.copy()
    for name in list(out.columns):
        if name not in schema:
            out = out.drop(columns=name)
            continue
        col = schema[name]
        if col.kind == "numeric" and col.min is not None and col.max is not None:
            out[name] = pd.to_numeric(out[name], errors="coerce").clip(col.min, col.max)
        elif col.kind in ("categorical", "boolean"):
            known = {str(v) for v in col.categories}
            out[name] = out[name].where(out[name].astype(str).isin(known), np.nan)
        else:
            out = out.drop(columns=name)
    return out
