"""An imbalanced-learn compatible over-sampler that creates the minority rows with any synthwise generator.

>>> from imblearn.pipeline import Pipeline  # doctest: +SKIP
>>> from sklearn.ensemble import HistGradientBoostingClassifier  # doctest: +SKIP
>>> pipe = Pipeline([("over", GeneratorOverSampler("cart", seed=0)),  # doctest: +SKIP
...                  ("clf", HistGradientBoostingClassifier())]).fit(X, y)

``fit_resample(X, y)`` fits the generator on ``X`` plus ``y`` (as a categorical column) and appends,
for each class, the number of rows ``sampling_strategy`` asks for, drawn with ``conditions={y: class}``.
``sampling_strategy`` has imbalanced-learn's meaning ("auto", "minority", "not majority", a float
ratio for two classes, or a dict of wanted counts) and is checked by imbalanced-learn itself.
The real rows come first and unchanged. Like every imbalanced-learn sampler it only acts in
``fit``: a pipeline's ``predict`` never sees synthetic rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from synthwise._types import Seed
from synthwise.errors import DataError, InvalidParameterError
from synthwise.generators.base import Generator
from synthwise.imbalance.augment import conform_dtypes, fit_generator
from synthwise.random import make_rng


class GeneratorOverSampler(BaseEstimator):
    """Over-sample with a synthwise generator (``"cart"``, ``"smotenc"``, ...) inside sklearn / imblearn.

    ``generator``: a registry name or an unfitted :class:`~synthwise.generators.Generator` (cloned, never
    modified). ``generator_params``: hyperparameters for a named generator. ``seed``: same data and seed
    give the same rows.
    """

    def __init__(
        self,
        generator: str | Generator = "cart",
        *,
        sampling_strategy: Any = "auto",
        generator_params: Mapping[str, Any] | None = None,
        seed: Seed = None,
    ) -> None:
        self.generator = generator
        self.sampling_strategy = sampling_strategy
        self.generator_params = generator_params
        self.seed = seed

    def fit(self, X: Any, y: Any) -> GeneratorOverSampler:
        """Check the inputs and compute ``sampling_strategy_`` (new rows per class)."""
        from imblearn.utils import check_sampling_strategy

        _, y_arr = _inputs(X, y)
        self.sampling_strategy_ = dict(
            check_sampling_strategy(self.sampling_strategy, y_arr, "over-sampling")
        )
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """``(X, y)`` with the synthetic rows appended; same container types as the input."""
        self.fit(X, y)
        frame, y_arr = _inputs(X, y)
        name = "target"
        while name in frame.columns:
            name = f"_{name}"
        data = frame.assign(**{name: y_arr})
        gen = self.generator
        if isinstance(gen, Generator):
            gen = type(gen)(**gen.get_params())
        rng = make_rng(self.seed)
        wanted = {c: k for c, k in self.sampling_strategy_.items() if k > 0}
        x_parts: list[pd.DataFrame] = []
        y_parts: list[np.ndarray] = []
        if wanted:
            self.generator_ = fit_generator(
                data, name, gen, seed=self.seed, generator_params=self.generator_params
            )
            for cls, k in wanted.items():
                rows = self.generator_.sample(
                    int(k), conditions={name: cls}, seed=int(rng.integers(2**31 - 1))
                )
                x_parts.append(conform_dtypes(rows[list(frame.columns)], frame))
                y_parts.append(np.full(int(k), cls, dtype=y_arr.dtype))
        new_x = pd.concat(x_parts, ignore_index=True) if x_parts else frame.iloc[:0]
        new_y = np.concatenate(y_parts) if y_parts else y_arr[:0]
        return _outputs(X, y, frame, new_x, y_arr, new_y)


def _inputs(X: Any, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise DataError("Sparse X is not supported. Fix: pass a dense array or a DataFrame.")
    if isinstance(X, pd.DataFrame):
        frame = X.reset_index(drop=True).copy()
        frame.columns = [str(c) for c in frame.columns]
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise InvalidParameterError.expected(
                "X", "GeneratorOverSampler", "a 2-D array or a DataFrame", arr.shape
            )
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) != len(frame):
        raise InvalidParameterError(
            f"y must be 1-D with one label per row of X ({len(frame)}); got shape {y_arr.shape}. Fix: pass y."
        )
    return frame, y_arr


def _outputs(
    X: Any, y: Any, frame: pd.DataFrame, new_x: pd.DataFrame, y_arr: np.ndarray, new_y: np.ndarray
) -> tuple[Any, Any]:
    if isinstance(X, pd.DataFrame):
        x_out: Any = pd.concat(
            [X.reset_index(drop=True), new_x.set_axis(X.columns, axis=1)], ignore_index=True
        )
    else:
        arr = np.asarray(X)
        x_out = np.vstack([arr, new_x.to_numpy(dtype=arr.dtype if arr.dtype != object else object)])
    if isinstance(y, pd.Series):
        y_out: Any = pd.concat(
            [y.reset_index(drop=True), pd.Series(new_y, name=y.name, dtype=y.dtype)], ignore_index=True
        )
    else:
        y_out = np.concatenate([y_arr, new_y])
    return x_out, y_out
