"""Randomness from one seed: no global seeding anywhere in synthwise."""

from __future__ import annotations

import numpy as np

from synthwise._types import Seed


def make_rng(seed: Seed = None) -> np.random.Generator:
    """A numpy Generator from an int, a SeedSequence, an existing Generator or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def spawn(seed: Seed, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed``."""
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(n))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in ss.spawn(n)]
