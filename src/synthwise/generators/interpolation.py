"""The shared engine of the SMOTE-family generators (:mod:`synthwise.generators.smote`): imbalanced-learn.

The algorithms are imbalanced-learn's (``SMOTE``, ``SMOTENC``, ``SMOTEN``, ``ADASYN``); this module only
prepares the code-level table for them and turns their output back into valid codes:

* the training rows of every class are kept as arrays (:class:`TrainingRows`), so model files need no
  pickle: each ``sample`` call re-runs the imbalanced-learn sampler on them with a seed drawn from the
  caller's generator (same seed, same rows);
* missing values are imputed for the neighbour search (the class mean of a numeric column, the class
  mode of a categorical one) and restored afterwards: each synthetic value of a column is blanked with
  the column's missing rate within the requested class, independently of the other columns;
* numeric (and datetime) features are standardised for the neighbour search and interpolation, then
  scaled back: interpolation commutes with the scaling, only the choice of neighbours changes;
* ``smote`` and ``adasyn`` need numeric features: categoricals are one-hot encoded and decoded back by
  the largest entry, so every category is a real one; ``smotenc`` passes the category codes to
  ``SMOTENC`` (``SMOTE`` when there is no categorical feature, ``SMOTEN`` when all are categorical).

Privacy is weak: every synthetic row lies on the segment between two REAL rows of the same class, so
in sparse regions it sits very close to a real person. Never share these rows as anonymous data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, InvalidParameterError, SamplingError
from synthwise.schema import Schema

Method = Literal["smote", "smotenc", "adasyn"]
METHODS: tuple[str, ...] = ("smote", "smotenc", "adasyn")
_DISCRETE = ("categorical", "boolean", "constant")


@dataclass(frozen=True)
class TrainingRows:
    """The real rows the interpolation draws from, on the code level.

    ``x`` holds the feature codes (NaN = missing) of every training row whose target is known, ``y`` its
    class code; ``n_categories[j]`` is the number of categories of feature ``j`` (0 for a continuous one).
    """

    names: tuple[str, ...]  # every encoded column, in code order (the target among them)
    target: str
    x: np.ndarray
    y: np.ndarray
    n_categories: np.ndarray

    @property
    def features(self) -> list[str]:
        return [c for c in self.names if c != self.target]

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.y)

    def count(self, cls: int) -> int:
        return int(np.sum(self.y == cls))

    @property
    def minority(self) -> int:
        """The class code with the fewest training rows (the lowest code on ties)."""
        classes, counts = np.unique(self.y, return_counts=True)
        return int(classes[np.argmin(counts)])

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"names": list(self.names), "target": self.target}
        return meta, {"x": self.x, "y": self.y, "n_categories": self.n_categories}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TrainingRows:
        return cls(
            names=tuple(meta["names"]),
            target=str(meta["target"]),
            x=np.asarray(arrays["x"], dtype=np.float64),
            y=np.asarray(arrays["y"], dtype=np.int64),
            n_categories=np.asarray(arrays["n_categories"], dtype=np.int64),
        )


def check_params(owner: str, target: object, n_neighbors: object) -> None:
    """Validate the shared hyperparameters; the messages say what to pass."""
    if not isinstance(target, str) or not target:
        raise InvalidParameterError(
            f"{owner} needs the target column whose classes it over-samples. Got target={target!r}. "
            f"Fix: pass it, e.g. {owner}(target='default') or 'synthwise fit ... -p target=default'."
        )
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, int | np.integer) or n_neighbors < 1:
        raise InvalidParameterError.expected("n_neighbors", owner, "an int in [1, inf)", n_neighbors)


def training_rows(codes: pd.DataFrame, schema: Schema, target: str, *, owner: str) -> TrainingRows:
    """The arrays a SMOTE-family generator keeps; a clear error for a missing or non-categorical target."""
    if target not in schema:
        raise ColumnError.single(
            target,
            f"is not a column of the table, so {owner} cannot use it as the target",
            f"pass one of {schema.names}",
        )
    kind = schema[target].kind
    if kind not in _DISCRETE or target not in codes.columns:
        raise ColumnError.single(
            target,
            f"is of kind {kind!r}, but the target of {owner} must be categorical",
            "mark it kind='categorical' in the schema (e.g. a 0/1 column), or choose a categorical target",
        )
    names = tuple(str(c) for c in codes.columns)
    features = [c for c in names if c != target]
    y_all = codes[target].to_numpy(dtype=np.float64)
    known = ~np.isnan(y_all)
    if known.sum() < 2:
        raise ColumnError.single(
            target,
            f"has {int(known.sum())} non-missing value(s); {owner} needs labelled rows",
            "give a table whose target is filled in",
        )
    x = codes.loc[known, features].to_numpy(dtype=np.float64).reshape(int(known.sum()), len(features))
    n_cat = np.array(
        [max(len(schema[c].categories), 1) if schema[c].kind in _DISCRETE else 0 for c in features],
        dtype=np.int64,
    )
    return TrainingRows(names, target, x, y_all[known].astype(np.int64), n_cat)


def sample_codes(
    rows: TrainingRows,
    method: Method,
    n: int,
    rng: np.random.Generator,
    conditions: pd.DataFrame | None,
    *,
    n_neighbors: int,
) -> pd.DataFrame:
    """``n`` rows of codes (all encoded columns). The class is the condition on the target, else the minority.

    A condition on another column is met by rejection among the rows interpolated for the class.
    """
    from synthwise.generators.base import condition_groups, sample_by_rejection

    names = list(rows.names)
    t = names.index(rows.target)

    def draw(cls: int) -> Any:
        def fn(m: int, r: np.random.Generator, _: object) -> pd.DataFrame:
            return pd.DataFrame(
                interpolate(rows, method, cls, m, n_neighbors=n_neighbors, rng=r), columns=names
            )

        return fn

    if conditions is None:
        return draw(rows.minority)(n, rng, None)
    cond = conditions[names].to_numpy(dtype=np.float64)
    out = np.empty((len(cond), len(names)), dtype=np.float64)
    for pattern, idx in condition_groups(cond):
        cls = rows.minority if np.isnan(pattern[t]) else int(pattern[t])
        rest = pattern.copy()
        rest[t] = np.nan
        if np.isnan(rest).all():
            out[idx] = draw(cls)(len(idx), rng, None).to_numpy()
        else:
            sub = pd.DataFrame(np.tile(rest, (len(idx), 1)), columns=names)
            out[idx] = sample_by_rejection(draw(cls), sub, rng)[names].to_numpy()
    return pd.DataFrame(out, columns=names)


def interpolate(
    rows: TrainingRows, method: Method, cls: int, n: int, *, n_neighbors: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` new rows of class ``cls`` as codes in ``rows.names`` order (target column included)."""
    count = rows.count(cls)
    if count < 2:
        raise SamplingError(
            f"Class code {cls} of target {rows.target!r} has {count} training row(s); interpolation needs "
            "at least 2. Fix: choose another class, or use a model-based generator (e.g. cart)."
        )
    names = list(rows.names)
    out = np.empty((n, len(names)), dtype=np.float64)
    out[:, names.index(rows.target)] = cls
    feat_idx = [names.index(c) for c in rows.features]
    if n == 0 or not feat_idx:
        return out
    k = int(min(n_neighbors, count - 1))
    filled = _impute(rows.x, rows.y, rows.n_categories)
    cont = rows.n_categories == 0
    mu = filled[:, cont].mean(axis=0) if cont.any() else np.zeros(0)
    sd = filled[:, cont].std(axis=0) if cont.any() else np.zeros(0)
    sd = np.where(sd > 0, sd, 1.0)
    filled[:, cont] = (filled[:, cont] - mu) / sd
    seed = int(rng.integers(0, 2**31 - 1))
    if method == "smotenc":
        new = _run_smotenc(filled, rows.y, rows.n_categories, cls, n, k, seed)
    elif method in ("smote", "adasyn"):
        new = _run_onehot(method, filled, rows.y, rows.n_categories, cls, n, k, seed, rng)
    else:
        raise InvalidParameterError.expected("method", "interpolate", f"one of {METHODS}", method)
    new[:, cont] = new[:, cont] * sd + mu
    new[:, ~cont] = np.clip(np.round(new[:, ~cont]), 0, np.maximum(rows.n_categories[~cont] - 1, 0))
    rates = np.isnan(rows.x[rows.y == cls]).mean(axis=0)
    new[rng.random(new.shape) < rates] = np.nan
    out[:, feat_idx] = new
    return out


