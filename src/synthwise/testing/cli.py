"""Run the command line in process from tests."""

from __future__ import annotations

from typing import Any


def run_cli(args: list[str], capsys: Any) -> tuple[int, str]:
    """Run ``synthwise ARGS`` in process; the exit code and everything printed (``capsys``: pytest's)."""
    from synthwise.cli import main

    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err
