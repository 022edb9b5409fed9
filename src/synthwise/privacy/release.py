"""The only door through which a DP generator sees private statistics: spend first, then release noise.

A :class:`Releaser` binds a :class:`~synthwise.privacy.ledger.BudgetLedger` to a numpy generator. Each
method records its cost in the ledger *before* computing anything noisy, and returns only the noisy
(privatized) answer, so a generator that reads private data only through a releaser cannot forget to
spend. Tests replace these methods to record or replay releases (see ``tests/generators/test_mst.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthwise.privacy.dp import (
    epsilon_of_exponential_rho,
    exponential_mechanism,
    gaussian_mechanism,
    gaussian_sigma_zcdp,
    gaussian_tail_threshold,
)
from synthwise.privacy.ledger import BudgetLedger


class Releaser:
    """Noisy answers to private queries, each paid for in ``ledger`` (zCDP accounting)."""

    def __init__(self, ledger: BudgetLedger, rng: np.random.Generator) -> None:
        self.ledger = ledger
        self.rng = rng

    def gaussian(
        self, step: str, values: np.ndarray, *, rho: float, sensitivity: float = 1.0, **details: Any
    ) -> np.ndarray:
        """``values`` (a query of L2 ``sensitivity``) plus Gaussian noise calibrated to ``rho``-zCDP."""
        sigma = gaussian_sigma_zcdp(rho, sensitivity)
        self.ledger.spend(
            step, rho=rho, mechanism="gaussian", sigma=sigma, sensitivity=sensitivity, **details
        )
        return gaussian_mechanism(np.asarray(values, dtype=np.float64), sigma=sigma, rng=self.rng)

    def sparse_histogram(
        self,
        step: str,
        keys: list[Any],
        counts: np.ndarray,
        *,
        rho: float,
        delta: float,
        per_row: int = 1,
        **details: Any,
    ) -> tuple[list[Any], np.ndarray]:
        """Noisy counts of the observed ``keys``, keeping those above a threshold; one row adds 1 to at
        most ``per_row`` distinct keys (the caller bounds it).

        The counts have L2 sensitivity ``sqrt(per_row)``, so the Gaussian noise is calibrated to that
        for rho-zCDP on the keys both neighbouring datasets hold. A key only the added row holds has
        true count 1; each of its at most ``per_row`` such keys passes the threshold
        ``1 + sigma z(1 - delta / per_row)`` with probability at most ``delta / per_row``, so all of
        them together with at most ``delta`` (recorded as the approximate-DP part of the entry).
        Returns the kept keys (in the order given) and their noisy counts.
        """
        if int(per_row) < 1:
            raise ValueError(f"per_row must be >= 1, got {per_row}")
        sigma = gaussian_sigma_zcdp(rho, float(np.sqrt(int(per_row))))
        threshold = gaussian_tail_threshold(sigma, delta / int(per_row))
        self.ledger.spend(
            step,
            rho=rho,
            delta=delta,
            mechanism="gaussian sparse histogram",
            sigma=sigma,
            threshold=threshold,
            **({"per_row": int(per_row)} if per_row != 1 else {}),
            **details,
        )
        noisy = gaussian_mechanism(np.asarray(counts, dtype=np.float64), sigma=sigma, rng=self.rng)
        keep = noisy >= threshold
        return [k for k, m in zip(keys, keep, strict=True) if m], noisy[keep]

    def exponential(
        self, step: str, qualities: np.ndarray, *, rho: float, sensitivity: float = 1.0, **details: Any
    ) -> int:
        """The index picked by the exponential mechanism at the epsilon that costs ``rho`` (sqrt(8 rho))."""
        epsilon = epsilon_of_exponential_rho(rho)
        self.ledger.spend(
            step, rho=rho, mechanism="exponential", em_epsilon=epsilon, sensitivity=sensitivity, **details
        )
        return exponential_mechanism(qualities, epsilon=epsilon, sensitivity=sensitivity, rng=self.rng)
