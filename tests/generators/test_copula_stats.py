"""The copula's statistics merged over blocks are the whole table's: order statistics equal
``numpy.quantile`` bit for bit, each fit-sample row's cell is its exact rank interval, and a
gaussian_copula fitted block by block equals the one fitted in memory."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.generators.copula_stats import CountContext, count_block, merge_counts, numeric_marginals
from synthwise.generators.gaussian_copula import GaussianCopula
from synthwise.random import make_rng
from synthwise.testing.generators import mixed_table


@dataclass
class SplitBlocks:
    """The codes cut into consecutive blocks at ``cuts``."""

    codes: pd.DataFrame
    cuts: list[int]

    @property
    def n_rows(self) -> int:
        return len(self.codes)

    def map(self, fn, context):  # type: ignore[no-untyped-def]
        edges = [0, *self.cuts, len(self.codes)]
        return [
            fn(context, self.codes.iloc[a:b].reset_index(drop=True), a) for a, b in itertools.pairwise(edges)
        ]


def _column(rng: np.random.Generator, n: int, distinct: int, missing: float) -> np.ndarray:
    x = rng.choice(rng.normal(size=distinct), size=n) if distinct else rng.normal(size=n)
    x[rng.random(n) < missing] = np.nan
    return x


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 400),
    distinct=st.sampled_from([0, 1, 3, 30, 300]),
    missing=st.sampled_from([0.0, 0.3, 0.95]),
    keep_share=st.floats(0.0, 1.0),
    n_cuts=st.integers(0, 6),
    seed=st.integers(0, 2**16),
)
def test_block_order_statistics_and_cells_are_exact(
    n: int, distinct: int, missing: float, keep_share: float, n_cuts: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    codes = pd.DataFrame({"x": _column(rng, n, distinct, missing)})
    keep = np.sort(rng.choice(n, int(keep_share * n), replace=False))
    cuts = sorted(rng.integers(0, n + 1, size=n_cuts).tolist())
    blocks = SplitBlocks(codes, cuts)
    ctx = CountContext({}, ("x",), 8, keep)
    counts = merge_counts(blocks.map(count_block, ctx), 8)
    p = np.linspace(0.0, 1.0, 37)
    m = numeric_marginals(blocks, counts, {"x": p})["x"]
    x = codes["x"].to_numpy()
    present = np.sort(x[~np.isnan(x)])
    assert m.present == len(present) == counts.columns["x"].present
    if len(present):
        assert np.array_equal(m.quantiles, np.quantile(present, p))
    s = x[keep]
    assert np.array_equal(m.cell < 0, np.isnan(s))
    known = ~np.isnan(s)
    below = np.searchsorted(present, s[known], "left") / max(len(present), 1)
    at = np.searchsorted(present, s[known], "right") / max(len(present), 1)
    assert np.array_equal(m.cum[m.cell[known]], below)
    assert np.array_equal(m.cum[m.cell[known] + 1], at)
    assert m.cum[0] == 0.0 and (len(present) == 0 or m.cum[-1] == 1.0)


@settings(max_examples=10, deadline=None)
@given(n_cuts=st.integers(1, 8), max_fit_rows=st.sampled_from([10, 57, 5_000]), seed=st.integers(0, 2**16))
def test_a_copula_fitted_in_blocks_equals_the_one_fitted_in_memory(
    n_cuts: int, max_fit_rows: int, seed: int
) -> None:
    data = mixed_table(400, seed=seed % 7)
    data["fine"] = np.random.default_rng(seed).normal(size=len(data))  # many distinct values
    memory = GaussianCopula(seed=seed, max_fit_rows=max_fit_rows, max_knots=64).fit(data)
    codes = memory.transformer_.to_codes(data)
    cuts = sorted(np.random.default_rng(seed).integers(0, len(data) + 1, size=n_cuts).tolist())
    blocks = GaussianCopula(seed=seed, max_fit_rows=max_fit_rows, max_knots=64).fit(data.iloc[:50])
    blocks.transformer_ = memory.transformer_
    blocks._fit_blocks(SplitBlocks(codes, cuts), make_rng(seed))  # the rng an ordinary fit hands _fit
    assert np.array_equal(blocks.corr_, memory.corr_)
    for a, b in zip(blocks.dims_, memory.dims_, strict=True):
        assert (a.column, a.role) == (b.column, b.role)
        assert np.array_equal(a.p, b.p) and np.array_equal(a.v, b.v)
    assert blocks.sample(200, seed=1).equals(memory.sample(200, seed=1))
