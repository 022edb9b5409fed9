"""The block plan: blocks cover the run exactly, seeds are the spawned children, auto ignores workers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthwise.errors import InvalidParameterError
from synthwise.scale.plan import (
    AUTO_MAX_ROWS,
    AUTO_MIN_ROWS,
    PIECE_CELLS,
    Block,
    Plan,
    auto_block_rows,
    block_seed,
    make_plan,
)


@given(
    n=st.integers(0, 10**9), blocks=st.one_of(st.just("auto"), st.integers(1, 500)), cols=st.integers(1, 400)
)
def test_blocks_cover_the_rows_once(n: int, blocks: int | str, cols: int) -> None:
    plan = make_plan(n, 7, blocks, n_columns=cols)
    if plan.n_blocks > 2000:  # listing a million blocks proves nothing more
        return
    offset = 0
    for i, b in enumerate(plan.blocks):
        assert (b.block_id, b.row_offset, b.seed) == (i, offset, 7)
        assert 1 <= b.n_rows <= plan.block_rows
        offset += b.n_rows
    assert offset == n
    if isinstance(blocks, int) and n >= blocks:
        assert plan.n_blocks <= blocks


def test_block_seed_is_the_spawned_child() -> None:
    children = np.random.SeedSequence(42).spawn(5)
    for i, child in enumerate(children):
        assert np.array_equal(block_seed(42, i).generate_state(4), child.generate_state(4))
    plan = make_plan(1000, 42, 4)
    first = np.random.default_rng(plan.block(2).seed_sequence()).random(3)
    assert np.array_equal(first, np.random.default_rng(children[2]).random(3))


def test_auto_depends_on_size_and_width_only() -> None:
    assert auto_block_rows(500, 10) == 500  # one block
    rows = auto_block_rows(10_000_000, 10)
    assert AUTO_MIN_ROWS <= rows <= AUTO_MAX_ROWS
    assert make_plan(10_000_000, 0, "auto", n_columns=10).n_blocks == 20
    assert auto_block_rows(10_000_000, 1000) == AUTO_MIN_ROWS  # wide tables: smaller blocks
    assert Plan.from_dict(make_plan(123_457, 3, 5).to_dict()) == make_plan(123_457, 3, 5)
    assert make_plan(10_000_000, 0, "auto", n_columns=10).piece_rows == PIECE_CELLS // 10


@given(n=st.integers(0, 5000), piece=st.integers(0, 6000))
def test_pieces_cover_the_block_once(n: int, piece: int) -> None:
    """Pieces tile the block in order; one piece keeps the block's stream, several take its spawned
    children (a plan saved before pieces, piece_rows 0, samples each block in one piece)."""
    block = Block(3, n, 1000, 42, piece)
    pieces = block.pieces()
    assert [p[1] for p in pieces] == list(np.cumsum([1000] + [p[0] for p in pieces[:-1]]))
    assert sum(p[0] for p in pieces) == n
    assert all(p[0] <= piece for p in pieces) or len(pieces) == 1
    if len(pieces) == 1:
        assert pieces[0][2].spawn_key == block.seed_sequence().spawn_key
    else:
        children = block.seed_sequence().spawn(len(pieces))
        for (_, _, stream), child in zip(pieces, children, strict=True):
            assert np.array_equal(stream.generate_state(4), child.generate_state(4))
    old = Plan.from_dict({"n": 10, "block_rows": 5, "seed": 1})
    assert old.piece_rows == 0 and len(old.block(1).pieces()) == 1


@pytest.mark.parametrize(
    ("n", "seed", "blocks"), [(-1, 0, "auto"), (10, -2, "auto"), (10, 0, 0), (10, 0, "many"), (10, 0, 2.5)]
)
def test_bad_plans_say_what_to_fix(n: int, seed: int, blocks: object) -> None:
    with pytest.raises(InvalidParameterError, match="must be"):
        make_plan(n, seed, blocks)  # type: ignore[arg-type]


def test_a_block_outside_the_plan_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="not in a plan of 2 blocks"):
        make_plan(10, 0, 2).block(2)
