"""End to end: synthwise schema / generate / evaluate on databases (SQLite file, real PostgreSQL server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthwise.relational import read_database, write_database
from synthwise.relational.evaluate import referential_integrity
from synthwise.testing import run_cli as run

pytest.importorskip("sqlalchemy")


def test_schema_shows_tables_and_keys(flights_sqlite: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, text = run(["schema", flights_sqlite, "--json", str(tmp_path / "meta.json")], capsys)
    assert code == 0, text
    assert "flights" in text and "origin, time_hour" in text
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert {fk["parent"] for fk in meta["foreign_keys"]} == {"airlines", "airports", "planes", "weather"}


def test_generate_sqlite_to_sqlite_then_evaluate(flights_sqlite: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = f"sqlite:///{tmp_path / 'synthetic.db'}"
    code, text = run(
        ["generate", flights_sqlite, "-o", out, "-g", "cart", "--seed", "0", "--scale", "0.5"], capsys
    )
    assert code == 0, text
    syn = read_database(out)
    assert set(referential_integrity(syn).values()) == {1.0}
    real = read_database(flights_sqlite)
    assert len(syn.tables["planes"]) == round(0.5 * len(real.tables["planes"]))
    scores = tmp_path / "scores.json"
    code, text = run(
        [
            "evaluate",
            "--real",
            flights_sqlite,
            "--synthetic",
            out,
            "--json",
            str(scores),
            "--max-rows",
            "1000",
        ],
        capsys,
    )
    assert code == 0, text
    assert "referential_integrity" in text
    assert set(json.loads(scores.read_text())["integrity"].values()) == {1.0}


def test_postgresql_in_and_out(flights_db, postgres_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    write_database(flights_db, postgres_url + "?schema=source")
    out = postgres_url + "?schema=synthetic"
    code, text = run(
        ["generate", postgres_url + "?schema=source", "-o", out, "-g", "cart", "--seed", "0"], capsys
    )
    assert code == 0, text
    syn = read_database(out)
    assert set(referential_integrity(syn).values()) == {1.0}
    assert set(syn.metadata.foreign_keys) == set(flights_db.metadata.foreign_keys)  # declared in PostgreSQL
    code, text = run(["generate", postgres_url + "?schema=source", "-o", out, "--seed", "0"], capsys)
    assert code == 2 and "already exists" in text and "Traceback" not in text


def test_a_cycle_is_one_line_and_exit_2(flights_sqlite: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    meta = tmp_path / "meta.json"
    run(["schema", flights_sqlite, "--json", str(meta)], capsys)
    data = json.loads(meta.read_text())
    data["tables"][[t["name"] for t in data["tables"]].index("airlines")]["columns"].append(
        {"name": "name", "type": "string"}
    )
    data["foreign_keys"].append(
        {"child": "airports", "columns": ["faa"], "parent": "airlines", "parent_columns": ["carrier"]}
    )
    data["foreign_keys"].append(
        {"child": "airlines", "columns": ["carrier"], "parent": "airports", "parent_columns": ["faa"]}
    )
    meta.write_text(json.dumps(data))
    out = f"sqlite:///{tmp_path / 'o.db'}"
    code, text = run(["generate", flights_sqlite, "-o", out, "--schema", str(meta)], capsys)
    assert code == 2, text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cycle: " in errors[0] and "airlines" in errors[0] and "Fix:" in errors[0]
    assert "Traceback" not in text and not (tmp_path / "o.db").exists()


def test_bad_database_input_is_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, text = run(["generate", f"sqlite:///{tmp_path / 'missing.db'}", "-o", "sqlite:///x.db"], capsys)
    assert code == 2 and "does not exist" in text and "Traceback" not in text
    code, text = run(["schema", "nosuchdriver://host/db"], capsys)
    assert code == 2 and "Traceback" not in text


def test_reference_tables_are_written_as_they_are(flights_sqlite: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    out = f"sqlite:///{tmp_path / 'kept.db'}"
    cmd = ["generate", flights_sqlite, "-o", out, "--seed", "0", "--reference", "airlines,airports"]
    code, text = run(cmd, capsys)
    assert code == 0, text
    assert "airports" in text and "kept as it is" in text
    real, syn = read_database(flights_sqlite), read_database(out)
    for name in ("airlines", "airports"):
        pd.testing.assert_frame_equal(syn.tables[name], real.tables[name])
    assert set(referential_integrity(syn).values()) == {1.0}
    code, text = run(["generate", flights_sqlite, "-o", out + "2", "--reference", "weather"], capsys)
    assert code == 2 and "Fix:" in text and "Traceback" not in text


def test_a_folder_with_sequence_children_end_to_end(panel_db, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """metadata.json declares produc's sequence_index: the CLI generates one ordered sequence per state."""
    source, out = tmp_path / "panel", tmp_path / "synthetic"
    write_database(panel_db, source, table_format="csv")
    code, text = run(["generate", str(source), "-o", str(out), "--seed", "0"], capsys)
    assert code == 0, text
    syn = read_database(out)
    assert syn.metadata.table("produc").sequence_index == "year"
    assert set(referential_integrity(syn).values()) == {1.0}
    years = syn.tables["produc"].groupby("state", sort=False)["year"]
    assert years.apply(lambda y: y.is_monotonic_increasing and y.is_unique).all()
