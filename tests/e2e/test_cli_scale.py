"""End to end: ``synthwise sample -o out/`` in blocks on a real table (ISLR Default, cart), the local
process pool against the serial engine, a resumed run, and the usage mistakes of the block options."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import synthwise as sw
from synthwise.testing import run_cli
from synthwise.testing.scale import folder_digest


@pytest.fixture(scope="module")
def cart_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    sw.datasets.load_frame("default").sample(2000, random_state=0).to_csv(folder / "default.csv", index=False)
    model = folder / "cart.synthwise"
    from synthwise.cli import main

    assert main(["fit", str(folder / "default.csv"), "-g", "cart", "-o", str(model)]) == 0
    return model


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, text = run_cli(args, capsys)
    return code, " ".join(text.split())  # rich wraps long lines


def test_blocks_on_a_process_pool_equal_the_serial_run_and_resume(
    cart_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sample", str(cart_model), "-n", "3000", "--blocks", "3", "--seed", "5"]
    code, text = run([*args, "-o", str(tmp_path / "serial")], capsys)
    assert code == 0, text
    assert "Wrote 3,000 rows" in text and "3 Parquet blocks" in text
    code, text = run([*args, "-o", str(tmp_path / "pool"), "--engine", "processes", "--workers", "2"], capsys)
    assert code == 0, text
    assert folder_digest(tmp_path / "pool") == folder_digest(tmp_path / "serial")
    synth = pd.read_parquet(tmp_path / "serial")
    real = sw.datasets.load_frame("default")
    assert list(synth.columns) == list(real.columns) and len(synth) == 3000
    assert synth["default"].value_counts(normalize=True).get("Yes", 0) < 0.1  # rare like the real 3 %
    # a half-finished run: drop the manifest and one block; the rerun samples only that block
    (tmp_path / "serial" / "_manifest.json").unlink()
    (tmp_path / "serial" / "part-00001.parquet").unlink()
    code, text = run([*args, "-o", str(tmp_path / "serial")], capsys)
    assert code == 0, text
    assert "1 sampled, 2 found finished" in text
    assert folder_digest(tmp_path / "serial") == folder_digest(tmp_path / "pool")
    code, text = run([*args, "-o", str(tmp_path / "serial")], capsys)
    assert code == 0 and "already holds this run" in text
    manifest = json.loads((tmp_path / "serial" / "_manifest.json").read_text())
    assert manifest["rows"] == 3000 and manifest["generator"] == "cart"
    # the folder is one table to every command that reads tables: evaluate it against the real rows
    real_csv = cart_model.parent / "default.csv"
    code, text = run(
        [
            "evaluate",
            "--real",
            str(real_csv),
            "--synthetic",
            str(tmp_path / "serial"),
            "--json",
            str(tmp_path / "s.json"),
        ],
        capsys,
    )
    assert code == 0, text
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["manifest"]["inputs"]["synthetic"]["path"] == str(tmp_path / "serial")
    assert scores["manifest"]["inputs"]["synthetic"]["rows"] == 3000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "x.csv", "--blocks", "3"], "not the single file"),
        (["-o", "out", "--blocks", "zero"], "--blocks must be 'auto' or a whole number"),
        (["-o", "out", "--workers", "0"], "--workers must be a whole number >= 1"),
        (["-o", "out", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "exclude each other"),
        (["-o", "out", "--engine", "spark"], "Unknown engine 'spark'"),
        (["-o", "out", "--max-time", "0"], "--max-time must be"),
    ],
)
def test_block_option_mistakes_are_one_line(
    extra: list[str],
    message: str,
    cart_model: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, text = run_cli(["sample", str(cart_model), "-n", "10", *extra], capsys)
    assert code == 2 and message in text and len(text.strip().splitlines()) == 1, text
    assert not (tmp_path / "x.csv").exists()


def test_a_killed_run_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    """SIGKILL the command after two of 20 blocks (no clean-up runs), rerun it: the uninterrupted bytes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from synthwise.generators import create
    from synthwise.scale import sample_to_folder
    from synthwise.testing.generators import mixed_table

    model = tmp_path / "m.synthwise"
    create("gaussian_copula", seed=0).fit(mixed_table(300)).save(str(model))
    sample_to_folder(model, 400_000, tmp_path / "reference", seed=2, blocks=20)
    out = tmp_path / "out"
    src = str(Path(sw.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    code = "import sys; from synthwise.cli import run; sys.argv[0] = 'synthwise'; run()"
    args = ["sample", str(model), "-n", "400000", "-o", str(out), "--blocks", "20", "--seed", "2"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while len(list(out.glob("part-*.parquet"))) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it was killed"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    parts = len(list(out.glob("part-*.parquet")))
    assert 2 <= parts < 20 and not (out / "_manifest.json").exists()
    result = sample_to_folder(model, 400_000, out, seed=2, blocks=20)
    assert (result.reused, result.written) == (parts, 20 - parts)
    assert folder_digest(out) == folder_digest(tmp_path / "reference")
