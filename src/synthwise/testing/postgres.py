"""A throwaway PostgreSQL server for tests: its own data directory and port on 127.0.0.1, stopped after.

>>> with throwaway_postgres() as url:  # doctest: +SKIP
...     write_database(db, url + "?schema=synthetic")

:func:`postgres_unavailable` says why no server can start here (no ``initdb``, no ``psycopg``, root
without a ``postgres`` user), so tests skip with that reason. PostgreSQL refuses to run as root; under
root the server runs as the ``postgres`` system user (``runuser``).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return Path(dirs[0]) if dirs else None


def _as_user() -> list[str]:
    """The command prefix that runs the server as a non-root user (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def postgres_unavailable() -> str | None:
    """Why a throwaway server cannot start here, or None when it can."""
    if importlib.util.find_spec("psycopg") is None or importlib.util.find_spec("sqlalchemy") is None:
        return 'psycopg / sqlalchemy not installed (pip install "synthwise[sql]")'
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        return "PostgreSQL server binaries (initdb, pg_ctl) not found (make postgresql installs them)"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run the server"
        if shutil.which("runuser") is None:
            return "running as root without 'runuser'"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a server in a temporary directory; yield its SQLAlchemy URL (database ``postgres``)."""
    reason = postgres_unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    bin_dir = _bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="synthwise-pg-"))
    data, log = root / "data", root / "server.log"
    prefix = _as_user()
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    run = [
        *prefix,
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "test",
        "--no-sync",
        "-E",
        "UTF8",
    ]
    started = False
    try:
        subprocess.run(run, check=True, capture_output=True, timeout=120)
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F"
        start = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w"]
        subprocess.run([*start, "start"], check=True, capture_output=True, timeout=120)
        started = True
        yield f"postgresql+psycopg://test@127.0.0.1:{port}/postgres"
    finally:
        if started:
            stop = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run(stop, capture_output=True, timeout=120, check=False)
        shutil.rmtree(root, ignore_errors=True)
