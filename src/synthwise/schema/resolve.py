"""The schema a command works with: a user's schema file (or :class:`Schema`) resolved against the data.

One rule for every caller (each ``--schema`` option of the command line among them):

* by default the file is an **override**: the schema is inferred from the data and every column the
  file names takes the file's entry; the sequence roles (entity, sequence index) come from the
  arguments, else from the file.
* for a **differentially private** fit (``differential_privacy=True``) the file is the whole schema,
  used as written, and nothing is inferred: a schema inferred from the private rows would leak their
  ranges and categories without spending budget. The generator plans every column the file does not
  name from its dtype alone and releases its domain under DP. Without a file there is then no schema.

Either way the file is checked against the data first: a column it names that the data lacks is an
error, not a silent no-op.
"""

from __future__ import annotations

import os
from typing import Literal, overload

import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem, InvalidParameterError
from synthwise.schema.infer import infer_schema
from synthwise.schema.model import Schema

SchemaSource = Schema | str | os.PathLike[str]


@overload
def resolve(
    data: pd.DataFrame,
    schema: SchemaSource | None = None,
    *,
    differential_privacy: Literal[False] = False,
    entity: str | None = None,
    sequence_index: str | None = None,
) -> Schema: ...


@overload
def resolve(
    data: pd.DataFrame,
    schema: SchemaSource | None = None,
    *,
    differential_privacy: bool,
    entity: str | None = None,
    sequence_index: str | None = None,
) -> Schema | None: ...


def resolve(
    data: pd.DataFrame,
    schema: SchemaSource | None = None,
    *,
    differential_privacy: bool = False,
    entity: str | None = None,
    sequence_index: str | None = None,
) -> Schema | None:
    """The schema of ``data``: ``schema`` (a :class:`Schema` or a JSON / YAML file) applied by the rule
    in the module docstring. Raises :class:`DataError` for a missing or unreadable file or a column the
    file names that the data lacks, :class:`ColumnError` for unusable columns."""
    given = Schema.from_file(schema) if isinstance(schema, str | os.PathLike) else schema
    if given is not None:
        _check_columns(given, data)
    if differential_privacy:
        if entity is not None or sequence_index is not None:
            raise InvalidParameterError(
                "A differentially private fit takes no entity or sequence index: it models flat tables. "
                "Fix: drop --entity / --sequence-index, or use a sequential generator."
            )
        return given
    return infer_schema(
        data,
        overrides=given,
        entity=entity or (given.entity if given else None),
        sequence_index=sequence_index or (given.sequence_index if given else None),
    )


def _check_columns(schema: Schema, data: pd.DataFrame) -> None:
    present = set(map(str, data.columns))
    problems = [
        ColumnProblem(
            name, "is in the schema but not in the data", "remove it from the schema, or check the data file"
        )
        for name in schema.names
        if name not in present
    ]
    if problems:
        raise ColumnError(problems)
