"""Test support shipped with synthwise: conformance checks, fixtures and Hypothesis strategies.

* ``generators``: ``check_generator`` / ``check_faithful`` (the contract every registered tabular
  generator keeps), ``mixed_table``, ``marginal_error``;
* ``sequential``: ``check_sequential_generator`` (the same contract for sequential generators);
* ``cli``: ``run_cli`` (the command line in process);
* ``strategies``: ``table_strategy`` (Hypothesis);
* ``kinds``: ``kinds_table`` (one table with every kind real tables hold);
* ``metrics``: ``check_metric`` (the contract every registered metric keeps);
* ``reports``: ``example_evaluation`` (a hand-made evaluation to preview and test the report; not
  imported here, so that ``python -m synthwise.testing.reports report.html`` writes the preview).
"""

from synthwise.testing.cli import run_cli
from synthwise.testing.generators import (
    _fast_params,
    check_faithful,
    check_generator,
    marginal_error,
    mixed_table,
    tabular_generator,
)
from synthwise.testing.kinds import kinds_table
from synthwise.testing.metrics import check_metric
from synthwise.testing.sequential import check_sequences, check_sequential_generator, small_pbcseq
from synthwise.testing.strategies import table_strategy

__all__ = [
    "_fast_params",
    "check_faithful",
    "check_generator",
    "check_metric",
    "check_sequences",
    "check_sequential_generator",
    "kinds_table",
    "marginal_error",
    "mixed_table",
    "run_cli",
    "small_pbcseq",
    "table_strategy",
    "tabular_generator",
]
