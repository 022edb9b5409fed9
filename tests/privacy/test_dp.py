"""DP mechanisms: calibration formulas, conversions, and empirical privacy on neighbouring inputs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp import (
    cdp_delta,
    cdp_epsilon,
    cdp_rho,
    exponential_mechanism,
    exponential_probabilities,
    gaussian_delta,
    gaussian_mechanism,
    gaussian_rho,
    gaussian_sigma_analytic,
    gaussian_sigma_classic,
    gaussian_sigma_zcdp,
    gaussian_tail_threshold,
    laplace_mechanism,
    laplace_scale,
    rho_of_exponential,
    simple_zcdp_epsilon,
)


# -- calibration formulas ------------------------------------------------------------------------------
@pytest.mark.parametrize(("rho", "sens"), [(0.01, 1.0), (0.5, 2.0), (3.0, 0.5)])
def test_zcdp_sigma_matches_formula(rho: float, sens: float) -> None:
    sigma = gaussian_sigma_zcdp(rho, sens)
    assert sigma == pytest.approx(sens / math.sqrt(2 * rho))
    assert gaussian_rho(sigma, sens) == pytest.approx(rho)


def test_classic_sigma_matches_formula_and_is_looser_than_analytic() -> None:
    eps, delta, sens = 0.5, 1e-5, 3.0
    classic = gaussian_sigma_classic(eps, delta, sens)
    assert classic == pytest.approx(sens * math.sqrt(2 * math.log(1.25 / delta)) / eps)
    assert gaussian_sigma_analytic(eps, delta, sens) < classic


def test_classic_sigma_refuses_epsilon_of_one_or_more() -> None:
    with pytest.raises(InvalidParameterError, match="epsilon"):
        gaussian_sigma_classic(1.0, 1e-5)


@pytest.mark.parametrize(("eps", "delta"), [(0.1, 1e-6), (1.0, 1e-5), (8.0, 1e-9)])
def test_analytic_sigma_is_the_smallest_that_meets_delta(eps: float, delta: float) -> None:
    sigma = gaussian_sigma_analytic(eps, delta, 2.0)
    assert gaussian_delta(sigma, eps, 2.0) <= delta * (1 + 1e-6)
    assert gaussian_delta(sigma * 0.99, eps, 2.0) > delta


def test_analytic_sigma_known_value() -> None:
    # Balle & Wang (2018): epsilon = 1, delta = 1e-5, sensitivity 1 needs sigma of about 3.73.
    assert gaussian_sigma_analytic(1.0, 1e-5) == pytest.approx(3.73, abs=0.01)


def test_laplace_scale_matches_formula() -> None:
    assert laplace_scale(0.5, 2.0) == pytest.approx(4.0)


def test_noise_has_the_calibrated_spread() -> None:
    rng = np.random.default_rng(0)
    g = gaussian_mechanism(np.zeros(40_000), sigma=3.0, rng=rng)
    lap = laplace_mechanism(np.zeros(40_000), scale=2.0, rng=rng)
    assert np.std(g) == pytest.approx(3.0, rel=0.03)
    assert np.std(lap) == pytest.approx(2.0 * math.sqrt(2.0), rel=0.03)
    assert abs(np.mean(g)) < 0.1


# -- zCDP conversions ----------------------------------------------------------------------------------
def test_cdp_rho_known_value_from_mst() -> None:
    # McKenna et al.'s MST budget at epsilon = 1, delta = 1e-9 is rho of about 0.0150.
    assert cdp_rho(1.0, 1e-9) == pytest.approx(0.01497, rel=1e-3)


@settings(max_examples=40, deadline=None)
@given(rho=st.floats(1e-3, 20.0), log_delta=st.floats(-12.0, -4.0))
def test_conversions_are_inverse_and_tighter_than_the_simple_bound(rho: float, log_delta: float) -> None:
    delta = 10.0**log_delta
    eps = cdp_epsilon(rho, delta)
    assert eps <= simple_zcdp_epsilon(rho, delta) + 1e-9
    assert cdp_delta(rho, eps) <= delta * (1 + 1e-6)
    assert cdp_rho(eps, delta) == pytest.approx(rho, rel=1e-6)


def test_cdp_delta_falls_as_epsilon_grows() -> None:
    deltas = [cdp_delta(0.1, e) for e in (0.5, 1.0, 2.0, 4.0)]
    assert all(a > b for a, b in itertools.pairwise(deltas))
    assert cdp_delta(0.0, 1.0) == 0.0


def test_bad_budgets_raise() -> None:
    with pytest.raises(InvalidParameterError):
        cdp_rho(0.0, 1e-9)
    with pytest.raises(InvalidParameterError):
        cdp_rho(1.0, 1.5)
    with pytest.raises(InvalidParameterError):
        gaussian_sigma_zcdp(-1.0)


# -- empirical privacy on neighbouring datasets --------------------------------------------------------
def _histograms(a: np.ndarray, b: np.ndarray, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    edges = np.quantile(np.r_[a, b], np.linspace(0, 1, bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    pa = np.histogram(a, edges)[0] / len(a)
    pb = np.histogram(b, edges)[0] / len(b)
    return pa, pb


def test_laplace_counts_of_neighbours_stay_within_e_to_the_epsilon() -> None:
    eps, runs = 1.0, 60_000
    rng = np.random.default_rng(1)
    scale = laplace_scale(eps, 1.0)
    out_d = laplace_mechanism(np.full(runs, 10.0), scale=scale, rng=rng)  # count on D
    out_n = laplace_mechanism(np.full(runs, 11.0), scale=scale, rng=rng)  # count on D + one row
    pa, pb = _histograms(out_d, out_n)
    ok = (pa > 0.01) & (pb > 0.01)  # bins with enough mass to estimate a ratio
    ratio = np.maximum(pa[ok] / pb[ok], pb[ok] / pa[ok])
    assert ratio.max() <= math.exp(eps) * 1.12
    assert ratio.max() > 1.5  # the check has power: the two outputs do differ


def test_gaussian_neighbours_meet_epsilon_delta() -> None:
    eps, delta, runs = 1.0, 0.02, 80_000
    sigma = gaussian_sigma_analytic(eps, delta)
    rng = np.random.default_rng(2)
    a = gaussian_mechanism(np.zeros(runs), sigma=sigma, rng=rng)
    b = gaussian_mechanism(np.ones(runs), sigma=sigma, rng=rng)
    pa, pb = _histograms(a, b, bins=60)
    # The privacy loss over the worst set: sum of positive parts of P(S) - e^eps P'(S) must be <= delta.
    excess = max(
        np.clip(pa - math.exp(eps) * pb, 0, None).sum(), np.clip(pb - math.exp(eps) * pa, 0, None).sum()
    )
    assert excess <= delta + 0.01
    # and with a quarter of the noise it would not be private at this epsilon / delta
    a2 = gaussian_mechanism(np.zeros(runs), sigma=sigma / 4, rng=rng)
    b2 = gaussian_mechanism(np.ones(runs), sigma=sigma / 4, rng=rng)
    qa, qb = _histograms(a2, b2, bins=60)
    assert np.clip(qa - math.exp(eps) * qb, 0, None).sum() > delta + 0.05


def test_sparse_histogram_threshold_bounds_a_new_key() -> None:
    sigma, delta = 5.0, 1e-3
    tau = gaussian_tail_threshold(sigma, delta)
    # a key held by one row only passes with probability at most delta
    assert norm.sf(tau, loc=1.0, scale=sigma) == pytest.approx(delta, rel=1e-6)


def test_exponential_mechanism_frequencies_match_probabilities() -> None:
    q = np.array([0.0, 1.0, 3.0, 2.5])
    p = exponential_probabilities(q, epsilon=1.0)
    rng = np.random.default_rng(3)
    picks = np.bincount([exponential_mechanism(q, epsilon=1.0, rng=rng) for _ in range(20_000)], minlength=4)
    assert np.allclose(picks / picks.sum(), p, atol=0.015)


@settings(max_examples=30, deadline=None)
@given(
    q=st.lists(st.floats(-20, 20), min_size=2, max_size=8),
    shift=st.lists(st.floats(-1, 1), min_size=8, max_size=8),
    eps=st.floats(0.05, 5.0),
)
def test_exponential_mechanism_neighbours_stay_within_e_to_the_epsilon(
    q: list[float], shift: list[float], eps: float
) -> None:
    a = np.array(q)
    b = a + np.array(shift[: len(a)])  # a neighbouring dataset moves each quality by at most 1
    pa = exponential_probabilities(a, epsilon=eps)
    pb = exponential_probabilities(b, epsilon=eps)
    assert np.all(pa <= math.exp(eps) * pb * (1 + 1e-9))


def test_exponential_mechanism_costs_an_eighth_of_epsilon_squared() -> None:
    assert rho_of_exponential(2.0) == pytest.approx(0.5)
