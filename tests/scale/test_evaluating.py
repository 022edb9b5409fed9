"""Evaluating Parquet tables in blocks: the marginals are exact over every row (equal to an in-memory
evaluation of the whole tables, the holdout's reference too); every other metric runs on seeded samples
whose sizes the manifest states; any executor gives the same figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthwise import evaluate
from synthwise.errors import DataError, InvalidParameterError
from synthwise.scale import ProcessExecutor
from synthwise.scale.evaluating import EXACT, evaluate_table
from synthwise.testing.cli import run_cli
from synthwise.testing.generators import mixed_table

METRICS = ["marginals", "marginals_worst", "pairs", "pairs_worst", "dcr_share"]
OPTIONS: dict[str, Any] = {"metrics": METRICS, "n_bootstrap": 20}


def _write(data: pd.DataFrame, folder: Path, files: int = 2, row_group: int = 250) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(len(data)), files)):
        table = pa.Table.from_pandas(data.iloc[part].reset_index(drop=True), preserve_index=False)
        pq.write_table(table, folder / f"part-{i:02d}.parquet", row_group_size=row_group)
    return folder


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval")
    real = mixed_table(1_800, seed=1)
    syn = mixed_table(1_500, seed=2)
    syn["x"] = syn["x"] * 1.1  # a visible gap in one column
    hold = mixed_table(900, seed=3)
    return {name: _write(df, root / name) for name, df in (("real", real), ("syn", syn), ("hold", hold))}


def _whole(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(sorted(folder.glob("part-*.parquet")))


def test_marginals_are_exact_and_the_rest_is_sampled(tables: dict[str, Path]) -> None:
    ev = evaluate_table(tables["real"], tables["syn"], tables["hold"], sample_size=400, seed=3, **OPTIONS)
    memory = evaluate(
        _whole(tables["real"]), _whole(tables["syn"]), _whole(tables["hold"]), seed=3, **OPTIONS
    )
    for key in EXACT:
        got, want = ev.get(key), memory.get(key)
        assert got is not None and want is not None
        if "pairs" in key:  # Spearman's sums of ranks, added in another order
            assert got.value == pytest.approx(want.value, abs=1e-12)
            assert got.reference == pytest.approx(want.reference, abs=1e-12)
        else:
            assert got.value == want.value and got.reference == want.reference  # exact, bit for bit
        assert got.details["exact"] is True and got.ci is None
    got, want = ev.get("fidelity.marginals"), memory.get("fidelity.marginals")
    assert got is not None and want is not None and got.details["columns"] == want.details["columns"]
    got, want = ev.get("fidelity.pairs"), memory.get("fidelity.pairs")
    assert got is not None and want is not None and got.details["pairs_from_samples"] == []
    scale = ev.manifest["scale"]
    assert scale["rows"] == {"real": 1_800, "synthetic": 1_500, "holdout": 900}
    assert scale["sample_rows"] == {"real": 400, "synthetic": 400, "holdout": 400}
    assert scale["blocks"]["real"] == 8  # two files of 900 rows in row groups of 250
    assert ev.manifest["samples"]["real"] == 400  # the k-NN metrics say what they saw
    assert ev.get("fidelity.pairs") is not None and ev.get("privacy.dcr_share") is not None


def test_any_executor_gives_the_same_figures(tables: dict[str, Path]) -> None:
    serial = evaluate_table(tables["real"], tables["syn"], sample_size=300, **OPTIONS)
    pool = evaluate_table(
        tables["real"], tables["syn"], sample_size=300, executor=ProcessExecutor(2), **OPTIONS
    )
    assert [(m.name, m.value) for m in serial.metrics] == [(m.name, m.value) for m in pool.metrics]


def test_levels_the_sample_missed_are_counted(tmp_path: Path) -> None:
    real = pd.DataFrame({"c": ["a"] * 600 + ["b"] * 395 + ["rare"] * 5, "x": np.arange(1000.0)})
    syn = pd.DataFrame({"c": ["a"] * 600 + ["b"] * 400, "x": np.arange(1000.0)})
    ev = evaluate_table(
        _write(real, tmp_path / "r"), _write(syn, tmp_path / "s"), sample_size=20, metrics=["marginals"]
    )
    m = ev.get("fidelity.marginals")
    assert "rare" in ev.manifest["schema"]["columns"][0]["categories"]  # whatever the 20 sampled rows held
    assert m is not None and m.details["columns"]["c"] == pytest.approx(1 - 0.005)
    assert m.details["columns"]["x"] == 1.0


def test_bad_sources_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        evaluate_table(tmp_path / "nope", tmp_path / "nope2")


def test_cli_evaluates_folders_with_sample_rows(
    tables: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.json"
    args = ["evaluate", "--real", str(tables["real"]), "--synthetic", str(tables["syn"])]
    code, text = run_cli([*args, "--sample-rows", "300", "--bootstrap", "0", "--json", str(out)], capsys)
    assert code == 0, text
    flat = " ".join(text.split())
    assert "exact over every row" in flat and "1,800 real" in flat
    saved = json.loads(out.read_text())
    assert saved["manifest"]["scale"]["sample_rows"]["real"] == 300


def test_cli_refuses_what_blocks_cannot_read(
    tables: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "r.csv"
    _whole(tables["real"]).to_csv(csv, index=False)
    for extra, words in (
        (["--real", str(csv), "--synthetic", str(tables["syn"]), "--sample-rows", "100"], "not Parquet"),
        (
            [
                "--real",
                str(tables["real"]),
                "--synthetic",
                str(tables["syn"]),
                "--workers",
                "1",
                "--entity",
                "id",
            ],
            "--entity",
        ),
    ):
        code, text = run_cli(["evaluate", *extra], capsys)
        assert code == 2 and len(text.strip().splitlines()) == 1 and words in text, text


def test_a_bad_sample_size_is_refused(tables: dict[str, Path]) -> None:
    with pytest.raises(InvalidParameterError, match="sample_size"):
        evaluate_table(tables["real"], tables["syn"], sample_size=3)
