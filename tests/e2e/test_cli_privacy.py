"""End to end: a DP fit prints its ledger, sampling spends nothing, the budget options are checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthwise.generators import load_generator
from synthwise.testing import run_cli as run


@pytest.fixture(scope="module")
def train_csv(
    tmp_path_factory: pytest.TempPathFactory, default_split: tuple[pd.DataFrame, pd.DataFrame]
) -> Path:
    path = tmp_path_factory.mktemp("dp") / "default.train.csv"
    default_split[0].to_csv(path, index=False)
    return path


def test_mst_fit_prints_the_ledger_and_sampling_spends_nothing(
    train_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.synthwise"
    code, text = run(
        ["fit", str(train_csv), "--generator", "mst", "--epsilon", "1", "-o", str(model)], capsys
    )
    assert code == 0, text
    for step in ("categories (thresholded histogram)", "1-way marginals", "2-way marginals"):
        assert step in text
    assert "total: (1.0000, 1e-09)-DP" in text
    ledger = load_generator(str(model)).ledger_.to_dict()  # type: ignore[attr-defined]
    out = tmp_path / "s.csv"
    code, text = run(["sample", str(model), "-n", "500", "-o", str(out), "--seed", "1"], capsys)
    assert code == 0, text
    assert "sampling spends no privacy budget" in text
    assert load_generator(str(model)).ledger_.to_dict() == ledger  # type: ignore[attr-defined]
    synth = pd.read_csv(out)
    assert len(synth) == 500 and set(synth["student"]) <= {"No", "Yes"}


def test_dp_ar_generate_prints_the_sgd_step(
    train_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("opacus")
    out = tmp_path / "s.csv"
    args = ["generate", str(train_csv), "-n", "200", "-o", str(out), "-g", "dp_ar", "--epsilon", "3"]
    code, text = run([*args, "--delta", "1e-7", "--param", "epochs=2", "--param", "verbose=false"], capsys)
    assert code == 0, text
    assert "DP-SGD training" in text and "total: (3.0000, 1e-07)-DP" in text
    assert len(pd.read_csv(out)) == 200


def test_epsilon_on_a_generator_without_dp_is_refused(
    train_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(
        ["fit", str(train_csv), "-g", "cart", "--epsilon", "1", "-o", str(tmp_path / "m")], capsys
    )
    assert code == 2
    assert "not one" in text and "dp_ar" in text
    assert not (tmp_path / "m").exists()


def test_a_non_dp_fit_says_it_gives_no_guarantee(
    train_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(["fit", str(train_csv), "-g", "bootstrap", "-o", str(tmp_path / "m.synthwise")], capsys)
    assert code == 0, text
    assert "no formal privacy guarantee" in text
