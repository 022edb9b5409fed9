"""End to end: 'synthwise augment' on the real Default table: real rows byte-identical, counts as asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import synthwise as sw
from synthwise.testing import run_cli as run


@pytest.fixture(scope="module")
def default_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "default.csv"
    sw.datasets.load_frame("default").to_csv(path, index=False)
    return path


def test_augment_ratio_keeps_real_bytes_and_balances(
    tmp_path: Path, default_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "aug.csv"
    code, text = run(
        [
            "augment",
            str(default_csv),
            "--target",
            "default",
            "--ratio",
            "1.0",
            "--generator",
            "smotenc",
            "-o",
            str(out),
            "--seed",
            "0",
        ],
        capsys,
    )
    assert code == 0, text
    real_bytes = default_csv.read_bytes()
    assert out.read_bytes().startswith(real_bytes)  # header and every real row, byte for byte
    aug = pd.read_csv(out)
    assert (aug["default"] == "Yes").sum() == (aug["default"] == "No").sum() == 9667
    assert "9,667 -> 9,667" in text and "weak privacy" in text


def test_augment_n_with_label_column_and_boost(
    tmp_path: Path, default_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "aug.csv"
    code, text = run(
        [
            "augment",
            str(default_csv),
            "--target",
            "default",
            "--n",
            "600",
            "-g",
            "bootstrap",
            "-o",
            str(out),
            "--label-column",
            "synthetic",
            "--boost",
            "student=Yes:2",
            "--seed",
            "1",
        ],
        capsys,
    )
    assert code == 0, text
    real_lines = default_csv.read_text().splitlines()
    got = out.read_text().splitlines()
    assert got[0] == real_lines[0] + ",synthetic"
    assert got[1 : len(real_lines)] == [line + ",False" for line in real_lines[1:]]
    aug = pd.read_csv(out)
    new = aug[aug["synthetic"]]
    assert len(new) == 600 and (new["default"] == "Yes").all()
    real = pd.read_csv(default_csv)
    share = (real.loc[real["default"] == "Yes", "student"] == "Yes").mean()
    assert abs((new["student"] == "Yes").mean() - 2 * share) < 0.01


def test_augment_same_seed_same_bytes(
    tmp_path: Path, default_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"a{i}.parquet"
        code, text = run(
            [
                "augment",
                str(default_csv),
                "--target",
                "default",
                "--n",
                "100",
                "-g",
                "smote",
                "-o",
                str(out),
                "--seed",
                "4",
            ],
            capsys,
        )
        assert code == 0, text
        outs.append(pd.read_parquet(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    assert len(outs[0]) == 10_100


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "nope"], "Column 'nope'"),
        (["--target", "default", "--ratio", "1", "--n", "5"], "not both"),
        (["--target", "default", "--boost", "student=Yes"], "COL=VALUE:FACTOR"),
        (["--target", "default", "--boost", "default=Yes:2"], "Cannot boost the target"),
        (["--target", "default", "-g", "smote", "-p", "n_neighbors=0"], "n_neighbors"),
    ],
)
def test_augment_bad_input_exits_2_with_a_clear_line(
    tmp_path: Path, default_csv: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    out = tmp_path / "o.csv"
    code, text = run(["augment", str(default_csv), "-o", str(out), *extra], capsys)
    assert code == 2 and message in text, text
    assert not out.exists()


def test_augment_refuses_to_overwrite_its_input(
    default_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "in.csv"
    copy.write_bytes(default_csv.read_bytes())
    code, text = run(
        ["augment", str(copy), "--target", "default", "--n", "5", "-g", "smote", "-o", str(copy)], capsys
    )
    assert code == 2 and "is the input file" in text
    assert copy.read_bytes() == default_csv.read_bytes()
