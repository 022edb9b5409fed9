"""Real multi-process Dask runs on 127.0.0.1: LocalClusters of 1 and 2 workers and a ``dask scheduler`` +
2 ``dask worker`` processes started and stopped here give the serial run's bytes; a worker without
synthwise is named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthwise.errors import EngineError, InvalidParameterError
from synthwise.scale import DaskExecutor, sample_to_folder
from synthwise.scale.stats import table_stats
from synthwise.testing.cli import run_cli
from synthwise.testing.dask import dask_unavailable, loopback_cluster
from synthwise.testing.scale import folder_digest

pytestmark = pytest.mark.skipif(dask_unavailable() is not None, reason=str(dask_unavailable()))

N, BLOCKS, SEED = 6_000, 4, 11  # the run of the ``reference`` fixture (conftest.py)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_local_cluster_gives_the_serial_bytes(
    workers: int, model: Path, reference: dict[str, str], tmp_path: Path
) -> None:
    executor = DaskExecutor(workers=workers)
    result = sample_to_folder(model, N, tmp_path / "out", seed=SEED, blocks=BLOCKS, executor=executor)
    assert (result.executor, result.workers, result.rows) == ("dask", workers, N)
    assert folder_digest(tmp_path / "out") == reference
    assert executor.client is None and executor.cluster is None  # closed after the run
    if workers == 2:  # one cluster kept open over two runs
        with executor:
            for name in ("a", "b"):
                sample_to_folder(model, N, tmp_path / name, seed=SEED, blocks=BLOCKS, executor=executor)
                assert executor.client is not None
            assert folder_digest(tmp_path / "a") == folder_digest(tmp_path / "b") == reference
            parts = sorted((tmp_path / "a").glob("part-*.parquet"))
            assert table_stats(parts, executor) == table_stats(parts)  # merged in file order: exact
        assert executor.client is None


def test_a_scheduler_and_two_worker_processes_give_the_serial_bytes(
    model: Path, reference: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["sample", str(model), "-n", str(N), "-o", str(out), "--blocks", str(BLOCKS), "--seed", str(SEED)]
    with loopback_cluster(workers=2) as address:
        assert address.startswith("tcp://127.0.0.1:")
        code, text = run_cli([*args, "--scheduler", address], capsys)
    assert code == 0, text
    assert f"Wrote {N:,} rows" in text and "2 dask workers" in text
    assert folder_digest(out) == reference


def test_a_worker_without_synthwise_is_one_clear_line(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sample", str(model), "-n", "100", "-o", str(tmp_path / "out")]
    with loopback_cluster(workers=1, without_synthwise=True) as address:
        code, text = run_cli([*args, "--scheduler", address], capsys)
    assert code == 2
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "cannot import synthwise" in lines[0] and "Fix: install synthwise" in lines[0]
    assert "Traceback" not in text


def test_an_unreachable_scheduler_is_one_clear_line(model: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    executor = DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}", timeout_s=1.0)
    with pytest.raises(EngineError, match=r"Cannot connect to the Dask scheduler.*Fix"):
        sample_to_folder(model, 100, tmp_path / "out", executor=executor)
    with pytest.raises(InvalidParameterError, match="exclude each other"):
        DaskExecutor(scheduler="tcp://127.0.0.1:1", workers=2)
