"""Each input file is read once: parsed and hashed from the same bytes, the hash going into the manifest."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import synthwise.evaluation.inputs as inputs
from synthwise.evaluation import Input, evaluate, load_input
from synthwise.io import read_table


def test_a_file_is_parsed_and_hashed_from_one_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.5, 2.0, None], "b": ["x", "y", "x"]}).to_csv(path, index=False)
    loaded = load_input(path, "real")
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.path == str(path)
    pd.testing.assert_frame_equal(loaded.frame, read_table(path))
    assert load_input(loaded, "real") is loaded
    assert load_input(loaded.frame, "real") == Input(loaded.frame)


def test_evaluate_reads_each_file_once(
    tmp_path: Path, tables: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = {}
    for name in ("train", "disjoint", "holdout"):
        paths[name] = tmp_path / f"{name}.csv"
        tables[name].iloc[:300].to_csv(paths[name], index=False)
    reads: Counter[str] = Counter()
    real_read = inputs.read_table_sha256

    def counting(path: str | Path) -> tuple[pd.DataFrame, str]:
        reads[Path(path).name] += 1
        return real_read(path)

    monkeypatch.setattr(inputs, "read_table_sha256", counting)
    ev = evaluate(
        paths["train"],
        paths["disjoint"],
        paths["holdout"],
        metrics=["marginals"],
        n_bootstrap=0,
        baselines=False,
        row_flags=False,
    )
    assert reads == {"train.csv": 1, "disjoint.csv": 1, "holdout.csv": 1}
    for role, name in (("real", "train"), ("synthetic", "disjoint"), ("holdout", "holdout")):
        digest = hashlib.sha256(paths[name].read_bytes()).hexdigest()
        assert ev.manifest["inputs"][role]["sha256"] == digest
