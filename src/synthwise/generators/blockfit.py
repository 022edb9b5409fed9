"""Blocks of codes: how a generator that fits from merged statistics reads its training table.

A generator that can fit without holding the table (``gaussian_copula``) writes its fit as passes of a
pure function over blocks of codes, ``fn(context, codes, row_offset) -> part``, whose parts it merges
exactly. :class:`Blocks` is what runs the passes: :class:`MemoryBlocks` (the whole table in memory, one
block: every ordinary ``fit``) or, in :mod:`synthwise.scale.fitting`, Parquet row groups encoded where
they are read, on any executor (serial, a process pool, Dask). The passes are the same functions either
way, so a model fitted in blocks equals the one fitted in memory on the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pandas as pd

from synthwise.transforms import TableTransformer

C = TypeVar("C")
R = TypeVar("R")
BlockFn = Callable[[Any, pd.DataFrame, int], Any]  # (context, codes of one block, its first row) -> part


class Blocks(Protocol):
    """A table of codes in blocks of consecutive rows, in a fixed order."""

    @property
    def n_rows(self) -> int: ...

    def map(self, fn: Callable[[C, pd.DataFrame, int], R], context: C) -> list[R]:
        """``fn(context, codes, row_offset)`` over every block; the parts in block order."""
        ...


@dataclass
class MemoryBlocks:
    """The whole table of codes as one block."""

    codes: pd.DataFrame

    @property
    def n_rows(self) -> int:
        return len(self.codes)

    def map(self, fn: Callable[[C, pd.DataFrame, int], R], context: C) -> list[R]:
        return [fn(context, self.codes, 0)]


class BlockSource(Protocol):
    """A table in blocks of raw rows: what :meth:`~synthwise.generators.base.Generator.fit_blocks`
    reads, encoded with the fitted transformer where each block is read."""

    def encoded(self, transformer: TableTransformer) -> Blocks: ...
