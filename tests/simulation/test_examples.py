"""Each shipped example's evaluation passes: the rules of its spec hold on the simulated tables."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("example", "args"),
    [
        ("card_fraud", ["--rows", "40000", "--seed", "0"]),
        ("hospital", ["--rows", "4000", "--seed", "0"]),
        ("network_intrusion", ["--rows", "30000", "--seed", "0"]),
    ],
)
def test_example_rules_hold(example: str, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    main = runpy.run_path(str(EXAMPLES / example / "evaluate.py"))["main"]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out
    assert (EXAMPLES / example / "README.md").exists()
