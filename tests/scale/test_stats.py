"""Statistics merged across blocks equal the whole table's: counts exactly, moments to rounding."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.scale.stats import block_stats, merge, table_stats
from synthwise.testing.generators import mixed_table


def _check(merged: dict, whole: pd.DataFrame) -> None:
    for name, stats in merged.items():
        col = whole[name]
        assert stats.rows == len(col) and stats.missing == int(col.isna().sum()), name
        if stats.counts:
            expected = col.dropna().astype(str).value_counts()
            assert stats.counts == {str(k): int(v) for k, v in expected.items()}, name
        elif stats.present:
            x = block_stats(whole[[name]])[name]
            assert (stats.minimum, stats.maximum) == (x.minimum, x.maximum), name
            assert stats.mean == pytest.approx(x.mean, rel=1e-12, abs=1e-9), name
            assert stats.variance == pytest.approx(x.variance, rel=1e-9, abs=1e-9), name


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 400),
    cuts=st.lists(st.floats(0, 1), max_size=5),
    seed=st.integers(0, 2**16),
)
def test_merged_blocks_equal_the_whole_table(n: int, cuts: list[float], seed: int) -> None:
    table = mixed_table(n, seed=seed)
    bounds = sorted({0, n, *(int(c * n) for c in cuts)})
    parts = [table.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    merged = block_stats(parts[0])
    for part in parts[1:]:
        merged = merge(merged, block_stats(part))
    _check(merged, table)


def test_large_offsets_keep_the_variance() -> None:
    """Chan's update keeps a small spread around a huge mean (a naive sum of squares would not)."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"v": 1e9 + rng.normal(0, 1e-3, 10_000)})
    merged = merge(block_stats(x.iloc[:3000]), block_stats(x.iloc[3000:]))
    assert merged["v"].variance == pytest.approx(float(np.var(x["v"].to_numpy())), rel=1e-6)


def test_stats_of_parquet_blocks(tmp_path: Path) -> None:
    table = mixed_table(500, seed=3)
    paths = []
    for i, a in enumerate(range(0, 500, 120)):
        paths.append(tmp_path / f"part-{i}.parquet")
        table.iloc[a : a + 120].to_parquet(paths[-1], index=False)
    stats = table_stats(paths)
    _check(stats, pd.read_parquet(tmp_path))
    assert (
        stats["x"].minimum == table["x"].min() and stats["maybe"].missing_rate == table["maybe"].isna().mean()
    )
    with pytest.raises(ValueError, match="at least one file"):
        table_stats([])
