"""Blocks for tests: a frame as chunks of rows, optionally streamed last block first (merges must not
depend on the order of the parts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pytest


@dataclass
class Chunks:
    """A frame as blocks of ``size`` rows (the Blocks protocol)."""

    frame: pd.DataFrame
    size: int

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def map(self, fn: Callable[[Any, pd.DataFrame, int], Any], context: Any) -> list[Any]:
        return [
            fn(context, self.frame.iloc[i : i + self.size].reset_index(drop=True), i)
            for i in range(0, len(self.frame), self.size)
        ]


@dataclass
class Streamed(Chunks):
    """Blocks that stream their parts (a ``fold`` method), last block first: merging must not depend on
    the order."""

    def fold(self, fn: Callable[[Any, pd.DataFrame, int], Any], context: Any, merge: Any) -> Any:
        parts = self.map(fn, context)[::-1]
        out = parts[0]
        for part in parts[1:]:
            out = merge(out, part)
        return out


def spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """The row offsets of every block the pass function ``module.name`` is called on (0 once per pass
    and table)."""
    offsets: list[int] = []
    fn = getattr(module, name)

    def called(plan: Any, frame: pd.DataFrame, offset: int) -> Any:
        offsets.append(offset)
        return fn(plan, frame, offset)

    monkeypatch.setattr(module, name, called)
    return offsets
