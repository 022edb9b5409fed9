"""Small estimators for fitting spec parameters: closed-form MLEs, gamma / beta MLE by Newton's method,
and logistic / Poisson regression by iteratively reweighted least squares (no scikit-learn needed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from synthwise.simulation.expressions import Expr


def gamma_mle(y: np.ndarray) -> tuple[float, float] | None:
    """Shape and scale of a gamma by maximum likelihood (Minka's start, then Newton on the shape)."""
    y = y[y > 0]
    if len(y) < 2:
        return None
    s = float(np.log(y.mean()) - np.log(y).mean())
    if s <= 0:
        return None
    k = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    for _ in range(50):
        step = (np.log(k) - special.digamma(k) - s) / (1 / k - special.polygamma(1, k))
        k = max(k - step, k / 10)
        if abs(step) < 1e-10 * k:
            break
    return float(k), float(y.mean() / k)


def beta_mle(y: np.ndarray) -> tuple[float, float] | None:
    """The two shapes of a beta by maximum likelihood (moments to start, then Newton's method)."""
    y = y[(y > 0) & (y < 1)]
    if len(y) < 2 or y.var() == 0:
        return None
    m, v = y.mean(), y.var()
    common = m * (1 - m) / v - 1
    ab = np.array([max(m * common, 1e-3), max((1 - m) * common, 1e-3)])
    g = np.array([np.log(y).mean(), np.log1p(-y).mean()])
    for _ in range(100):
        a, b = ab
        grad = np.array([special.digamma(a), special.digamma(b)]) - special.digamma(a + b) - g
        t = special.polygamma(1, a + b)
        jac = np.array([[special.polygamma(1, a) - t, -t], [-t, special.polygamma(1, b) - t]])
        step = np.linalg.solve(jac, grad)
        ab = np.maximum(ab - step, ab / 10)
        if np.all(np.abs(step) < 1e-10 * ab):
            break
    return float(ab[0]), float(ab[1])


def irls(x: np.ndarray, y: np.ndarray, link: str) -> np.ndarray | None:
    """Coefficients of a logistic (``logit``) or Poisson (``log``) regression of ``y`` on the columns of
    ``x`` (include a column of ones for an intercept); None when the fit does not converge."""
    if link == "logit" and len(np.unique(y)) < 2:
        return None
    beta = np.zeros(x.shape[1])
    ridge = 1e-9 * np.eye(x.shape[1])
    for _ in range(100):
        eta = np.clip(x @ beta, -30, 30)
        if link == "logit":
            mu = 1 / (1 + np.exp(-eta))
            w = np.maximum(mu * (1 - mu), 1e-10)
        else:
            mu = np.exp(eta)
            w = np.maximum(mu, 1e-10)
        z = eta + (y - mu) / w
        xw = x * w[:, None]
        try:
            new = np.linalg.solve(x.T @ xw + ridge, xw.T @ z)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(new)):
            return None
        done = np.max(np.abs(new - beta)) < 1e-9 * (1 + np.max(np.abs(new)))
        beta = new
        if done:
            return beta
    return beta


def mle(dist: str, y: np.ndarray, args: dict[str, Any]) -> dict[str, float] | None:
    """Maximum-likelihood values of a distribution's constant parameters, or None when not estimable."""
    if dist == "normal":
        return {"mu": float(y.mean()), "sigma": float(y.std())}
    if dist == "lognormal":
        logs = np.log(y[y > 0])
        return {"mu": float(logs.mean()), "sigma": float(logs.std())} if len(logs) > 1 else None
    if dist in ("uniform", "integers"):
        return {"low": float(y.min()), "high": float(y.max())}
    if dist == "exponential":
        return {"scale": float(y.mean())} if y.min() >= 0 else None
    if dist in ("poisson", "bernoulli"):
        return {"lam" if dist == "poisson" else "p": float(y.mean())}
    if dist == "binomial" and isinstance(args["n"], Expr):
        n = float(args["n"].constant())
        return {"p": float(np.clip(y.mean() / n, 0, 1))} if n > 0 else None
    if dist == "gamma":
        fitted = gamma_mle(y)
        return None if fitted is None else {"shape": fitted[0], "scale": fitted[1]}
    if dist == "beta":
        fitted = beta_mle(y)
        return None if fitted is None else {"a": fitted[0], "b": fitted[1]}
    return None
