"""Runs: deterministic for a seed, independent of the chunk size, streamed and written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.simulation import simulate, simulate_frames

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CARD = EXAMPLES / "card_fraud" / "spec.yaml"
HOSPITAL = EXAMPLES / "hospital" / "spec.yaml"


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_identical_files(tmp_path: Path, fmt: str) -> None:
    a = simulate(CARD, tmp_path / "a", seed=7, rows=4000, format=fmt)
    b = simulate(CARD, tmp_path / "b", seed=7, rows=4000, format=fmt)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"customers.{fmt}", f"transactions.{fmt}"]
    assert a.tables["transactions"].rows == b.tables["transactions"].rows > 3000


def test_another_seed_gives_other_rows(tmp_path: Path) -> None:
    simulate(CARD, tmp_path / "a", seed=1, rows=2000)
    simulate(CARD, tmp_path / "b", seed=2, rows=2000)
    assert _bytes(tmp_path / "a") != _bytes(tmp_path / "b")


def test_chunk_size_does_not_change_the_output(tmp_path: Path) -> None:
    simulate(HOSPITAL, tmp_path / "small", seed=3, rows=1500, chunk_rows=301)
    simulate(HOSPITAL, tmp_path / "big", seed=3, rows=1500, chunk_rows=1_000_000)
    assert _bytes(tmp_path / "small") == _bytes(tmp_path / "big")


def test_rows_scales_the_main_table(tmp_path: Path) -> None:
    result = simulate(CARD, tmp_path, seed=0, rows=10_000)
    assert abs(result.tables["transactions"].rows / 10_000 - 1) < 0.1
    entity = simulate_frames(
        {"tables": {"a": {"rows": 10, "columns": {"x": "1"}}, "b": {"rows": 30, "columns": {"y": "2"}}}},
        seed=0,
        rows=100,
    )
    assert len(entity["a"]) == 100 and len(entity["b"]) == 300


def test_zero_rows_writes_headers_only(tmp_path: Path) -> None:
    spec = {"tables": {"t": {"rows": 0, "columns": {"x": "normal(mu=0, sigma=1)", "c": {"fake": "ipv4"}}}}}
    result = simulate(spec, tmp_path, seed=0)
    assert result.tables["t"].rows == 0
    assert list(pd.read_csv(tmp_path / "t.csv").columns) == ["x", "c"]


def test_failed_run_leaves_no_files(tmp_path: Path) -> None:
    spec = {
        "tables": {
            "ok": {"rows": 500, "columns": {"x": "normal(mu=0, sigma=1)"}},
            "bad": {
                "rows": 10,
                "max_tries": 5,
                "columns": {"y": "uniform(low=0, high=1)"},
                "constraints": ["y > 5"],
            },
        }
    }
    with pytest.raises(SamplingError):
        simulate(spec, tmp_path / "out", seed=0)
    assert not any((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="rows"):
        simulate(CARD, tmp_path, seed=0, rows=-1)
    with pytest.raises(InvalidParameterError, match="format"):
        simulate(CARD, tmp_path, seed=0, format="xlsx")
    with pytest.raises(InvalidParameterError, match="seed"):
        simulate(CARD, tmp_path, seed=-3)


def test_public_import_and_lazy_attribute(tmp_path: Path) -> None:
    result = sw.simulate(
        {"tables": {"t": {"rows": 5, "columns": {"x": "sequence(start=10, step=5)"}}}}, tmp_path, seed=0
    )
    assert pd.read_csv(result.tables["t"].path)["x"].tolist() == [10, 15, 20, 25, 30]
    assert "5 rows" in result.summary()


def test_spec_dict_is_not_modified() -> None:
    spec = {"tables": {"t": {"rows": 3, "columns": {"x": "normal(mu=0, sigma=1)"}}}}
    before = repr(spec)
    simulate_frames(spec, seed=0)
    assert repr(spec) == before
