"""The memorization guard: checks during training that synthetic rows do not sit closer to the training
rows than to held-out rows, plus a quick fidelity gap for choosing checkpoints.

Both work on a distance space built from codes: continuous columns through their training quantiles to
[0, 1] (robust to heavy tails), discrete columns one-hot scaled by 1/sqrt(2) (two different categories
are 1 apart, like the two ends of a numeric range), and a 0/1 indicator per column with missing values.

**DCR share** (``dcr_share``): for each synthetic row, is its nearest training row nearer than its
nearest held-out row? Both reference sets have the same size, so a generator that learned the
distribution and not the rows scores 0.5 (ideal); 1.0 means every synthetic row is a near copy of a
training row. Ties count one half. Numpy / scikit-learn only: no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


class Featurizer:
    """Codes -> a float matrix for distances (see the module docstring). Fitted on training codes."""

    def __init__(self, codes: pd.DataFrame, continuous: list[str], *, n_quantiles: int = 101) -> None:
        self.columns = [str(c) for c in codes.columns]
        self.quantiles: dict[str, np.ndarray] = {}
        self.slots: dict[str, np.ndarray] = {}
        self.missing: list[str] = []
        for name in self.columns:
            v = codes[name].to_numpy(dtype=np.float64)
            present = v[~np.isnan(v)]
            if np.isnan(v).any():
                self.missing.append(name)
            if name in continuous and len(present):
                self.quantiles[name] = np.quantile(present, np.linspace(0, 1, n_quantiles))
            elif name not in continuous:
                self.slots[name] = np.unique(present)

    def __call__(self, codes: pd.DataFrame) -> np.ndarray:
        parts: list[np.ndarray] = []
        for name in self.columns:
            v = codes[name].to_numpy(dtype=np.float64)
            miss = np.isnan(v)
            if name in self.quantiles:
                q = self.quantiles[name]
                refs = np.linspace(0, 1, len(q))
                x = np.nan_to_num(v)
                u = 0.5 * (np.interp(x, q, refs) - np.interp(-x, -q[::-1], -refs[::-1]))
                parts.append(np.where(miss, 0.0, u)[:, None])
            elif name in self.slots:
                slots = self.slots[name]
                onehot = (v[:, None] == slots[None, :]).astype(np.float64) / np.sqrt(2.0)
                parts.append(onehot)
            if name in self.missing:
                parts.append(miss.astype(np.float64)[:, None])
        return np.hstack(parts) if parts else np.zeros((len(codes), 0))


def dcr_share(train: np.ndarray, holdout: np.ndarray, synthetic: np.ndarray) -> float:
    """Share of synthetic rows nearer to a training row than to a held-out row (ties count 1/2).

    ``train`` and ``holdout`` must have the same number of rows. Ideal 0.5; range [0, 1]; higher
    means memorization.
    """
    if len(train) != len(holdout):
        raise ValueError("dcr_share needs equal-size training and held-out samples")
    if len(synthetic) == 0 or len(train) == 0:
        return 0.5
    from sklearn.neighbors import NearestNeighbors

    d_train = NearestNeighbors(n_neighbors=1).fit(train).kneighbors(synthetic)[0][:, 0]
    d_hold = NearestNeighbors(n_neighbors=1).fit(holdout).kneighbors(synthetic)[0][:, 0]
    tie = np.isclose(d_train, d_hold, rtol=0.0, atol=1e-9)
    return float(np.mean((d_train < d_hold) & ~tie) + 0.5 * np.mean(tie))


def fidelity_gap(real: np.ndarray, synthetic: np.ndarray, *, bins: int = 10) -> float:
    """A quick distance between two feature matrices: mean histogram total variation per feature plus
    the mean absolute difference of the correlation matrices. 0 = same; lower is better."""
    if real.shape[1] == 0 or len(synthetic) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0 + 1e-9, bins + 1)
    tvd = []
    for j in range(real.shape[1]):
        hr = np.histogram(np.clip(real[:, j], 0, 1), edges)[0] / len(real)
        hs = np.histogram(np.clip(synthetic[:, j], 0, 1), edges)[0] / len(synthetic)
        tvd.append(0.5 * np.abs(hr - hs).sum())
    with np.errstate(all="ignore"):
        cr = np.nan_to_num(np.corrcoef(real, rowvar=False))
        cs = np.nan_to_num(np.corrcoef(synthetic, rowvar=False))
    corr = float(np.mean(np.abs(cr - cs))) if real.shape[1] > 1 else 0.0
    return float(np.mean(tvd)) + corr


@dataclass
class MemorizationGuard:
    """Held-out rows and an equal-size sample of training rows, featurized once.

    ``check(synthetic_codes, epoch)`` returns ``(dcr share, passed)`` and records it in ``history``.
    A check fails when the share exceeds ``threshold`` *and* is significantly above 0.5 (two standard
    errors of a share on this many rows), so small held-out sets do not stop training by chance; the
    training loop stops after two failed checks in a row.
    """

    featurizer: Featurizer
    train: np.ndarray
    holdout: np.ndarray
    threshold: float
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        featurizer: Featurizer,
        train_codes: pd.DataFrame,
        holdout_codes: pd.DataFrame,
        threshold: float,
        rng: np.random.Generator,
        *,
        max_rows: int = 2000,
    ) -> MemorizationGuard:
        m = int(min(len(holdout_codes), len(train_codes), max_rows))
        hold = holdout_codes.iloc[np.sort(rng.choice(len(holdout_codes), size=m, replace=False))]
        train = train_codes.iloc[np.sort(rng.choice(len(train_codes), size=m, replace=False))]
        return cls(featurizer, featurizer(train), featurizer(hold), threshold)

    @property
    def n_rows(self) -> int:
        """Rows in each reference set (training sample, held-out sample)."""
        return len(self.holdout)

    @property
    def n_synthetic(self) -> int:
        """Synthetic rows to draw per check: twice the reference size (less noise), at most 4,000."""
        return int(min(2 * self.n_rows, 4000))

    def check(self, synthetic_codes: pd.DataFrame, epoch: int) -> tuple[float, bool]:
        share = dcr_share(self.train, self.holdout, self.featurizer(synthetic_codes))
        margin = 0.5 + 2.0 * 0.5 / np.sqrt(max(self.n_rows, 1))
        passed = not (share > self.threshold and share > margin)
        self.history.append({"epoch": int(epoch), "dcr_share": round(share, 4), "passed": passed})
        return share, passed
