"""Blocked brute-force neighbours agree with a plain distance matrix, copies at exactly 0."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from synthwise.neighbours import cross_stats, knn, nearest_both_ways


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


def test_candidate_index_finds_copies_and_near_copies_exactly() -> None:
    """Rows near a reference row (copies, near copies) get their exact neighbours from the candidate
    tree; other rows get neighbours at most a little farther; results are deterministic."""
    from synthwise.neighbours import CandidateIndex

    rng = np.random.default_rng(3)
    latent = rng.normal(size=(4000, 6))
    ref = np.hstack([latent @ rng.normal(size=(6, 30)), 0.05 * rng.normal(size=(4000, 10))])
    near = ref[:300] + 1e-3 * rng.normal(size=(300, ref.shape[1]))
    fresh = np.hstack(
        [rng.normal(size=(300, 6)) @ rng.normal(size=(6, 30)), 0.05 * rng.normal(size=(300, 10))]
    )
    index = CandidateIndex(ref)
    exact_d, _ = knn(near, ref, 5)
    got_d, got_i = index.knn(near, 5)
    np.testing.assert_array_equal(got_i[:, 0], np.arange(300))  # each near copy finds its original
    np.testing.assert_allclose(got_d[:, 0], exact_d[:, 0])
    copies_d, _ = index.knn(ref[:50], 1)
    assert (copies_d == 0).all()
    d_exact, _ = knn(fresh, ref, 5)
    d_tree, i_tree = index.knn(fresh, 5)
    assert (d_tree >= d_exact - 1e-9).all()  # never nearer than the truth: a candidate is a real row
    assert np.mean(np.isclose(d_tree[:, 0], d_exact[:, 0])) > 0.6
    again_d, again_i = CandidateIndex(ref).knn(fresh, 5)
    np.testing.assert_array_equal(again_i, i_tree)
    np.testing.assert_array_equal(again_d, d_tree)
