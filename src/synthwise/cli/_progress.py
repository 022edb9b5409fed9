"""Progress display for long work (rich), quiet when output is not a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from synthwise.cli._app import console_err


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    with console_err.status(message, spinner="dots"):
        yield


class BlockProgress:
    """A bar over the blocks of a run on an interactive stderr; silent otherwise. Call it with
    ``(blocks done, blocks in the plan)``."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> BlockProgress:
        if console_err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("blocks · eta"),
                TimeRemainingColumn(),
                console=console_err,
            )
            self.progress.start()
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task(self.description, total=total, completed=done)
        else:
            self.progress.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
