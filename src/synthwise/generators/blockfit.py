"""The source a generator fits from in blocks (:mod:`synthwise.blocks`): raw rows or codes.

:meth:`~synthwise.generators.base.Generator.fit_blocks` asks a :class:`BlockSource` for the table's
blocks as codes (encoded with the fitted transformer where each block is read: ``gaussian_copula``) or
as raw rows (``mst``, whose DP domains are released from the raw values).
"""

from __future__ import annotations

from typing import Protocol

from synthwise.blocks import Blocks
from synthwise.transforms import TableTransformer


class BlockSource(Protocol):
    """A table in blocks of rows, readable raw or encoded."""

    def raw(self) -> Blocks: ...

    def encoded(self, transformer: TableTransformer) -> Blocks: ...
