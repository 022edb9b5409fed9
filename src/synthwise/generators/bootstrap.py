"""Bootstrap: resample real rows with replacement. The baseline that COPIES rows.

Every output row is a real row (or, with ``smoothing > 0``, a real row with small Gaussian noise on its
numeric and datetime values). It gives perfect marginals and correlations and no privacy at all:
use it as a reference point, never to share data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.generators.base import Capabilities, Generator, condition_groups
from synthwise.generators.registry import register_generator


@register_generator("bootstrap")
class Bootstrap(Generator):
    summary = "Resample real rows with replacement (optionally smoothed): copies rows, a baseline only."
    capabilities = Capabilities(conditions="native", copies_rows=True)

    def __init__(self, *, smoothing: float = 0.0, seed: Seed = None) -> None:
        self.smoothing = smoothing
        self.seed = seed

    def _validate_params(self) -> None:
        if not isinstance(self.smoothing, int | float) or not 0 <= self.smoothing <= 1:
            raise InvalidParameterError.expected(
                "smoothing", "Bootstrap", "a float in [0, 1]", self.smoothing
            )

    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        self.codes_ = codes.to_numpy(dtype=np.float64)
        self.names_ = list(codes.columns)
        code_schema = self.transformer_.code_schema
        self.continuous_ = np.array(
            [code_schema[c].kind in ("numeric", "datetime", "time") for c in self.names_], dtype=bool
        )
        with np.errstate(all="ignore"):
            self.scale_ = np.nan_to_num(np.nanstd(self.codes_, axis=0)) if len(self.names_) else np.zeros(0)

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        if conditions is None:
            idx = rng.integers(0, len(self.codes_), size=n)
        else:
            idx = self._matching_rows(conditions, rng)
        out = self.codes_[idx].copy()
        if self.smoothing > 0 and self.continuous_.any():
            noise = rng.normal(0.0, 1.0, size=(n, int(self.continuous_.sum())))
            out[:, self.continuous_] += noise * self.scale_[self.continuous_] * self.smoothing
        return pd.DataFrame(out, columns=self.names_)

    def _matching_rows(self, cond: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        c = cond[self.names_].to_numpy(dtype=np.float64)
        idx = np.empty(len(c), dtype=np.int64)
        for pattern, rows in condition_groups(c):
            fixed = ~np.isnan(pattern)
            pool = np.flatnonzero(np.all(np.isclose(self.codes_[:, fixed], pattern[fixed]), axis=1))
            if len(pool) == 0:
                cols = [self.names_[i] for i in np.flatnonzero(fixed)]
                raise SamplingError(f"No real row matches the condition on {cols}. Fix: relax the condition.")
            idx[rows] = rng.choice(pool, size=len(rows))
        return idx

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"names": self.names_}, {
            "codes": self.codes_,
            "continuous": self.continuous_,
            "scale": self.scale_,
        }

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.names_ = list(meta["names"])
        self.codes_, self.continuous_, self.scale_ = arrays["codes"], arrays["continuous"], arrays["scale"]
