"""SMOTE-NC: SMOTE for mixed tables; categorical features take the most frequent value of the neighbours.

A wrapper around imbalanced-learn's ``SMOTENC`` (``SMOTE`` when the table has no categorical feature,
``SMOTEN`` when it has only categorical ones); see :mod:`synthwise.imbalance.interpolation`. Numeric
features are standardised and interpolated; each categorical feature takes the most frequent category
among the k nearest neighbours of the chosen real row. Missing values are imputed for the neighbour search
and restored at the class's missing rate.

``SmoteNC(target="default").fit(df).sample(100)`` gives 100 rows of the minority class;
``sample(100, conditions={"default": "No"})`` rows of another class.

Privacy is WEAK: every row lies between two real rows of the same class (and copies its neighbours'
categories), so rows in sparse regions are near copies of real people. Use it to balance training data,
never to share data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator
from synthwise.imbalance.interpolation import TrainingRows, check_params, sample_codes, training_rows


@register_generator("smotenc")
class SmoteNC(Generator):
    summary = (
        "SMOTE-NC (imbalanced-learn): mixed-type rows of one class between real neighbours; weak privacy."
    )
    capabilities = Capabilities(conditions="native")

    def __init__(self, *, target: str | None = None, n_neighbors: int = 5, seed: Seed = None) -> None:
        self.target = target
        self.n_neighbors = n_neighbors
        self.seed = seed

    def _validate_params(self) -> None:
        check_params("SmoteNC", self.target, self.n_neighbors)

    def _fit(self, codes: pd.DataFrame) -> None:
        self.rows_ = training_rows(codes, self.schema_, str(self.target), owner="SmoteNC")

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return sample_codes(self.rows_, "smotenc", n, rng, conditions, n_neighbors=int(self.n_neighbors))

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return self.rows_.to_state()

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.rows_ = TrainingRows.from_state(meta, arrays)
