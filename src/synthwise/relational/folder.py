"""A database as a folder: one Parquet or CSV file per table plus ``metadata.json``.

Reading takes every ``.parquet`` / ``.csv`` / ``.tsv`` file of the folder (the file name without its
extension is the table name) and the folder's ``metadata.json`` (or ``metadata.yaml``) when present;
without one the keys are inferred. Writing puts the tables (Parquet by default) and ``metadata.json``
in a temporary folder beside the target and renames it into place: a reader never sees half a folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from synthwise.errors import DataError
from synthwise.io import TABLE_SUFFIXES, read_table, write_table
from synthwise.relational.database import Database, conform
from synthwise.relational.infer import infer_metadata
from synthwise.relational.metadata import RelationalMetadata

METADATA_FILES = ("metadata.json", "metadata.yaml", "metadata.yml")


def read_folder(path: str | os.PathLike[str], metadata: RelationalMetadata | None = None) -> Database:
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"{str(folder)!r} is not a folder. Fix: give a folder of .parquet / .csv tables.")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TABLE_SUFFIXES)
    if not files:
        raise DataError(f"Folder {str(folder)!r} holds no .parquet / .csv tables. Fix: check the path.")
    frames = {p.stem: read_table(p) for p in files}
    if metadata is None:
        found = next((folder / n for n in METADATA_FILES if (folder / n).is_file()), None)
        metadata = RelationalMetadata.from_file(found) if found is not None else None
    if metadata is not None:
        absent = [n for n in metadata.names if n not in frames]
        if absent:
            raise DataError(
                f"The metadata names tables {absent} with no file in {str(folder)!r}. "
                f"Fix: add {absent[0]}.parquet (or .csv), or remove it from the metadata."
            )
        frames = {n: frames[n] for n in metadata.names}
    meta = metadata if metadata is not None else infer_metadata(frames)
    return Database({t.name: conform(frames[t.name], t) for t in meta.tables}, meta)


def write_folder(db: Database, path: str | os.PathLike[str], *, suffix: str = ".parquet") -> Path:
    """Write every table as ``<name><suffix>`` plus ``metadata.json``; replaces ``path`` as a whole."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, df in db.tables.items():
            write_table(df, tmp / f"{name}{suffix}")
        db.metadata.to_json(tmp / "metadata.json")
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
        raise
    return target
