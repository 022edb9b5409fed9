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


def derive_int(seed: Seed, salt: int = 0) -> int:
    """A 32-bit integer seed derived deterministically from ``seed`` (for libraries that take ints)."""
    rng = (
        make_rng(seed)
        if not isinstance(seed, int | type(None))
        else np.random.default_rng(None if seed is None else [seed, salt])
    )
    return int(rng.integers(0, 2**31 - 1))
