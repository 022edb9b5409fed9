"""One door for every database source: a SQLAlchemy URL or a folder of tables."""

from __future__ import annotations

import os
from pathlib import Path

from synthwise.io import table_parts
from synthwise.relational.database import Database
from synthwise.relational.folder import read_folder, write_folder
from synthwise.relational.metadata import RelationalMetadata
from synthwise.relational.sql import is_url, read_sql, write_sql


def is_database(source: str | os.PathLike[str]) -> bool:
    """A database URL or an existing folder (a table file is not a database, nor a folder of one table's
    Parquet parts: :func:`synthwise.io.table_parts`)."""
    return is_url(str(source)) or (Path(source).is_dir() and not table_parts(source))


def read_database(
    source: str | os.PathLike[str], metadata: RelationalMetadata | str | os.PathLike[str] | None = None
) -> Database:
    """Every table of ``source`` (a URL or a folder) with its metadata.

    ``metadata`` (a :class:`RelationalMetadata` or a JSON / YAML file) replaces what the source declares;
    without it declared keys are used and missing ones inferred.
    """
    meta = (
        metadata
        if isinstance(metadata, RelationalMetadata) or metadata is None
        else RelationalMetadata.from_file(metadata)
    )
    if is_url(str(source)):
        return read_sql(str(source), meta)
    return read_folder(source, meta)


def write_database(db: Database, target: str | os.PathLike[str], *, table_format: str = "parquet") -> None:
    """Write ``db`` atomically to a URL (tables with their keys) or a folder (one ``table_format`` file,
    parquet or csv, per table plus metadata.json)."""
    if is_url(str(target)):
        write_sql(db, str(target))
    else:
        write_folder(db, target, suffix=f".{table_format}")
