"""The raw space's column groups: correlated groups found on known structure, seeded, and a partial
copy of a correlated block caught by the DCR share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.evaluation import Evaluation
from synthwise.evaluation.raw_space import association, column_groups, correlated_groups

Quick = Callable[..., Evaluation]


def _clustered(n: int, seed: int) -> pd.DataFrame:
    """Twelve columns in three blocks of four that share a latent factor; the blocks are independent.
    The third block is categorical (the factor cut into levels)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for b in range(3):
        z = rng.normal(size=n)
        for j in range(4):
            v = z + 0.3 * rng.normal(size=n)
            cols[f"b{b}_{j}"] = np.digitize(v, [-1.0, 0.0, 1.0]).astype(np.float64) if b == 2 else v
    return pd.DataFrame(cols)


def _blocks(df: pd.DataFrame, discrete: set[str]) -> list[np.ndarray]:
    out = []
    for c in df.columns:
        v = df[c].to_numpy()
        if c in discrete:
            levels = np.unique(v)
            out.append((v[:, None] == levels[None, :]) * 0.5)
        else:
            out.append(((np.argsort(np.argsort(v)) + 0.5) / len(v) - 0.5)[:, None])
    return out


def test_correlated_groups_recover_blocks_of_related_columns() -> None:
    df = _clustered(3000, 0)
    blocks = _blocks(df, {c for c in df.columns if c.startswith("b2")})
    groups = correlated_groups(blocks, 3, seed=0)
    found = sorted(tuple(int(i) for i in g) for g in groups)
    assert found == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)]
    a = association(blocks)
    assert np.allclose(a, a.T) and np.all(np.diag(a) == 1.0)
    assert a[0, 1] > 0.8 and a[0, 4] < 0.1 and a[8, 9] > 0.5  # one-hot levels of related categories


def test_column_groups_are_named_seeded_and_only_on_spaces_of_more_than_ten_coordinates() -> None:
    df = _clustered(1000, 1)
    blocks = _blocks(df, set())
    groups = column_groups(blocks, seed=5)
    assert list(groups) == ["raw"] + [f"raw_correlated{i}" for i in (1, 2, 3)] + [
        f"raw_random{i}" for i in (1, 2, 3)
    ]
    again = column_groups(blocks, seed=5)
    assert all(np.array_equal(groups[k], again[k]) for k in groups)
    assert list(column_groups(blocks[:10], seed=5)) == ["raw"]  # ten numeric columns: ten coordinates
    # few columns, many coordinates (diamonds: 10 columns, 27 coordinates): groups, as mostlyai-qa
    wide = [np.eye(6)[np.random.default_rng(i).integers(0, 6, 300)] for i in range(2)]
    few = column_groups([*wide, blocks[0][:300]], seed=5)
    assert "raw_correlated1" in few and all(len(g) for g in few.values())
    assert sorted(np.concatenate([g for k, g in few.items() if "random" in k]).tolist()) == [0, 1, 2]
    # unrelated columns: still three non-empty groups covering every column once
    noise = [np.random.default_rng(i).normal(size=(500, 1)) for i in range(14)]
    cor = correlated_groups(noise, 3, seed=0)
    assert sorted(np.concatenate(cor).tolist()) == list(range(14)) and all(len(g) for g in cor)


def test_dcr_share_sees_a_copied_block_of_related_columns(quick: Quick) -> None:
    """Known case: the synthetic rows copy one block of related columns from their training rows and
    draw the other two blocks fresh. Among many columns the copied block hides; the correlated group
    that holds it is the most revealing, and the verdict is at least its share."""
    train, hold, fresh = _clustered(2000, 2), _clustered(2000, 3), _clustered(2000, 4)
    syn = fresh.copy()
    block = [c for c in train.columns if c.startswith("b0")]
    syn[block] = train[block].to_numpy()
    res = quick(train, syn, hold, metrics=["dcr_share"])["dcr_share"]
    by_space = res.details["by_space"]
    correlated = max(v for k, v in by_space.items() if k.startswith("raw_correlated"))
    assert correlated > 0.9 and correlated >= by_space["raw"] + 0.2
    assert res.value == max(by_space.values()) >= correlated
    fresh_res = quick(train, _clustered(2000, 5), hold, metrics=["dcr_share"])["dcr_share"]
    assert fresh_res.value < 0.6


@settings(max_examples=60, deadline=None)
@given(
    n_rows=st.integers(2, 60),
    widths=st.lists(st.integers(1, 30), min_size=11, max_size=16),
    seed=st.integers(0, 2**16),
)
def test_column_groups_partition_the_columns_and_association_is_bounded(
    n_rows: int, widths: list[int], seed: int
) -> None:
    """Any blocks (constant, one-hot or continuous coordinates): the association is symmetric, in
    [0, 1] with 1 on the diagonal; each kind of group covers every column exactly once."""
    rng = np.random.default_rng(seed)
    blocks = []
    for w in widths:
        kind = rng.integers(3)
        if kind == 0:
            blocks.append(np.zeros((n_rows, w)))
        elif kind == 1:
            blocks.append(np.eye(w)[rng.integers(0, w, n_rows)] * 0.5)
        else:
            blocks.append(rng.uniform(-0.5, 0.5, size=(n_rows, 1)))
    a = association(blocks)
    assert a.shape == (len(blocks), len(blocks))
    assert np.allclose(a, a.T) and np.all((a >= 0) & (a <= 1)) and np.all(np.diag(a) == 1.0)
    groups = column_groups(blocks, seed)
    for kind in ("raw_correlated", "raw_random"):
        members = np.concatenate([g for k, g in groups.items() if k.startswith(kind)])
        assert sorted(members.tolist()) == list(range(len(blocks)))
