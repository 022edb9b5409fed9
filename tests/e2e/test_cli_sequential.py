"""End to end: 'synthwise generate' and 'fit' / 'sample' on a sequential CSV with --entity and
--sequence-index."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthwise.testing import run_cli as run
from synthwise.testing.sequential import small_pbcseq


def test_generate_sequential_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "visits.csv"
    real = small_pbcseq(50)
    real.to_csv(data, index=False)
    out = tmp_path / "synthetic.csv"
    args = ["generate", str(data), "-g", "sequential_ar", "--entity", "id", "--sequence-index", "day"]
    code, output = run([*args, "-n", "12", "-o", str(out), "--seed", "0"], capsys)
    assert code == 0, output
    syn = pd.read_csv(out)
    assert list(syn.columns) == list(real.columns)
    assert syn["id"].nunique() == 12 and not set(syn["id"]) & set(real["id"])
    assert (syn.groupby("id")["day"].diff().dropna() >= 0).all()
    assert (syn.groupby("id")["sex"].nunique() == 1).all()


def test_fit_then_sample_sequential_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "visits.csv"
    small_pbcseq(40).to_csv(data, index=False)
    model = tmp_path / "m.synthwise"
    fit = ["fit", str(data), "-g", "sequential_ar", "--entity", "id", "--sequence-index", "day"]
    code, output = run([*fit, "-o", str(model)], capsys)
    assert code == 0, output
    out = tmp_path / "s.csv"
    code, output = run(["sample", str(model), "-n", "5", "-o", str(out), "--seed", "2"], capsys)
    assert code == 0, output
    assert pd.read_csv(out)["id"].nunique() == 5


def test_unknown_entity_column_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "visits.csv"
    small_pbcseq(20).to_csv(data, index=False)
    args = ["generate", str(data), "-g", "sequential_ar", "--entity", "patient", "-n", "3"]
    code, output = run([*args, "-o", str(tmp_path / "o.csv")], capsys)
    assert code != 0
    assert "patient" in output


def test_evaluate_sequential_csv_adds_sequence_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    data, syn = tmp_path / "visits.csv", tmp_path / "syn.csv"
    small_pbcseq(60).to_csv(data, index=False)
    gen = ["generate", str(data), "-g", "sequential_ar", "--entity", "id", "--sequence-index", "day"]
    code, output = run([*gen, "-n", "40", "-o", str(syn)], capsys)
    assert code == 0, output
    scores = tmp_path / "scores.json"
    args = ["evaluate", "--real", str(data), "--synthetic", str(syn), "--entity", "id"]
    args += ["--sequence-index", "day", "--no-baselines", "--bootstrap", "0", "--json", str(scores)]
    code, output = run(args, capsys)
    assert code == 0, output
    keys = set(json.loads(scores.read_text())["scores"])
    assert {"fidelity.seq_autocorrelation_error", "fidelity.seq_discriminative_auc"} <= keys
