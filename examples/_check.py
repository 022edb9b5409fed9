"""Shared helpers of the example evaluations: run a spec, read its tables, print the rule checks."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from synthwise.simulation import simulate

Check = tuple[str, bool, str]  # (rule, holds, measured)


def run(
    spec: Path,
    argv: Sequence[str] | None,
    default_rows: int | None,
    checks: Callable[[dict[str, pd.DataFrame]], list[Check]],
    description: str,
) -> int:
    """Simulate ``spec`` (``--rows``, ``--seed``, ``--out``), run ``checks`` and print them; 0 if all hold."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=default_rows, help="rows of the spec's main table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the tables in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        result = simulate(spec, out, seed=args.seed, rows=args.rows)
        tables = {name: pd.read_csv(t.path) for name, t in result.tables.items()}
    print(result.summary())
    results = checks(tables)
    width = max(len(rule) for rule, _, _ in results)
    for rule, ok, measured in results:
        print(f"{'PASS' if ok else 'FAIL'}  {rule:<{width}}  {measured}")
    failed = sum(not ok for _, ok, _ in results)
    print(f"{len(results) - failed} of {len(results)} rules hold")
    return 1 if failed else 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1
