"""ADASYN: SMOTE that puts more new rows near the class's hard rows (those with other-class neighbours).

A wrapper around imbalanced-learn's ``ADASYN`` (see :mod:`synthwise.imbalance.interpolation`). Each real
row of the class gets a share of the new rows proportional to the fraction of its k nearest neighbours
(in the whole table) that belong to other classes; the rows are then interpolated as in SMOTE.
Categoricals are one-hot encoded and decoded back to a real category; missing values are imputed for the
neighbour search and restored at the class's missing rate. ADASYN rounds its per-row counts, so the
wrapper asks for enough rows and keeps a random ``n`` of them.

A class none of whose rows has a neighbour of another class cannot be sampled (ADASYN's weights are
undefined there): a ``SamplingError`` says to use ``smote``.

Privacy is WEAK: every row lies between two real rows of the same class, and ADASYN concentrates rows
around the few real rows near the class boundary. Use it to balance training data, never to share data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator
from synthwise.imbalance.interpolation import TrainingRows, check_params, sample_codes, training_rows


@register_generator("adasyn")
class Adasyn(Generator):
    summary = (
        "ADASYN (imbalanced-learn): SMOTE weighted toward hard rows near the class boundary; weak privacy."
    )
    capabilities = Capabilities(conditions="native")

    def __init__(self, *, target: str | None = None, n_neighbors: int = 5, seed: Seed = None) -> None:
        self.target = target
        self.n_neighbors = n_neighbors
        self.seed = seed

    def _validate_params(self) -> None:
        check_params("Adasyn", self.target, self.n_neighbors)

    def _fit(self, codes: pd.DataFrame) -> None:
        self.rows_ = training_rows(codes, self.schema_, str(self.target), owner="Adasyn")

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return sample_codes(self.rows_, "adasyn", n, rng, conditions, n_neighbors=int(self.n_neighbors))

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return self.rows_.to_state()

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.rows_ = TrainingRows.from_state(meta, arrays)
