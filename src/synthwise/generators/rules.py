"""Rules: a hybrid generator, the structure from a simulation spec and the numbers from the real table.

The user writes the rules (families, dependencies, constraints) as a simulation spec
(:mod:`synthwise.simulation`); ``fit`` estimates the spec's free parameters from the data (see
:mod:`synthwise.simulation.fitting` for exactly what is estimated: MLE for constant parameters,
frequencies for categorical weights, least squares / logistic / Poisson regression for a linear location
parameter, the null share of each column) and ``sample`` runs the fitted spec. The estimates are listed
in ``estimates_``. Constraints of the spec hold on every sampled row.

Every non-identifier, non-text column of the data must be a column of the chosen spec table (an entity
table: one with ``rows``); spec columns absent from the data are helpers and are not returned.

>>> gen = Rules(spec="card.yaml", table="customers", seed=0).fit(real)  # doctest: +SKIP
>>> gen.estimates_[0]                                                      # doctest: +SKIP
Estimate(column='age', parameter='mu', before='44', after='41.3', method='maximum likelihood')
"""

from __future__ import annotations

import copy
import os
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import ColumnError, ColumnProblem, InvalidParameterError
from synthwise.generators.base import Capabilities, Generator, checked_schema
from synthwise.generators.registry import register_generator
from synthwise.schema import Schema
from synthwise.transforms import TableTransformer


@register_generator("rules")
class Rules(Generator):
    summary = "Rule-based: a simulation spec's structure with its free parameters fitted on the real table."
    capabilities = Capabilities(conditions="rejection", missing_values=True, needs_spec=True)

    def __init__(
        self,
        *,
        spec: str | os.PathLike[str] | dict[str, Any] | None = None,
        table: str | None = None,
        fit_parameters: bool = True,
        seed: Seed = None,
    ) -> None:
        self.spec = spec
        self.table = table
        self.fit_parameters = fit_parameters
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        params = super().get_params()
        from synthwise.simulation.source import to_plain

        spec = params["spec"]
        params["spec"] = (
            to_plain(spec) if isinstance(spec, dict) else (None if spec is None else os.fspath(spec))
        )
        return params

    def _validate_params(self) -> None:
        if self.spec is None:
            raise InvalidParameterError(
                "The 'rules' generator needs a simulation spec. Fix: create('rules', spec='spec.yaml') "
                "or pass -p spec=spec.yaml on the command line."
            )
        if not isinstance(self.spec, str | os.PathLike | dict):
            raise InvalidParameterError.expected(
                "spec", "Rules", "a path to a YAML spec or a dict", self.spec
            )
        if self.table is not None and not isinstance(self.table, str):
            raise InvalidParameterError.expected("table", "Rules", "a table name of the spec", self.table)
        if not isinstance(self.fit_parameters, bool):
            raise InvalidParameterError.expected(
                "fit_parameters", "Rules", "True or False", self.fit_parameters
            )

    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        """Parse the spec and fit its table's free parameters on the real values of ``data`` (no codes)."""
        self.schema_ = checked_schema(data, schema)
        self.columns_ = list(data.columns)
        self.transformer_ = TableTransformer(self.schema_).fit(data)
        self._fit_spec(data)
        self.n_rows_ = len(data)

    def _fit_spec(self, data: pd.DataFrame) -> None:
        from synthwise.simulation import parse_spec
        from synthwise.simulation.fitting import fit_table
        from synthwise.simulation.source import to_plain

        spec = parse_spec(self.spec)  # type: ignore[arg-type]
        table = self._choose_table(spec)
        tspec = spec.tables[table]
        problems = [
            ColumnProblem(
                c.name,
                f"is in the data but not in the spec table {table!r}",
                "add it to the spec's columns, or drop it from the data",
            )
            for c in self.schema_.columns
            if c.kind not in ("identifier", "pii", "text") and tspec.column(c.name) is None
        ]
        if problems:
            raise ColumnError(problems)
        if self.fit_parameters:
            tree, notes = fit_table(spec, table, data, self.schema_)
        else:
            tree, notes = to_plain(spec.tree), []
            tree.pop("scenarios", None)
        columns = tree["tables"][table]["columns"]
        from synthwise.simulation.fitting import raw_columns

        columns = raw_columns(columns)
        for name, definition in columns.items():  # data columns are returned even if the spec hides them
            if name in self.schema_ and isinstance(definition, dict) and definition.get("keep") is False:
                definition["keep"] = True
        tree["tables"][table]["columns"] = columns
        parse_spec(tree)  # the fitted spec must still be valid
        self.spec_: dict[str, Any] = tree
        self.table_ = table
        self.estimates_ = notes

    def _choose_table(self, spec: Any) -> str:
        entity = [t.name for t in spec.roots()]
        if self.table is None:
            return str(spec.main if spec.main in entity else entity[0])
        if self.table not in spec.tables:
            raise InvalidParameterError(
                f"The spec has no table {self.table!r}. Fix: use one of {', '.join(spec.tables)}."
            )
        if self.table not in entity:
            raise InvalidParameterError(
                f"Table {self.table!r} is an event table; the rules generator fits one entity table "
                f"(with rows). Fix: use one of {', '.join(entity)}."
            )
        return self.table

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        from synthwise.simulation import simulate_frames

        tree = copy.deepcopy(self.spec_)
        tree["tables"][self.table_]["rows"] = int(n)
        frame = simulate_frames(tree, seed=int(rng.integers(0, 2**63 - 1)), tables=[self.table_])[self.table_]
        for col in self.schema_.columns:
            if col.kind == "boolean" and col.bool_labels and col.name in frame:  # written as words:
                labels = col.bool_labels  # words stay, a 0 / 1 draw becomes the column's own spelling
                frame[col.name] = frame[col.name].map(
                    lambda v, w=labels: v if pd.isna(v) or v in w else w[int(bool(v))]
                )
            elif col.kind == "boolean" and col.name in frame:
                values = frame[col.name]
                frame[col.name] = values.map(lambda v: v if pd.isna(v) else bool(v)).astype(object)
        return self.transformer_.to_codes(frame, unseen="nan")

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {
            "spec": self.spec_,
            "table": self.table_,
            "estimates": [asdict(e) for e in self.estimates_],
        }, {}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from synthwise.simulation.fitting import Estimate

        self.spec_ = meta["spec"]
        self.table_ = meta["table"]
        self.estimates_ = [Estimate(**e) for e in meta["estimates"]]