# -- preparation ---------------------------------------------------------------------------------------


def _impute(x: np.ndarray, y: np.ndarray, n_categories: np.ndarray) -> np.ndarray:
    """Fill NaN with the class mean (continuous) or class mode (categorical); global, then 0, as fallbacks."""
    out = x.copy()
    if not np.isnan(out).any():
        return out
    for j in np.flatnonzero(np.isnan(out).any(axis=0)):
        col = out[:, j]
        fallback = _centre(col, n_categories[j] > 0)
        for cls in np.unique(y):
            members = y == cls
            missing = members & np.isnan(col)
            if missing.any():
                value = _centre(col[members], n_categories[j] > 0)
                col[missing] = fallback if np.isnan(value) else value
        out[:, j] = np.nan_to_num(col, nan=0.0)
    return out


def _centre(values: np.ndarray, discrete: bool) -> float:
    present = values[~np.isnan(values)]
    if len(present) == 0:
        return float("nan")
    if discrete:
        codes, counts = np.unique(present, return_counts=True)
        return float(codes[np.argmax(counts)])
    return float(present.mean())


def _strategy(y: np.ndarray, cls: int, n: int) -> dict[int, int]:
    return {int(cls): int(np.sum(y == cls)) + int(n)}


# -- the imbalanced-learn calls ------------------------------------------------------------------------


