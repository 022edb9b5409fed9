"""Step 1 of the evaluation: a representation of rows, built from the REAL data only.

Every distance-based metric compares rows in this space, so it decides what "close" means. The default,
:class:`~synthwise.transforms.embedding.TabularEmbedding`, lives with the transforms (the generators'
privacy guard uses the same space); see that module for its definition.

Any object with ``fit(real) -> self`` and ``transform(df) -> ndarray`` (the :class:`Embedding`
protocol) can replace it, e.g. a learned autoencoder or the one-class embedding of Alaa et al.; if it
has a ``center_`` attribute, the alpha-support is centred there instead of at the mean real embedding.
"""

from __future__ import annotations

from typing import Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

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
    "Embedding",
    "QuantileScaler",
    "TabularEmbedding",
    "compared_columns",
    "table_codes",
]


@runtime_checkable
class Embedding(Protocol):
    """What the evaluation needs from a row representation."""

    def fit(self, real: pd.DataFrame) -> Self: ...

    def transform(self, df: pd.DataFrame) -> np.ndarray: ...
