"""Step 1 of the evaluation: a representation of rows, built from the REAL data only.

Every distance-based metric compares rows in this space, so it decides what "close" means. The default,
:class:`~synthwise.transforms.embedding.TabularEmbedding`, lives with the transforms (the generators'
privacy guard uses the same space); see that module for its definition.

Any object with ``fit(real) -> self`` and ``transform(df) -> ndarray`` (the :class:`Embedding`
protocol) can replace it; if it has a ``center_`` attribute, the alpha-support is centred there instead
of at the mean real embedding. The one-class network of Alaa et al. is offered as ``"one_class"``
(:mod:`synthwise.evaluation.one_class`): :func:`make_embedding` resolves a representation's name.
"""

from __future__ import annotations

from typing import Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.schema import Schema
from synthwise.transforms.embedding import (
    CONTINUOUS_KINDS,
    ONEHOT_WEIGHT,
    QuantileScaler,
    TabularEmbedding,
    compared_columns,
    table_codes,
)

__all__ = [
    "CONTINUOUS_KINDS",
    "ONEHOT_WEIGHT",
    "REPRESENTATIONS",
    "Embedding",
    "QuantileScaler",
    "TabularEmbedding",
    "compared_columns",
    "make_embedding",
    "table_codes",
]


@runtime_checkable
class Embedding(Protocol):
    """What the evaluation needs from a row representation."""

    def fit(self, real: pd.DataFrame) -> Self: ...

    def transform(self, df: pd.DataFrame) -> np.ndarray: ...


REPRESENTATIONS = ("fixed", "one_class")


def make_embedding(choice: Embedding | str | None, schema: Schema, seed: int) -> Embedding | None:
    """The row representation named ``choice``: ``"fixed"`` (or None: the default
    :class:`TabularEmbedding`, returned as None), ``"one_class"`` (the learned one-class space of the 3D
    score's paper, :class:`~synthwise.evaluation.one_class.OneClassEmbedding`), or an
    :class:`Embedding` object as given."""
    if choice is None or choice == "fixed":
        return None
    if choice == "one_class":
        from synthwise.evaluation.one_class import OneClassEmbedding

        return OneClassEmbedding(schema, seed=seed)
    if isinstance(choice, str):
        raise InvalidParameterError(
            f"Unknown representation {choice!r}. Fix: use one of {', '.join(REPRESENTATIONS)}, or pass an "
            "object with fit(real) and transform(frame)."
        )
    return choice
