"""The SMOTE family: new rows of one class, interpolated between a real row and its nearest real neighbours.

Three generators over one engine (:mod:`synthwise.generators.interpolation`, a wrapper around
imbalanced-learn); they differ only in the algorithm:

* ``smote`` (:class:`Smote`, imbalanced-learn's ``SMOTE``): numeric features are standardised,
  categoricals are one-hot encoded and decoded back to a real category;
* ``smotenc`` (:class:`SmoteNC`, ``SMOTENC``; ``SMOTE`` when the table has no categorical feature,
  ``SMOTEN`` when it has only categorical ones): numeric features are standardised and interpolated;
  each categorical feature takes the most frequent category among the k nearest neighbours of the
  chosen real row;
* ``adasyn`` (:class:`Adasyn`, ``ADASYN``): each real row of the class gets a share of the new rows
  proportional to the fraction of its k nearest neighbours (in the whole table) that belong to other
  classes; the rows are then interpolated as in SMOTE. ADASYN rounds its per-row counts, so the engine
  asks for enough rows and keeps a random ``n`` of them. A class none of whose rows has a neighbour of
  another class cannot be sampled (ADASYN's weights are undefined there): a ``SamplingError`` says to
  use ``smote``.

Missing values are imputed for the neighbour search and restored at the class's missing rate.
``Smote(target="default").fit(df).sample(100)`` gives 100 rows of the minority class;
``sample(100, conditions={"default": "No"})`` rows of another class. Conditions on other columns are met
by rejection among the interpolated rows.

Privacy is WEAK: every row lies between two real rows of the same class (SMOTE-NC also copies its
neighbours' categories; ADASYN concentrates rows around the few real rows near the class boundary), so
rows in sparse regions are near copies of real people. Use them to balance training data, never to
share data.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.interpolation import (
    Method,
    TrainingRows,
    check_params,
    sample_codes,
    training_rows,
)
from synthwise.generators.registry import register_generator


class _Interpolating(Generator):
    """The shared generator of the SMOTE family; subclasses name the imbalanced-learn ``method``."""

    method: ClassVar[Method]
    capabilities = Capabilities(conditions="native")

    def __init__(self, *, target: str | None = None, n_neighbors: int = 5, seed: Seed = None) -> None:
        self.target = target
        self.n_neighbors = n_neighbors
        self.seed = seed

    def _validate_params(self) -> None:
        check_params(type(self).__name__, self.target, self.n_neighbors)

    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        schema = self.transformer_.code_schema  # one entry per code column (a side channel included)
        self.rows_ = training_rows(codes, schema, str(self.target), owner=type(self).__name__)

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return sample_codes(self.rows_, self.method, n, rng, conditions, n_neighbors=int(self.n_neighbors))

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return self.rows_.to_state()

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.rows_ = TrainingRows.from_state(meta, arrays)


@register_generator("smote")
class Smote(_Interpolating):
    summary = (
        "SMOTE (imbalanced-learn): rows of one class interpolated between real neighbours; weak privacy."
    )
    method = "smote"


@register_generator("smotenc")
class SmoteNC(_Interpolating):
    summary = (
        "SMOTE-NC (imbalanced-learn): mixed-type rows of one class between real neighbours; weak privacy."
    )
    method = "smotenc"


@register_generator("adasyn")
class Adasyn(_Interpolating):
    summary = (
        "ADASYN (imbalanced-learn): SMOTE weighted toward hard rows near the class boundary; weak privacy."
    )
    method = "adasyn"
