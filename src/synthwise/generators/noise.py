"""Noise: perturbed copies of real rows. A privacy-weak baseline: every output row STARTS from a real row.

Each synthetic row is a real row drawn with replacement, then

* numeric and datetime values get Gaussian noise with standard deviation ``noise_scale`` times the
  column's standard deviation (``noise_scale`` in [0, inf), 0.1 by default; 0 keeps values as they are);
  the decoder clips to the real range and restores integers and decimals;
* each categorical or boolean value is replaced, with probability ``flip_probability`` (in [0, 1],
  0.1 by default), by a category drawn from the column's frequencies (possibly the same one);
* with ``flip_missing=True``, each value's missingness is redrawn with probability ``flip_probability``
  from the column's missing rate (a value that appears takes another real row's value, plus noise).

The model file keeps the real rows. Small noise leaves rows close to real people: use it as a reference
point for privacy metrics (distance to closest record, membership inference), never to share data.
Conditioning is native: source rows are drawn among the real rows that match the fixed categories
(and, for fixed numeric values, among the nearest of those), then perturbed; fixed values are kept.

The ``privacy`` parameter ("off" by default, "balanced" or "strict") passes the output through the privacy
guard (:mod:`synthwise.generators.guard`): rows closer to the training rows than fresh real rows are redrawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.generators.base import Capabilities, Generator, condition_groups
from synthwise.generators.registry import register_generator
from synthwise.transforms.table import DISCRETE_KINDS

_NEAREST = 10  # a fixed numeric value draws its source row among this many nearest matching rows


@register_generator("noise")
class Noise(Generator):
    summary = "Real rows with Gaussian noise and random category flips: starts from real rows, a baseline."
    capabilities = Capabilities(conditions="native", copies_rows=True)

    def __init__(
        self,
        *,
        noise_scale: float = 0.1,
        flip_probability: float = 0.1,
        flip_missing: bool = False,
        privacy: str = "off",
        seed: Seed = None,
    ) -> None:
        self.noise_scale = noise_scale
        self.flip_probability = flip_probability
        self.flip_missing = flip_missing
        self.privacy = privacy
        self.seed = seed

    def _validate_params(self) -> None:
        scale = self.noise_scale
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 <= scale < np.inf:
            raise InvalidParameterError.expected("noise_scale", "Noise", "a float in [0, inf)", scale)
        flip = self.flip_probability
        if isinstance(flip, bool) or not isinstance(flip, int | float) or not 0 <= flip <= 1:
            raise InvalidParameterError.expected("flip_probability", "Noise", "a float in [0, 1]", flip)
        if not isinstance(self.flip_missing, bool | np.bool_):
            raise InvalidParameterError.expected("flip_missing", "Noise", "a bool", self.flip_missing)

    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        self.names_ = list(codes.columns)
        self.codes_ = codes.to_numpy(dtype=np.float64)
        code_schema = self.transformer_.code_schema
        self.discrete_ = np.array([code_schema[c].kind in DISCRETE_KINDS for c in self.names_], dtype=bool)
        with np.errstate(all="ignore"):
            std = np.nanstd(self.codes_, axis=0) if len(self.codes_) else np.zeros(len(self.names_))
        self.scale_ = np.nan_to_num(std)
        self.missing_rate_ = np.isnan(self.codes_).mean(axis=0) if len(self.codes_) else np.zeros(0)

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        if conditions is None:
            idx = rng.integers(0, len(self.codes_), size=n)
        else:
            idx = self._matching_rows(conditions, rng)
        out = self.codes_[idx]  # fancy indexing copies: the stored rows stay untouched
        for j in range(out.shape[1]):
            out[:, j] = self._perturb(j, out[:, j], rng)
        return pd.DataFrame(out, columns=self.names_)

    def _perturb(self, j: int, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One column of copied codes, perturbed: missingness redrawn, categories flipped, noise added."""
        n = len(v)
        real = self.codes_[:, j]
        if self.flip_missing and 0 < self.missing_rate_[j] < 1:
            redraw = rng.random(n) < self.flip_probability
            now_missing = rng.random(n) < self.missing_rate_[j]
            present = real[~np.isnan(real)]
            donors = present[rng.integers(0, len(present), size=n)]
            v = np.where(redraw & now_missing, np.nan, np.where(redraw & np.isnan(v), donors, v))
        if self.discrete_[j]:
            present = real[~np.isnan(real)]
            flip = (rng.random(n) < self.flip_probability) & ~np.isnan(v)
            if len(present) and flip.any():
                v[flip] = present[rng.integers(0, len(present), size=int(flip.sum()))]
        elif self.noise_scale > 0 and self.scale_[j] > 0:
            v = v + rng.normal(0.0, self.noise_scale * self.scale_[j], size=n)
        return v

    def _matching_rows(self, cond: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Source rows: matching fixed categories exactly and fixed numbers approximately."""
        c = cond[self.names_].to_numpy(dtype=np.float64)
        idx = np.empty(len(c), dtype=np.int64)
        same = np.all((c == c[0]) | (np.isnan(c) & np.isnan(c[0])))
        groups = [(c[0], np.arange(len(c)))] if same else condition_groups(c)  # a dict: one group
        for pattern, rows in groups:
            fixed = ~np.isnan(pattern)
            exact = fixed & self.discrete_
            near = fixed & ~self.discrete_
            pool = np.flatnonzero(np.all(self.codes_[:, exact] == pattern[exact], axis=1))
            if len(pool) == 0:
                cols = [self.names_[i] for i in np.flatnonzero(exact)]
                raise SamplingError(
                    f"No real row has the fixed categories of {cols}, so Noise cannot start from one. "
                    "Fix: relax the condition, or use gaussian_copula to condition on unseen combinations."
                )
            if near.any():
                scale = np.where(self.scale_[near] > 0, self.scale_[near], 1.0)
                gap = np.abs(self.codes_[np.ix_(pool, np.flatnonzero(near))] - pattern[near]) / scale
                dist = np.nan_to_num(gap, nan=np.inf).sum(axis=1)
                pool = pool[np.argsort(dist, kind="stable")[:_NEAREST]]
            idx[rows] = rng.choice(pool, size=len(rows))
        return idx

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {
            "codes": self.codes_,
            "discrete": self.discrete_,
            "scale": self.scale_,
            "missing_rate": self.missing_rate_,
        }
        return {"names": self.names_}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.names_ = list(meta["names"])
        self.codes_, self.discrete_ = arrays["codes"], arrays["discrete"].astype(bool)
        self.scale_, self.missing_rate_ = arrays["scale"], arrays["missing_rate"]
