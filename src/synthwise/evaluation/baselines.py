"""Two trivial baselines, built from the real train on the fly, that every evaluation scores too.

* ``independent``: every column resampled on its own from the train: perfect marginals, no relations.
* ``perturbed_copy``: train rows copied, with 10% of the values replaced by values of other train rows:
  nearly perfect on every fidelity metric, and no privacy.

A metric on which a baseline does as well as the synthetic data is flagged ``saturated``: it cannot tell
the synthetic data from a trivial trick (marginals are won by independent resampling; only the
holdout-relative metrics catch a perturbed copy). Each is as large as the synthetic table, at most
200,000 rows (:func:`baseline_rows`). Independent resampling is a trick only for what it
fakes, so it counts for the fidelity, diversity, utility, bias and validity groups; it is genuinely
private, so it does not make the privacy and memorization metrics saturated (its values are still
reported there). The perturbed copy counts everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.evaluation.context import RealSide, Table
from synthwise.evaluation.result import GROUPS
from synthwise.transforms.special import owner_name

PERTURBED_SHARE = 0.1
MAX_ROWS = 200_000  # a baseline is as large as the synthetic table, up to this many rows


def baseline_rows(n_synthetic: int) -> int:
    """The rows of each baseline: the synthetic table's, at most :data:`MAX_ROWS`. The baselines only
    flag metrics a trick wins; their every-row metrics (marginals, pairs) are within about 0.002 of
    their limit at 200,000 rows, and a 1M-row evaluation spent 40 % of its time scoring two 1M-row
    baselines."""
    return min(n_synthetic, MAX_ROWS)


def _from_sources(real: RealSide, sources: dict[str, np.ndarray], name: str) -> Table:
    """A table whose column ``c`` takes the train's rows ``sources[c]`` (a side channel those of its
    column, so a number and its special code stay together)."""
    train = real.train
    frame = pd.DataFrame(
        {c: train.frame[c].iloc[sources[c]].reset_index(drop=True) for c in train.frame.columns}
    )
    codes = pd.DataFrame(
        {c: train.codes[c].to_numpy()[sources[owner_name(c)]] for c in train.codes.columns},
        index=pd.RangeIndex(len(frame)),
    )
    return real.derived(frame, codes, name)


def independent(real: RealSide, n: int, rng: np.random.Generator) -> Table:
    """``n`` rows, each column drawn independently (with replacement) from the train's column."""
    size = len(real.train)
    sources = {c: rng.integers(0, size, size=n) for c in real.train.frame.columns}
    return _from_sources(real, sources, "independent")


def perturbed_copy(
    real: RealSide, n: int, rng: np.random.Generator, *, share: float = PERTURBED_SHARE
) -> Table:
    """``n`` train rows (without replacement while possible), ``share`` of their values replaced."""
    size = len(real.train)
    rows = rng.permutation(size)[:n] if n <= size else rng.integers(0, size, size=n)
    sources = {}
    for c in real.train.frame.columns:
        src = rows.copy()
        hit = rng.random(n) < share
        src[hit] = rng.integers(0, size, size=int(hit.sum()))
        sources[c] = src
    return _from_sources(real, sources, "perturbed_copy")


BASELINES = {"independent": independent, "perturbed_copy": perturbed_copy}
SATURATES = {  # the groups on which each baseline is a trick, not a legitimately good answer
    "independent": frozenset({"fidelity", "diversity", "utility", "bias", "validity"}),
    "perturbed_copy": frozenset(GROUPS),
}
