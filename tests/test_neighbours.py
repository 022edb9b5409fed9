"""Blocked brute-force neighbours agree with a plain distance matrix, copies at exactly 0."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from synthwise.neighbours import CellIndex, cross_stats, knn, nearest_both_ways


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    real = rng.standard_normal((700, 12))
    real[50:55] = real[0]  # duplicates
    syn = np.vstack([rng.standard_normal((400, 12)), real[:40]])  # 40 exact copies
    return syn, real


def test_knn_matches_the_distance_matrix() -> None:
    syn, real = _data()
    dist, idx = knn(syn, real, 4)
    d = cdist(syn, real)
    np.testing.assert_allclose(dist, np.sort(d, axis=1)[:, :4], atol=1e-12)
    np.testing.assert_allclose(d[np.arange(len(syn))[:, None], idx], dist, atol=1e-12)
    assert np.all(dist[-40:, 0] == 0.0)


def test_knn_exclude_self_finds_duplicates_at_zero() -> None:
    _, real = _data()
    dist, idx = knn(real, real, 3, exclude_self=True)
    d = cdist(real, real)
    np.fill_diagonal(d, np.inf)
    np.testing.assert_allclose(dist, np.sort(d, axis=1)[:, :3], atol=1e-12)
    assert np.all(idx[:, 0] != np.arange(len(real)))
    assert dist[0, 0] == 0.0


def test_cross_stats_and_both_ways_match_the_distance_matrix() -> None:
    syn, real = _data()
    d = cdist(syn, real)
    r_rad, s_rad = np.full(len(real), 3.5), np.full(len(syn), 3.5)
    cs = cross_stats(syn, real, r_rad, s_rad)
    np.testing.assert_allclose(cs.s_dist, np.sort(d, axis=1)[:, :2], atol=1e-12)
    np.testing.assert_allclose(cs.r_dist, d.min(axis=0), atol=1e-9)
    assert np.mean(cs.s_in_real_balls == (d <= 3.5).sum(axis=1)) > 0.99
    assert np.mean(cs.r_in_syn_ball == (d <= 3.5).any(axis=0)) > 0.99
    a, b = nearest_both_ways(syn, real)
    np.testing.assert_allclose(a, d.min(axis=1), atol=1e-9)
    np.testing.assert_allclose(b, d.min(axis=0), atol=1e-9)


def _clustered(seed: int, n: int, dims: int) -> np.ndarray:
    """Rows near a few directions, like a table's embedding, with duplicates (ties)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 4))
    rows = np.hstack([latent @ rng.normal(size=(4, dims - 3)), 0.05 * rng.normal(size=(n, 3))])
    rows[10:30] = rows[5]  # twenty duplicates of one row
    return rows


def test_cell_index_gives_the_exact_neighbours() -> None:
    """The same neighbours as the distance matrix (ties by index), copies at exactly 0, whatever k (also
    more than a cell holds) and whatever seed the cells were drawn with."""
    ref = _clustered(3, 6000, 30)
    rng = np.random.default_rng(4)
    query = np.vstack(
        [
            ref[:300],  # copies, one of them of the duplicated row
            ref[300:600] + 1e-3 * rng.normal(size=(300, 30)),  # near copies
            _clustered(5, 600, 30),  # fresh rows
            ref[:5] + 100.0,  # far from everything
        ]
    )
    d = cdist(query, ref)
    index = CellIndex(ref)
    assert 20 < len(index.centroids) <= 78
    for k in (1, 6, 40):
        dist, idx = index.knn(query, k)
        truth = np.lexsort((np.broadcast_to(np.arange(len(ref)), d.shape), d), axis=1)[:, :k]
        np.testing.assert_array_equal(idx, truth)
        np.testing.assert_allclose(dist, np.take_along_axis(d, truth, axis=1), rtol=1e-14)
        assert (dist[:300, 0] == 0.0).all()
    np.testing.assert_array_equal(idx[5, :21], [5, *range(10, 30)])  # the duplicates, by index
    again = CellIndex(ref, seed=7).knn(query, 6)
    np.testing.assert_array_equal(again[1], index.knn(query, 6)[1])


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(20, 400),
    dims=st.integers(1, 6),
    levels=st.integers(2, 6),
    k=st.integers(1, 20),
    seed=st.integers(0, 2**16),
)
def test_cell_index_equals_brute_force(rows: int, dims: int, levels: int, k: int, seed: int) -> None:
    """Property: on coarse grids (many ties, duplicates, cells of equal centroids) the answer is the exact
    one, ties by index (brute force's float32 candidates may break a many-way tie otherwise)."""
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, levels, size=(rows, dims)).astype(np.float64)
    query = rng.integers(-1, levels + 1, size=(50, dims)).astype(np.float64)
    k = min(k, rows)
    d = cdist(query, ref)
    want_i = np.lexsort((np.broadcast_to(np.arange(rows), d.shape), d), axis=1)[:, :k]
    got_d, got_i = CellIndex(ref, seed=seed).knn(query, k)
    np.testing.assert_array_equal(got_i, want_i)
    np.testing.assert_array_equal(got_d, np.take_along_axis(d, want_i, axis=1))
