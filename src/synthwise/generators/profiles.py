"""Shared profiles: a block of columns whose joint values repeat across rows far more than chance allows.

Real tables often hold facts about a group that every member's row repeats: a postal area's
sociodemographic make-up on each of its customers' rows (``ISLR/Caravan``: 43 decile codes, 1,734
distinct combinations over 5,822 rows, 71 % of the rows in a combination four or more rows share), a
state's or a country's figures on each of its years (panels), a household's on each member's. A model
that draws those columns one by one, each from its own tree, invents combinations no group has; fresh
real rows almost always reuse a known one (Caravan: 85 % of the holdout rows repeat a training
combination, 2 % of cart's synthetic rows did), and a real-vs-synthetic classifier finds that at once
(detection AUC 0.86, 0.90 on the 43 columns alone).

:func:`find_profile` finds the largest such BLOCK by backward elimination: start from every column of
few enough values (groups of :data:`MIN_SHARED` rows on average are possible), and drop, one at a time,
the column whose removal most raises the share of rows whose combination at least :data:`MIN_SHARED`
rows share, until that share reaches :data:`MIN_SHARE`. The block stands only if chance cannot explain
it: with every column shuffled on its own (a fixed seed), the same share must stay below
:data:`MAX_CHANCE_SHARE` (a system of a few dummies repeats its combinations by itself). A generator
then draws the block as ONE variable, the profile: a combination at least :data:`MIN_SHARED` rows share
(never a rarer one, which could single out a row), or "rare", for which it draws the columns one by one
as before. Lookups are plain arrays (:class:`Profile`), stored in model files as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_SHARED = 4  # a profile is a combination at least this many training rows share
MIN_SHARE = 0.5  # the block's profiles cover at least this share of the rows
MAX_CHANCE_SHARE = 0.05  # with each column shuffled apart, the share must fall below this
MIN_COLUMNS = 3  # a block of two columns is a pair: the trees model it
MIN_LIFT = float(np.log(1.1))  # a column joins when rows agreeing on the block agree on it 10 % beyond chance
# the profile is used when the trees reproduce fewer than this share of fresh rows' hits: where they
# reproduce half or more, it cost more than it gave (Ecdat/Car, 0.51: detection AUC 0.52 -> 0.60)
TREES_SHORT = 0.5
CHECK_ROWS = 2000  # rows drawn to check that
SEARCH_ROWS = 4000  # the block is searched on at most this many rows (seeded), then checked on all
MAX_CANDIDATES = 150  # at most this many columns are searched, the most varied (quadratic in columns)


@dataclass(frozen=True)
class Profile:
    """``columns`` drawn together: ``values[i]`` is profile ``i``'s code values (NaN = missing), shared
    by ``counts[i]`` training rows."""

    columns: tuple[str, ...]
    values: np.ndarray  # (profiles, columns)
    counts: np.ndarray  # (profiles,)

    def ids(self, codes: pd.DataFrame) -> np.ndarray:
        """Each row's profile index (as float), NaN where its combination is not a profile."""
        keys = _row_keys(codes[list(self.columns)].to_numpy(dtype=np.float64))
        known = _row_keys(self.values)
        order = np.argsort(known)
        pos = np.clip(np.searchsorted(known[order], keys), 0, max(len(known) - 1, 0))
        hit = known[order][pos] == keys if len(known) else np.zeros(len(keys), dtype=bool)
        return np.where(hit, order[pos].astype(np.float64), np.nan)

    def lift(self, given: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """A profile for each row of ``given`` (code values of the block's columns, NaN = free) that
        agrees with every given value, drawn by the profiles' counts; NaN where no profile agrees or
        nothing is given."""
        g = given[list(self.columns)].to_numpy(dtype=np.float64)
        out = np.full(len(g), np.nan)
        fixed = ~np.isnan(g)
        for row in np.flatnonzero(fixed.any(axis=1)):
            cols = np.flatnonzero(fixed[row])
            match = np.all(_same(self.values[:, cols], g[row, cols]), axis=1)
            if match.any():
                w = self.counts[match].astype(np.float64)
                out[row] = float(np.flatnonzero(match)[rng.choice(int(match.sum()), p=w / w.sum())])
        return out


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal, with missing equal to missing."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _row_keys(values: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of float codes (missing a value of its own), equal rows equal keys."""
    v = np.ascontiguousarray(np.where(np.isnan(values), np.inf, values + 0.0), dtype=np.float64)  # -0 is 0
    with np.errstate(over="ignore"):
        return (_mix(v.view(np.uint64)) * _weights(v.shape[1])).sum(axis=1, dtype=np.uint64)


def _weights(m: int) -> np.ndarray:
    """Odd 64-bit multipliers, one per column, the same in every process: a row's key is the sum of its
    mixed codes times them (two distinct rows share a key with probability ~1e-19)."""
    rng = np.random.default_rng(0x5EED)
    return rng.integers(1, 2**63, size=m, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: nearby codes to unrelated 64-bit values."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _collisions(keys: np.ndarray) -> tuple[float, float]:
    """The share of row pairs with equal keys, and the share of rows whose key at least
    :data:`MIN_SHARED` rows share."""
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    n = len(keys)
    pairs = float(np.sum(counts.astype(np.float64) * (counts - 1))) / max(n * (n - 1), 1)
    return pairs, float((counts[inverse] >= MIN_SHARED).mean())


def find_profile(codes: pd.DataFrame, candidates: Sequence[str]) -> Profile | None:
    """The block of ``candidates`` drawn best as one profile variable, or None (module docstring).
    Deterministic."""
    n = len(codes)
    if n < 4 * MIN_SHARED:
        return None
    pick = (
        np.sort(np.random.default_rng(0x5EED).choice(n, SEARCH_ROWS, replace=False))
        if n > SEARCH_ROWS
        else None
    )
    names: list[str] = []
    labels: list[np.ndarray] = []
    agree: list[float] = []  # each column's chance that two rows agree on it
    distinct: list[int] = []
    for name in candidates:
        lab, uniques = pd.factorize(codes[name], use_na_sentinel=False)
        if 2 <= len(uniques) <= n // MIN_SHARED:
            names.append(name)
            labels.append(lab.astype(np.uint64))
            distinct.append(len(uniques))
    if len(names) > MAX_CANDIDATES:  # the search is quadratic in columns: the most varied ones
        chosen = sorted(np.argsort(-np.asarray(distinct), kind="stable")[:MAX_CANDIDATES])
        names, labels = [names[i] for i in chosen], [labels[i] for i in chosen]
    if len(names) < MIN_COLUMNS:
        return None
    full = _mix(np.column_stack(labels)) * _weights(len(names))
    mixed = full if pick is None else full[pick]
    for j in range(len(names)):
        agree.append(max(_collisions(mixed[:, j])[0], 1e-12))
    block = _grow(mixed, np.log(agree))
    if block is None:
        return None
    with np.errstate(over="ignore"):
        keys = full[:, block].sum(axis=1, dtype=np.uint64)
        shuffle = np.random.default_rng(0x5EED)
        chance = np.column_stack([shuffle.permutation(full[:, j]) for j in block]).sum(
            axis=1, dtype=np.uint64
        )
    if _collisions(keys)[1] < MIN_SHARE or _collisions(chance)[1] >= MAX_CHANCE_SHARE:
        return None
    columns = tuple(names[j] for j in block)
    values = codes[list(columns)].to_numpy(dtype=np.float64)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    keep = counts >= MIN_SHARED
    order = np.argsort(first[keep], kind="stable")  # profiles in order of first appearance
    return Profile(columns, values[first[keep][order]], counts[keep][order])


def _grow(mixed: np.ndarray, log_agree: np.ndarray) -> list[int] | None:
    """Forward selection of the block (column indices of ``mixed``): the pair of columns that agree
    most beyond chance, then each time the column whose agreement with the block so far is most
    beyond chance (``log P(agree on block + c) - log P(agree on block) - log P(agree on c)``, at least
    :data:`MIN_LIFT`), while the block's profiles still cover :data:`MIN_SHARE` of the rows."""
    m = mixed.shape[1]
    with np.errstate(over="ignore"):
        best: tuple[float, int, int] | None = None
        for a in range(m):
            for b in range(a + 1, m):
                pairs, share = _collisions(mixed[:, a] + mixed[:, b])
                lift = float(np.log(max(pairs, 1e-300)) - log_agree[a] - log_agree[b])
                if share >= MIN_SHARE and lift > MIN_LIFT and (best is None or lift > best[0]):
                    best = (lift, a, b)
        if best is None:
            return None
        block = [best[1], best[2]]
        keys = mixed[:, block[0]] + mixed[:, block[1]]
        agree = _collisions(keys)[0]
        while len(block) < m:
            top: tuple[float, int, float] | None = None
            for c in range(m):
                if c in block:
                    continue
                pairs, share = _collisions(keys + mixed[:, c])
                lift = float(np.log(max(pairs, 1e-300)) - np.log(agree) - log_agree[c])
                if share >= MIN_SHARE and lift > MIN_LIFT and (top is None or lift > top[0]):
                    top = (lift, c, pairs)
            if top is None:
                break
            block.append(top[1])
            keys = keys + mixed[:, top[1]]
            agree = top[2]
    return sorted(block) if len(block) >= MIN_COLUMNS else None


def trees_fall_short(
    codes: pd.DataFrame, profile: Profile, draw_block: Callable[[int], pd.DataFrame]
) -> bool:
    """Whether drawing the block's columns one by one (``draw_block(rows)``: codes of the block drawn the
    generator's usual way) reproduces real combinations far less often than fresh real rows would:
    fewer than :data:`TREES_SHORT` times the fresh rows' share. Fresh rows' share is estimated on the
    training rows: a row whose combination at least :data:`MIN_SHARED` OTHER rows share. Where the trees
    come close (``tidyr/who``: 0.48 of draws against 0.54 of fresh rows; country codes and a block of
    missing counts), the profile adds little and costs privacy (its rows sit nearer their training
    rows); where they invent combinations (``ISLR/Caravan``: 0.002 against 0.51; AER/STAR 0.29 against
    0.67), it is needed."""
    fresh = float(profile.counts[profile.counts > MIN_SHARED].sum()) / max(len(codes), 1)
    drawn = draw_block(min(len(codes), CHECK_ROWS))
    hits = float(np.mean(~np.isnan(profile.ids(drawn)))) if len(drawn) else 0.0
    return hits < TREES_SHORT * fresh
