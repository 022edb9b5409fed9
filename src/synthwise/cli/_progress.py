"""Progress display for long work (rich), quiet when output is not a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from synthwise.cli._app import console_err


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    with console_err.status(message, spinner="dots"):
        yield
