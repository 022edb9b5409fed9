"""Differential-privacy mechanisms and the conversions between privacy notions.

Three mechanisms, each a plain function of the values and a numpy generator:

* :func:`gaussian_mechanism`: adds N(0, sigma^2) noise. Calibrate ``sigma`` with
  :func:`gaussian_sigma_zcdp` (rho-zCDP: ``sigma = sensitivity / sqrt(2 rho)``, what MST uses),
  :func:`gaussian_sigma_analytic` (the exact (epsilon, delta) calibration of Balle & Wang 2018, valid for
  any epsilon) or :func:`gaussian_sigma_classic` (Dwork & Roth 2014, Thm A.1, only for epsilon < 1 and
  looser than the analytic one).
* :func:`laplace_mechanism`: adds Laplace(b) noise; ``b = sensitivity / epsilon`` gives epsilon-DP.
* :func:`exponential_mechanism`: picks index ``i`` with probability proportional to
  ``exp(epsilon * quality_i / (2 * sensitivity))``; epsilon-DP and (epsilon^2 / 8)-zCDP (Cesar & Rogers
  2021), which is how MST accounts for it.

Conversions between zero-concentrated DP and (epsilon, delta)-DP follow Canonne, Kamath & Steinke (2020),
the tight bound McKenna et al. use for MST: rho-zCDP implies (epsilon, delta)-DP with
``delta = min over a > 1 of exp((a - 1)(a rho - epsilon) + a log(1 - 1/a)) / (a - 1)``
(:func:`cdp_delta`); :func:`cdp_epsilon` and :func:`cdp_rho` invert it by bisection.

Neighbouring datasets differ by adding or removing one row (so a count has sensitivity 1, and so has a
histogram in L1 and L2).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import log_ndtr, ndtri

from synthwise.errors import InvalidParameterError

_BISECT_STEPS = 200
_REL_TOL = 1e-13


# -- conversions ---------------------------------------------------------------------------------------
def _check_positive(name: str, value: float, owner: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise InvalidParameterError.expected(name, owner, "a finite number > 0", value)
    return float(value)


def _check_delta(delta: float, owner: str) -> float:
    if not isinstance(delta, int | float) or not 0 < delta < 1:
        raise InvalidParameterError.expected("delta", owner, "a number in (0, 1)", delta)
    return float(delta)


def cdp_delta(rho: float, epsilon: float) -> float:
    """The smallest delta such that rho-zCDP implies (epsilon, delta)-DP (Canonne, Kamath, Steinke 2020).

    Ranges: 0 <= delta <= 1; it falls as epsilon grows and rises with rho. ``rho == 0`` gives 0.
    """
    if rho < 0 or epsilon < 0:
        raise InvalidParameterError("cdp_delta needs rho >= 0 and epsilon >= 0.")
    if rho == 0:
        return 0.0
    # log delta(a) = (a - 1)(a rho - eps) + a log(1 - 1/a) - log(a - 1) is convex in a > 1; its
    # derivative is (2a - 1) rho - eps + log(1 - 1/a), increasing in a: bisect for its root.
    lo, hi = 1.0 + 1e-9, max(2.0, (epsilon + 1.0) / (2.0 * rho) + 2.0)
    for _ in range(_BISECT_STEPS):
        if hi - lo <= _REL_TOL * hi:
            break
        a = 0.5 * (lo + hi)
        if (2.0 * a - 1.0) * rho - epsilon + math.log1p(-1.0 / a) < 0:
            lo = a
        else:
            hi = a
    a = 0.5 * (lo + hi)
    log_delta = (a - 1.0) * (a * rho - epsilon) + a * math.log1p(-1.0 / a) - math.log(a - 1.0)
    return float(min(1.0, math.exp(min(log_delta, 0.0))))


def cdp_epsilon(rho: float, delta: float) -> float:
    """The smallest epsilon such that rho-zCDP implies (epsilon, delta)-DP. 0 when ``rho == 0``."""
    return _cdp_epsilon(float(rho), float(delta))


@lru_cache(maxsize=1024)
def _cdp_epsilon(rho: float, delta: float) -> float:
    delta = _check_delta(delta, "cdp_epsilon")
    if rho < 0:
        raise InvalidParameterError.expected("rho", "cdp_epsilon", "a number >= 0", rho)
    if rho == 0:
        return 0.0
    lo, hi = 0.0, rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta)) + 1.0  # the simple bound is above
    for _ in range(_BISECT_STEPS):
        if hi - lo <= _REL_TOL * hi:
            break
        mid = 0.5 * (lo + hi)
        if cdp_delta(rho, mid) <= delta:
            hi = mid
        else:
            lo = mid
    return hi


def cdp_rho(epsilon: float, delta: float) -> float:
    """The largest rho such that rho-zCDP implies (epsilon, delta)-DP: the zCDP budget of a run."""
    return _cdp_rho(epsilon, delta)


@lru_cache(maxsize=1024)
def _cdp_rho(epsilon: float, delta: float) -> float:
    epsilon = _check_positive("epsilon", epsilon, "cdp_rho")
    delta = _check_delta(delta, "cdp_rho")
    lo, hi = 0.0, epsilon + 1.0
    for _ in range(_BISECT_STEPS):
        if hi - lo <= _REL_TOL * hi:
            break
        mid = 0.5 * (lo + hi)
        if cdp_delta(mid, epsilon) <= delta:
            lo = mid
        else:
            hi = mid
    return lo


def simple_zcdp_epsilon(rho: float, delta: float) -> float:
    """The classic (looser) conversion of Bun & Steinke 2016: ``rho + 2 sqrt(rho log(1 / delta))``."""
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def rho_of_exponential(epsilon: float) -> float:
    """The exponential mechanism with parameter epsilon is (epsilon^2 / 8)-zCDP (Cesar & Rogers 2021)."""
    return epsilon * epsilon / 8.0


def epsilon_of_exponential_rho(rho: float) -> float:
    """The exponential-mechanism epsilon that costs exactly ``rho`` of zCDP budget: ``sqrt(8 rho)``."""
    return math.sqrt(8.0 * rho)


# -- Gaussian calibration ------------------------------------------------------------------------------
def gaussian_sigma_zcdp(rho: float, sensitivity: float = 1.0) -> float:
    """Noise scale of the Gaussian mechanism for rho-zCDP: ``sensitivity / sqrt(2 rho)`` (L2 sensitivity)."""
    rho = _check_positive("rho", rho, "gaussian_sigma_zcdp")
    return float(sensitivity) / math.sqrt(2.0 * rho)


def gaussian_rho(sigma: float, sensitivity: float = 1.0) -> float:
    """The zCDP cost of Gaussian noise ``sigma`` on a query of L2 ``sensitivity``: ``s^2 / (2 sigma^2)``."""
    return float(sensitivity) ** 2 / (2.0 * float(sigma) ** 2)


def gaussian_sigma_classic(epsilon: float, delta: float, sensitivity: float = 1.0) -> float:
    """Classic calibration (Dwork & Roth 2014, Thm A.1): ``s sqrt(2 ln(1.25 / delta)) / epsilon``.

    Valid only for epsilon < 1; prefer :func:`gaussian_sigma_analytic`, which is exact and smaller.
    """
    epsilon = _check_positive("epsilon", epsilon, "gaussian_sigma_classic")
    delta = _check_delta(delta, "gaussian_sigma_classic")
    if epsilon >= 1:
        raise InvalidParameterError.expected(
            "epsilon", "gaussian_sigma_classic", "< 1 (use gaussian_sigma_analytic for larger)", epsilon
        )
    return float(sensitivity) * math.sqrt(2.0 * math.log(1.25 / delta)) / epsilon


def gaussian_delta(sigma: float, epsilon: float, sensitivity: float = 1.0) -> float:
    """The exact delta of Gaussian noise ``sigma`` at ``epsilon`` (Balle & Wang 2018, Thm 8):
    ``Phi(s / 2sigma - eps sigma / s) - e^eps Phi(-s / 2sigma - eps sigma / s)``."""
    a = sensitivity / (2.0 * sigma)
    b = epsilon * sigma / sensitivity
    first = math.exp(float(log_ndtr(a - b)))
    second = math.exp(epsilon + float(log_ndtr(-a - b)))
    return max(0.0, first - second)


def gaussian_sigma_analytic(epsilon: float, delta: float, sensitivity: float = 1.0) -> float:
    """The smallest sigma for which the Gaussian mechanism is (epsilon, delta)-DP (analytic calibration,
    Balle & Wang 2018), by bisection on :func:`gaussian_delta` (which falls as sigma grows)."""
    epsilon = _check_positive("epsilon", epsilon, "gaussian_sigma_analytic")
    delta = _check_delta(delta, "gaussian_sigma_analytic")
    s = _check_positive("sensitivity", sensitivity, "gaussian_sigma_analytic")
    lo, hi = 1e-12 * s, s
    while gaussian_delta(hi, epsilon, s) > delta:
        hi *= 2.0
    for _ in range(_BISECT_STEPS):
        if hi - lo <= _REL_TOL * hi:
            break
        mid = 0.5 * (lo + hi)
        if gaussian_delta(mid, epsilon, s) > delta:
            lo = mid
        else:
            hi = mid
    return hi


def gaussian_tail_threshold(sigma: float, delta: float) -> float:
    """The count above which a key seen once passes with probability at most ``delta``: ``1 + sigma z``.

    Used by the sparse (thresholded) Gaussian histogram that discovers a private categorical domain.
    """
    return 1.0 + sigma * float(ndtri(1.0 - delta))


# -- mechanisms ----------------------------------------------------------------------------------------
def gaussian_mechanism(values: np.ndarray, *, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``values + N(0, sigma^2)`` element-wise (a new float array)."""
    v = np.asarray(values, dtype=np.float64)
    return v + rng.normal(0.0, float(sigma), size=v.shape)


