"""Reading and writing tables: format by extension, atomic writes, inputs never modified."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from synthwise.errors import DataError

TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".tsv", ".txt")
CORPUS_COLUMN = "text"  # the one column of a text corpus read from a .txt file (one text per line)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise DataError(
            f"File {str(path)!r}: unknown table format {suffix or '(no extension)'!r}. "
            f"Fix: use one of {', '.join(TABLE_SUFFIXES)}."
        )
    return suffix


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet file into a DataFrame with clear errors for unusable files."""
    return read_table_sha256(path)[0]


PART_PATTERN = re.compile(r"^part[-.]", re.IGNORECASE)  # part-00000.parquet (synthwise, Spark), part.0 (Dask)


def table_parts(path: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files of a folder holding ONE table in parts (``synthwise sample -o out/``, Dask's or
    Spark's ``part-*`` / ``part.*`` files), in name order; empty for anything else (a file, a folder of
    several tables)."""
    p = Path(path)
    if not p.is_dir():
        return []
    files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in (".parquet", ".pq"))
    if files and ((p / "_manifest.json").is_file() or all(PART_PATTERN.match(f.name) for f in files)):
        return files
    return []


def read_table_sha256(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """:func:`read_table` and the SHA-256 of the file's bytes, from one read of the file. A folder of one
    table's Parquet parts (:func:`table_parts`) is read whole, in name order; its digest covers every
    part's bytes in that order."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"File {str(p)!r} does not exist. Fix: check the path.")
    parts = table_parts(p)
    if parts:
        frames, digest = [], hashlib.sha256()
        for part in parts:
            frame, part_digest = read_table_sha256(part)
            frames.append(frame)
            digest.update(bytes.fromhex(part_digest))
        columns = [list(f.columns) for f in frames]
        if any(c != columns[0] for c in columns):
            raise DataError(
                f"Folder {str(p)!r}: its parts have different columns. Fix: give parts of one table."
            )
        return pd.concat(frames, ignore_index=True), digest.hexdigest()
    if p.is_dir():
        raise DataError(
            f"{str(p)!r} is a folder, not a table file. Fix: point at a .csv or .parquet file, or at a "
            "folder of one table's part-*.parquet files."
        )
    suffix = _suffix(p)
    if p.stat().st_size == 0:
        raise DataError(f"File {str(p)!r} is empty. Fix: give a table with a header row and data rows.")
    try:
        data = p.read_bytes()
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(io.BytesIO(data))
        elif suffix == ".txt":
            lines = [line.rstrip("\r") for line in data.decode("utf-8").split("\n") if line.strip()]
            df = pd.DataFrame({CORPUS_COLUMN: pd.Series(lines, dtype=object)})
        else:
            options = _csv_options(data, suffix)
            df = _keep_codes(pd.read_csv(io.BytesIO(data), low_memory=False, **options), data, options)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"File {str(p)!r} has no columns. Fix: give a table with a header row.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataError(f"File {str(p)!r} cannot be read as {suffix}: {exc}. Fix: check the file.") from exc
    dupes = _duplicate_header(data, suffix)
    if dupes:
        raise DataError(
            f"File {str(p)!r}: duplicate column names {dupes}. Fix: give every column a unique name."
        )
    return df, hashlib.sha256(data).hexdigest()


def _csv_options(data: bytes, suffix: str) -> dict[str, str]:
    """How to split the file: its separator, and ``\\n`` alone as the line end unless the file ends lines
    with ``\\r\\n`` (pandas writes a lone ``\\r`` inside a text value unquoted, and would otherwise split
    the row there, shifting every later value into the wrong column)."""
    options = {"sep": "\t" if suffix == ".tsv" else ","}
    if b"\r\n" not in data:
        options["lineterminator"] = "\n"
    return options


# a field that starts with 0 and another digit (after a separator or a line start, quoted or not, padded)
_LEADING_ZERO = re.compile(rb'(?:^|[,\t\n\r])[ "]*0\d', re.MULTILINE)


def _keep_codes(df: pd.DataFrame, data: bytes, options: dict[str, str]) -> pd.DataFrame:
    """Columns read as whole numbers whose text has a leading zero (``02134``, ``007``) are codes: keep
    their strings (re-read as text), so a postal code is never turned into a number."""
    cols = [df.iloc[:, j] for j in range(df.shape[1])]
    whole = [
        j
        for j, s in enumerate(cols)
        if pd.api.types.is_integer_dtype(s.dtype)
        or (pd.api.types.is_float_dtype(s.dtype) and bool((s.dropna() % 1 == 0).all()))
    ]
    if not whole or not _LEADING_ZERO.search(data):  # no field starts 0<digit>: nothing to re-read
        return df
    raw = pd.read_csv(io.BytesIO(data), usecols=whole, dtype=str, low_memory=False, **options)
    for k, j in enumerate(whole):  # positions: raw holds the same columns in the same order
        text = raw.iloc[:, k].str.strip()
        if bool(text.dropna().str.match(r"^0\d").any()):
            df[df.columns[j]] = text
    return df


def _duplicate_header(data: bytes, suffix: str) -> list[str]:
    """pandas silently renames duplicate CSV headers (``a``, ``a.1``); detect that from the raw header."""
    if suffix in (".parquet", ".pq"):
        return []
    import csv

    with io.TextIOWrapper(io.BytesIO(data), newline="", encoding="utf-8", errors="replace") as fh:
        header = next(csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ","), [])
    seen: set[str] = set()
    dupes: list[str] = []
    for name in header:
        if name in seen and name not in dupes:
            dupes.append(name)
        seen.add(name)
    return dupes


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place with ``os.replace``.

    After an error or an interrupt the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode a plain open() would
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` atomically as CSV / TSV / Parquet, or a one-column corpus as .txt (one text per
    line, line breaks inside a text folded to spaces), chosen by the file extension."""
    target = Path(path)
    suffix = _suffix(target)
    with atomic_path(target) as tmp:
        if suffix in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        elif suffix == ".txt":
            if len(df.columns) != 1:
                raise DataError(
                    f"A .txt output holds one text column; this table has {len(df.columns)} columns. "
                    "Fix: write a .csv or .parquet file."
                )
            texts = df.iloc[:, 0].fillna("").astype(str).str.replace(r"\s*[\r\n]+\s*", " ", regex=True)
            tmp.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
        else:
            df.to_csv(tmp, index=False, sep="\t" if suffix == ".tsv" else ",", lineterminator="\n")
    return target


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write text atomically (UTF-8)."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes atomically."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
