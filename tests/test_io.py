from __future__ import annotations

import os

import pandas as pd
import pytest

from synthwise.errors import DataError
from synthwise.io import atomic_path, read_table, write_table


def test_round_trip_csv_and_parquet(tmp_path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for name in ("t.csv", "t.parquet", "t.tsv"):
        write_table(df, tmp_path / name)
        pd.testing.assert_frame_equal(read_table(tmp_path / name), df, check_dtype=False)


def test_atomic_write_leaves_nothing_after_error(tmp_path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("a,b\n", None), ("a,a\n1,2\n", "duplicate column names")],
)
def test_bad_files(tmp_path, content: str, message: str | None) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    if message is None:
        assert len(read_table(path)) == 0
    else:
        with pytest.raises(DataError, match=message):
            read_table(path)


def test_missing_file_and_unknown_extension(tmp_path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(DataError, match="unknown table format"):
        read_table(tmp_path / "x.xlsx")


def test_written_files_get_the_usual_permissions(tmp_path) -> None:
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    current = os.umask(0)
    os.umask(current)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~current)


def test_a_folder_of_one_tables_parts_reads_as_that_table(tmp_path) -> None:
    from synthwise.io import read_table_sha256, table_parts
    from synthwise.relational.source import is_database

    df = pd.DataFrame({"a": range(10), "b": list("xyzxyzxyzx")})
    parts = tmp_path / "out"
    parts.mkdir()
    for i, chunk in enumerate((df.iloc[:4], df.iloc[4:])):
        chunk.to_parquet(parts / f"part-{i:05d}.parquet", index=False)
    assert [p.name for p in table_parts(parts)] == ["part-00000.parquet", "part-00001.parquet"]
    frame, digest = read_table_sha256(parts)
    pd.testing.assert_frame_equal(frame, df)
    assert digest == read_table_sha256(parts)[1] and len(digest) == 64
    assert not is_database(parts)
    # a folder of differently named tables is a database folder, not one table; a file is never parts
    other = tmp_path / "db"
    other.mkdir()
    df.to_parquet(other / "patients.parquet", index=False)
    assert table_parts(other) == [] and is_database(other)
    with pytest.raises(DataError, match="is a folder, not a table file"):
        read_table(other)
    assert table_parts(parts / "part-00000.parquet") == []
    (parts / "part-00002.parquet").write_bytes(pd.DataFrame({"c": [1]}).to_parquet())
    with pytest.raises(DataError, match="different columns"):
        read_table(parts)
