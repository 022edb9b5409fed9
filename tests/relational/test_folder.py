"""Folders of Parquet / CSV tables with a metadata file."""

from __future__ import annotations

from pathlib import Path

from synthwise.relational import read_database, write_database


def test_parquet_and_csv_folders_round_trip(flights_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("parquet", "csv"):
        target = tmp_path / fmt
        write_database(flights_db, target, table_format=fmt)
        assert (target / "metadata.json").is_file()
        back = read_database(target)
        assert back.metadata == flights_db.metadata
        assert back.n_rows == flights_db.n_rows
        assert back.tables["flights"]["time_hour"].dtype.kind == "M"


def test_writing_over_a_folder_replaces_it_whole(flights_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out"
    target.mkdir()
    (target / "stale.parquet").write_bytes(b"x")
    write_database(flights_db, target)
    assert not (target / "stale.parquet").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
