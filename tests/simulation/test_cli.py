"""The ``synthwise simulate`` command end to end on an example spec."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthwise.cli import main

SPEC = Path(__file__).resolve().parents[2] / "examples" / "network_intrusion" / "spec.yaml"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_simulate_writes_one_file_per_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(
        ["simulate", str(SPEC), "-o", str(tmp_path), "--seed", "4", "--rows", "10000", "--format", "parquet"],
        capsys,
    )
    assert code == 0, text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["connections.parquet", "hosts.parquet"]
    conn = pd.read_parquet(tmp_path / "connections.parquet")
    assert abs(len(conn) / 10_000 - 1) < 0.15
    assert "connections" in text and "rows/s" in text


def test_simulate_same_seed_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        code, text = run(
            ["simulate", str(SPEC), "-o", str(tmp_path / name), "--seed", "1", "--rows", "3000"], capsys
        )
        assert code == 0, text
    assert (tmp_path / "a" / "connections.csv").read_bytes() == (
        tmp_path / "b" / "connections.csv"
    ).read_bytes()


def test_bad_spec_exits_2_naming_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('tables:\n  t:\n    rows: 3\n    columns:\n      x: "normal(mu=0, sigma=x.real)"\n')
    code, text = run(["simulate", str(bad), "-o", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "line 5" in text and "tables.t.columns.x" in text and "attribute access" in text
    assert not (tmp_path / "out").exists()