def laplace_scale(epsilon: float, sensitivity: float = 1.0) -> float:
    """Laplace scale for epsilon-DP on a query of L1 ``sensitivity``: ``sensitivity / epsilon``."""
    epsilon = _check_positive("epsilon", epsilon, "laplace_scale")
    return float(sensitivity) / epsilon


def laplace_mechanism(values: np.ndarray, *, scale: float, rng: np.random.Generator) -> np.ndarray:
    """``values + Laplace(0, scale)`` element-wise (a new float array)."""
    v = np.asarray(values, dtype=np.float64)
    return v + rng.laplace(0.0, float(scale), size=v.shape)


def exponential_probabilities(
    qualities: np.ndarray, *, epsilon: float, sensitivity: float = 1.0
) -> np.ndarray:
    """Selection probabilities of the exponential mechanism: ``softmax(epsilon q / (2 sensitivity))``."""
    q = np.asarray(qualities, dtype=np.float64)
    if q.ndim != 1 or len(q) == 0:
        raise InvalidParameterError("exponential_mechanism needs a non-empty 1-d array of qualities.")
    logits = (epsilon / (2.0 * sensitivity)) * (q - q.max())
    p = np.exp(logits)
    return p / p.sum()


def exponential_mechanism(
    qualities: np.ndarray, *, epsilon: float, sensitivity: float = 1.0, rng: np.random.Generator
) -> int:
    """The index chosen by the exponential mechanism (epsilon-DP; higher quality is likelier).

    Implemented with the Gumbel-max trick: ``argmax(epsilon q / (2 s) + Gumbel noise)``.
    """
    _check_positive("epsilon", epsilon, "exponential_mechanism")
    q = np.asarray(qualities, dtype=np.float64)
    if q.ndim != 1 or len(q) == 0:
        raise InvalidParameterError("exponential_mechanism needs a non-empty 1-d array of qualities.")
    scores = (epsilon / (2.0 * sensitivity)) * q + rng.gumbel(size=len(q))
    return int(np.argmax(scores))
