"""The tables an evaluation reads: DataFrames, or files read once (parsed and hashed from the same bytes)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeAlias

import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.io import read_table_sha256


@dataclass(frozen=True)
class Input:
    """One input table; ``path`` and ``sha256`` are set when it was read from a file (for the manifest)."""

    frame: pd.DataFrame
    path: str | None = None
    sha256: str | None = None


Source: TypeAlias = pd.DataFrame | str | os.PathLike[str] | Input


def load_input(source: Source, role: str) -> Input:
    """``source`` as an :class:`Input`: a file is read once, its SHA-256 taken from the bytes parsed."""
    if isinstance(source, Input):
        return source
    if isinstance(source, pd.DataFrame):
        return Input(source)
    if isinstance(source, str | os.PathLike):
        frame, digest = read_table_sha256(source)
        return Input(frame, str(source), digest)
    raise InvalidParameterError.expected(
        role, "evaluate", "a DataFrame or a path to a table file", type(source).__name__
    )
