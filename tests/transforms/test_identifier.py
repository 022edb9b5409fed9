"""Fresh keys: templates (counter with prefix and suffix, row index, shape masks) and repeated keys that
keep the real rows-per-key distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.schema import ColumnSchema
from synthwise.transforms.identifier import generate_identifiers, generate_repeated, group_sizes


def test_templates_write_keys_in_the_real_format() -> None:
    rng = np.random.default_rng(0)
    counter = ColumnSchema("k", "identifier", dtype="object", id_template="17-{:06d}", max=41.0)
    assert generate_identifiers(counter, 3, rng).tolist() == ["17-000042", "17-000043", "17-000044"]
    suffix = ColumnSchema("k", "identifier", dtype="object", id_template="INV{:d}-B", max=9.0)
    assert generate_identifiers(suffix, 2, rng, start=5).tolist() == ["INV15-B", "INV16-B"]
    row = ColumnSchema("r", "identifier", dtype="int64", id_template="row", min=1.0, max=50.0)
    assert generate_identifiers(row, 4, rng).tolist() == [1, 2, 3, 4]
    shape = ColumnSchema("s", "identifier", dtype="object", id_template="shape:AA\\-99x")
    out = generate_identifiers(shape, 200, rng)
    assert out.is_unique and out.str.fullmatch(r"[A-Z]{2}-\d{2}[a-z0-9]").all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=40),
    st.integers(1, 300),
    st.floats(0.0, 0.5),
    st.integers(0, 2**32 - 1),
)
def test_repeated_keys_keep_group_sizes(groups: list[int], n: int, missing: float, seed: int) -> None:
    real = pd.Series([f"C-{g:04d}" for g, size in enumerate(groups) for _ in range(size)])
    sizes = group_sizes(real)
    assert int((sizes[:, 0] * sizes[:, 1]).sum()) == len(real)  # every real row is in one group
    col = ColumnSchema(
        "case", "identifier", dtype="object", id_template="C-{:04d}", max=len(groups) - 1.0,
        repeats=True, missing_rate=missing, n_unique=len(groups),
    )  # fmt: skip
    out = generate_repeated(col, n, np.random.default_rng(seed), sizes)
    assert len(out) == n
    present = out.dropna()
    assert not set(present) & set(real)  # fresh keys only
    counts = present.value_counts()
    assert counts.empty or counts.max() <= int(sizes[:, 0].max())  # sizes from the real distribution
    again = generate_repeated(col, n, np.random.default_rng(seed), sizes)
    pd.testing.assert_series_equal(out, again)  # seeded


def test_repeated_keys_without_fitted_sizes_use_the_mean() -> None:
    col = ColumnSchema("case", "identifier", dtype="object", id_template="K{:d}", max=10.0, repeats=True)
    out = generate_repeated(col, 4000, np.random.default_rng(1), None, mean_size=3.0)
    assert abs(out.value_counts().mean() - 3.0) < 0.3
