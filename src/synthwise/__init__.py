"""synthwise: synthetic data you can measure.

Importing synthwise sets no global state and imports no heavy dependency.
"""

from __future__ import annotations

from typing import Any

from synthwise import datasets
from synthwise._version import __version__
from synthwise.errors import (
    ColumnError,
    DataError,
    InvalidParameterError,
    MissingDependencyError,
    ModelFileError,
    NotFittedError,
    SamplingError,
    SynthwiseError,
)
from synthwise.generators import Generator, create, list_generators, load_generator
from synthwise.io import read_table, write_table
from synthwise.schema import ColumnSchema, Schema, infer_schema, validate_data


def get_generator(name: str, **params: Any) -> Generator:
    """An unfitted generator by registry name: ``get_generator("cart", seed=0)``."""
    return create(name, **params)


infer_metadata = infer_schema  # the DESIGN's spelling

_LAZY = {
    "evaluate": ("synthwise.evaluation", "evaluate"),
    "Evaluation": ("synthwise.evaluation", "Evaluation"),
    "Evaluator": ("synthwise.evaluation", "Evaluator"),
    "write_html": ("synthwise.report", "write_html"),
    "Gate": ("synthwise.guard.gate", "Gate"),
    "simulate": ("synthwise.simulation", "simulate"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'synthwise' has no attribute {name!r}")


__all__ = [
    "ColumnError",
    "ColumnSchema",
    "DataError",
    "Evaluation",
    "Evaluator",
    "Gate",
    "Generator",
    "InvalidParameterError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "SamplingError",
    "Schema",
    "SynthwiseError",
    "__version__",
    "datasets",
    "evaluate",
    "get_generator",
    "infer_metadata",
    "infer_schema",
    "list_generators",
    "load_generator",
    "read_table",
    "simulate",
    "validate_data",
    "write_html",
    "write_table",
]
