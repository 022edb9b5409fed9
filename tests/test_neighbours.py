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
