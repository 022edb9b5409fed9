"""The single exception tree of synthwise.

::

    SynthwiseError
    ├── DataError (ValueError)               bad input data
    │   └── ColumnError                      one or more columns, each with problem and fix
    ├── InvalidParameterError (ValueError, TypeError)
    ├── NotFittedError (AttributeError)
    ├── SamplingError (RuntimeError)         a condition cannot be met
    ├── ModelFileError (ValueError)          corrupt, foreign or too-new model file
    ├── SpecError (ValueError)               a bad simulation spec (names line and key)
    ├── EngineError (RuntimeError)           an executor cannot run: scheduler unreachable, bad worker
    └── MissingDependencyError (ImportError) an optional extra is not installed

Every message says what is wrong and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class SynthwiseError(Exception):
    """Base class of every error raised on purpose by synthwise."""


class DataError(SynthwiseError, ValueError):
    """The input data cannot be used as it is."""


@dataclass(frozen=True)
class ColumnProblem:
    """One problem with one column: what is wrong and how to fix it."""

    column: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"Column {self.column!r}: {self.problem}. Fix: {self.fix}."


class ColumnError(DataError):
    """One or more columns are unusable; lists every problem at once."""

    def __init__(self, problems: Iterable[ColumnProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.problems]

    @classmethod
    def single(cls, column: str, problem: str, fix: str) -> ColumnError:
        return cls([ColumnProblem(column, problem, fix)])


class InvalidParameterError(SynthwiseError, ValueError, TypeError):
    """A parameter has the wrong type or value."""

    @classmethod
    def expected(cls, name: str, owner: str, expectation: str, got: object) -> InvalidParameterError:
        return cls(f"The {name!r} parameter of {owner} must be {expectation}. Got {got!r} instead.")


class NotFittedError(SynthwiseError, AttributeError):
    """A method that needs a fitted model was called before ``fit``."""


class SamplingError(SynthwiseError, RuntimeError):
    """Sampling could not produce the requested rows (e.g. an unreachable condition)."""


class ModelFileError(SynthwiseError, ValueError):
    """A model file is corrupt, foreign, tampered with, or written by a newer synthwise."""


class SpecError(SynthwiseError, ValueError):
    """A simulation spec is invalid; the message names the line and key."""


class EngineError(SynthwiseError, RuntimeError):
    """An executor cannot run the work: an unreachable scheduler, a worker without synthwise."""


class MissingDependencyError(SynthwiseError, ImportError):
    """An optional dependency is missing; the message carries the pip line that installs it."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the optional package {package!r}, which is not installed. "
            f'Fix: pip install "synthwise[{extra}]"'
        )
