"""adasyn beyond the shared SMOTE-family contract (tests/generators/test_smote.py)."""

from __future__ import annotations

import synthwise as sw


def test_rows_concentrate_near_the_class_boundary() -> None:
    """ADASYN weights the hard defaulters (neighbours who did not default: lower balances) more than SMOTE."""
    real = sw.datasets.load_frame("default")
    ada = sw.get_generator("adasyn", target="default", seed=0).fit(real).sample(2000, seed=0)
    smo = sw.get_generator("smote", target="default", seed=0).fit(real).sample(2000, seed=0)
    assert ada["balance"].mean() < smo["balance"].mean() - 50
