"""A throwaway Dask cluster of real processes on 127.0.0.1: ``dask scheduler`` + ``dask worker``\\ s.

>>> with loopback_cluster(workers=2) as address:  # doctest: +SKIP
...     sample_to_folder(model, n, out, executor=DaskExecutor(scheduler=address))

Every process is started here and stopped (terminated, then killed) on exit, also after an error. The
workers import synthwise from the same source as this process (its folder goes first on their
``PYTHONPATH``), unless ``without_synthwise``: then they run with ``python -S`` and only the
site-packages folders on their path, so Dask imports and synthwise (an editable or ordinary install
alike, found through a ``.pth`` file or not at all) does not, like a worker image built without it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def dask_unavailable() -> str | None:
    """Why no cluster can start here, or None when it can."""
    if importlib.util.find_spec("distributed") is None:
        return 'distributed not installed (pip install "synthwise[scale]")'
    return None


def _source_root() -> str:
    return str(Path(__file__).resolve().parents[2])  # the folder holding the synthwise package


def _env(without_synthwise: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if without_synthwise:
        packages = [p for p in site.getsitepackages() if Path(p).is_dir()]
        env["PYTHONPATH"] = os.pathsep.join(packages)
    else:
        env["PYTHONPATH"] = os.pathsep.join([_source_root(), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_for_workers(address: str, workers: int, timeout_s: float) -> None:
    from distributed import Client

    with Client(address, timeout=f"{timeout_s}s") as client:
        client.wait_for_workers(workers, timeout=timeout_s)


@contextlib.contextmanager
def loopback_cluster(
    workers: int = 2, *, without_synthwise: bool = False, timeout_s: float = 60.0
) -> Iterator[str]:
    """Start ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes on
    127.0.0.1; yield the scheduler's address (``tcp://127.0.0.1:PORT``); stop them all on exit."""
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="synthwise-dask-") as tmp:
        scheduler_file = Path(tmp) / "scheduler.json"
        logs = Path(tmp)
        try:
            cmd = [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ]
            # no dashboard; its HTTP routes on loopback at a free port (not 8787, which may be taken)
            cmd += [
                "--no-dashboard",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(scheduler_file),
            ]
            with open(logs / "scheduler.log", "wb") as log:
                procs.append(subprocess.Popen(cmd, env=_env(False), stdout=log, stderr=subprocess.STDOUT))
            deadline = time.monotonic() + timeout_s
            while not scheduler_file.exists() or not scheduler_file.read_text().strip():
                if procs[0].poll() is not None or time.monotonic() > deadline:
                    log_text = (logs / "scheduler.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"dask scheduler did not start:\n{log_text}")
                time.sleep(0.1)
            time.sleep(0.1)  # the file is written in one go, but be safe about a partial read
            address = str(json.loads(scheduler_file.read_text())["address"])
            python = [sys.executable, "-S"] if without_synthwise else [sys.executable]
            for i in range(workers):
                cmd = [*python, "-m", "distributed.cli.dask_worker", address, "--host", "127.0.0.1"]
                cmd += ["--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}"]
                with open(logs / f"worker{i}.log", "wb") as log:
                    procs.append(
                        subprocess.Popen(
                            cmd, env=_env(without_synthwise), stdout=log, stderr=subprocess.STDOUT
                        )
                    )
            _wait_for_workers(address, workers, max(1.0, deadline - time.monotonic()))
            yield address
        finally:
            _stop(procs)