def _run_smotenc(
    x: np.ndarray, y: np.ndarray, n_categories: np.ndarray, cls: int, n: int, k: int, seed: int
) -> np.ndarray:
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

    cat = np.flatnonzero(n_categories > 0)
    sampler: Any
    if len(cat) == 0:
        sampler = SMOTE(sampling_strategy=_strategy(y, cls, n), k_neighbors=k, random_state=seed)
    elif len(cat) == x.shape[1]:
        sampler = SMOTEN(sampling_strategy=_strategy(y, cls, n), k_neighbors=k, random_state=seed)
    else:
        sampler = SMOTENC(
            categorical_features=[int(j) for j in cat],
            sampling_strategy=_strategy(y, cls, n),
            k_neighbors=k,
            random_state=seed,
        )
    x_res, _ = sampler.fit_resample(x, y)
    return np.asarray(x_res, dtype=np.float64)[len(x) :]


def _onehot(x: np.ndarray, n_categories: np.ndarray) -> np.ndarray:
    blocks = []
    for j, k in enumerate(n_categories):
        if k == 0:
            blocks.append(x[:, [j]])
        else:
            block = np.zeros((len(x), int(k)))
            block[np.arange(len(x)), np.clip(x[:, j].astype(np.int64), 0, k - 1)] = 1.0
            blocks.append(block)
    return np.hstack(blocks)


def _from_onehot(m: np.ndarray, n_categories: np.ndarray) -> np.ndarray:
    out = np.empty((len(m), len(n_categories)))
    pos = 0
    for j, k in enumerate(n_categories):
        if k == 0:
            out[:, j] = m[:, pos]
            pos += 1
        else:
            out[:, j] = np.argmax(m[:, pos : pos + k], axis=1)
            pos += int(k)
    return out


def _run_onehot(
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    n_categories: np.ndarray,
    cls: int,
    n: int,
    k: int,
    seed: int,
    rng: np.random.Generator,
) -> np.ndarray:
    m = _onehot(x, n_categories)
    if method == "smote":
        from imblearn.over_sampling import SMOTE

        res, _ = SMOTE(sampling_strategy=_strategy(y, cls, n), k_neighbors=k, random_state=seed).fit_resample(
            m, y
        )
        new = np.asarray(res, dtype=np.float64)[len(m) :]
    else:
        new = _run_adasyn(m, y, cls, n, k, seed, rng)
    return _from_onehot(new, n_categories)


def _run_adasyn(
    m: np.ndarray, y: np.ndarray, cls: int, n: int, k: int, seed: int, rng: np.random.Generator
) -> np.ndarray:
    """ADASYN spreads a requested count over the class's rows with rounding, so it may return a few rows
    more or fewer: ask for more until there are enough, then keep a random ``n`` of them."""
    from imblearn.over_sampling import ADASYN

    ask = int(n)
    for _ in range(30):
        try:
            res, _ = ADASYN(
                sampling_strategy=_strategy(y, cls, ask), n_neighbors=k, random_state=seed
            ).fit_resample(m, y)
        except RuntimeError as exc:
            raise SamplingError(
                f"ADASYN cannot over-sample class code {cls}: none of its rows has a neighbour of another "
                "class, so its difficulty weights are undefined. Fix: use the 'smote' or 'smotenc' generator."
            ) from exc
        except ValueError as exc:
            if "No samples will be generated" not in str(exc):
                raise
            ask *= 2
            continue
        new = np.asarray(res, dtype=np.float64)[len(m) :]
        if len(new) >= n:
            keep = np.sort(rng.choice(len(new), size=n, replace=False))
            return new[keep]
        ask = max(2 * ask, ask + 2 * (n - len(new)))
    raise SamplingError(f"ADASYN produced too few rows of class code {cls}. Fix: use the 'smote' generator.")
