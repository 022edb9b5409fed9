"""Blocks: a table read as consecutive blocks of rows, for fits that merge statistics exactly.

A fit that can learn without holding the table (``gaussian_copula``, ``bayesian_network``, ``mst``)
writes its reading as passes of a pure function over blocks, ``fn(context, frame, row_offset) -> part``,
whose parts it merges exactly. :class:`Blocks` is what runs a pass: :class:`MemoryBlocks` (the whole
table in memory, one block: every ordinary ``fit``) or, in :mod:`synthwise.scale.fitting`, Parquet row
groups read where they are, on any executor (serial, a process pool, Dask). The frames are the table's
codes or its raw rows, as the source was asked for. The passes are the same functions either way, so a
model fitted in blocks equals the one fitted in memory on the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Protocol, TypeVar

import pandas as pd

C = TypeVar("C")
R = TypeVar("R")


class Blocks(Protocol):
    """A table in blocks of consecutive rows, in a fixed order."""

    @property
    def n_rows(self) -> int: ...

    def map(self, fn: Callable[[C, pd.DataFrame, int], R], context: C) -> list[R]:
        """``fn(context, frame, row_offset)`` over every block; the parts in block order."""
        ...


@dataclass
class MemoryBlocks:
    """The whole table as one block."""

    frame: pd.DataFrame

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def map(self, fn: Callable[[C, pd.DataFrame, int], R], context: C) -> list[R]:
        return [fn(context, self.frame, 0)]


def fold(
    blocks: Blocks, fn: Callable[[C, pd.DataFrame, int], R], context: C, merge: Callable[[R, R], R]
) -> R:
    """``fn(context, frame, row_offset)`` over every block, the parts merged by ``merge``: as they arrive
    where ``blocks`` streams them (a ``fold`` method, as Parquet blocks have), so only a few parts are held
    at once; else over :meth:`Blocks.map`'s list. ``merge`` must not depend on the order of the parts."""
    streaming = getattr(blocks, "fold", None)
    if streaming is not None:
        return streaming(fn, context, merge)
    return reduce(merge, blocks.map(fn, context))
