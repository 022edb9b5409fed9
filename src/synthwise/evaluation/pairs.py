"""Pairs: is every pair of columns related like in the real data.

Two numeric (or datetime) columns score ``1 - |Spearman_real - Spearman_synthetic| / 2``. A pair with a
categorical column scores ``1 - TVD`` of the joint table, numerics cut into bins at the real deciles
(missing a bin of its own) and categoricals kept to their 20 most frequent real levels plus "other".
All on every row (no subsampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS, compared_columns
from synthwise.evaluation.registry import Score, Skip, metric

N_BINS = 10
MAX_LEVELS = 20


def spearman_matrix(x: np.ndarray) -> np.ndarray:
    """Spearman correlations of the columns of ``x``; 0 where undefined (a constant column).

    Each column is ranked once over its non-missing values; a pair with missing values is then the
    Pearson correlation of those ranks over the rows where both are present (the exact Spearman
    correlation when nothing is missing, and very close to the pairwise-complete one otherwise).
    """
    n, p = x.shape
    out = np.eye(p)
    if p == 0 or n == 0:
        return out
    missing = np.isnan(x)
    ranks = np.where(missing, np.nan, rankdata(np.where(missing, np.inf, x), axis=0))
    complete = ~missing.any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.flatnonzero(complete)
        if len(idx) > 1:
            out[np.ix_(idx, idx)] = np.corrcoef(ranks[:, idx], rowvar=False)
        for i, j in combinations(range(p), 2):
            if complete[i] and complete[j]:
                continue
            ok = ~missing[:, i] & ~missing[:, j]
            r = float(np.corrcoef(ranks[ok, i], ranks[ok, j])[0, 1]) if ok.sum() >= 3 else 0.0
            out[i, j] = out[j, i] = r
    return np.nan_to_num(out, nan=0.0)


QUANTILES = np.linspace(0, 1, N_BINS + 1)[1:-1]


@dataclass(frozen=True)
class BinSpec:
    """How one column is cut for the joint tables: at ``edges`` (numeric: the real deciles) or into the
    ``top`` real levels plus "other" (categorical); missing values get a bin of their own."""

    edges: np.ndarray | None
    top: np.ndarray | None

    @property
    def size(self) -> int:
        cuts = self.edges if self.edges is not None else self.top
        return (0 if cuts is None else len(cuts)) + 2


def decile_spec(deciles: np.ndarray) -> BinSpec:
    """``deciles``: the real finite values' quantiles at :data:`QUANTILES` (none when there are none)."""
    return BinSpec(np.unique(deciles), None)


def level_spec(levels: np.ndarray, counts: np.ndarray) -> BinSpec:
    """``levels`` (ascending codes >= 0 present in the real column) and their counts: the
    :data:`MAX_LEVELS` most frequent, ties to the lower code."""
    return BinSpec(None, levels[np.argsort(-counts, kind="stable")[:MAX_LEVELS]])


def real_spec(real: np.ndarray, *, continuous: bool) -> BinSpec:
    """The bins of a column from its real codes (every row in memory)."""
    if continuous:
        finite = real[~np.isnan(real)]
        return decile_spec(np.quantile(finite, QUANTILES) if len(finite) else np.zeros(0))
    codes = np.where(np.isnan(real), -2, real).astype(np.int64)
    levels, counts = np.unique(codes[codes >= 0], return_counts=True)
    return level_spec(levels, counts)


def apply_bins(spec: BinSpec, values: np.ndarray) -> np.ndarray:
    """Each value's bin (``0 .. spec.size - 1``)."""
    if spec.edges is not None:
        out = np.searchsorted(spec.edges, np.nan_to_num(values), side="right")
        out[np.isnan(values)] = len(spec.edges) + 1
        return out
    top = spec.top if spec.top is not None else np.zeros(0, dtype=np.int64)
    lookup = {int(c): i for i, c in enumerate(top)}
    v = np.where(np.isnan(values), -2, values).astype(np.int64)
    return _map_codes(v, lookup, len(top), len(top) + 1)


def _map_codes(v: np.ndarray, lookup: dict[int, int], other: int, missing: int) -> np.ndarray:
    if len(v) == 0:
        return v
    uniq, inverse = np.unique(v, return_inverse=True)
    mapped = np.array([lookup.get(int(c), missing if c == -2 else other) for c in uniq], dtype=np.int64)
    return mapped[inverse.reshape(-1)]


def joint_score(p_counts: np.ndarray, n_p: int, q_counts: np.ndarray, n_q: int) -> float:
    """``1 - TVD`` of two joint tables given as counts over the same cells."""
    p = p_counts / max(1, n_p)
    q = q_counts / max(1, n_q)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def rho_score(rho_real: float, rho_syn: float) -> float:
    return float(1.0 - abs(rho_real - rho_syn) / 2.0)


def _spearman(codes: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return spearman_matrix(codes[columns].to_numpy(dtype=np.float64)) if columns else np.eye(0)


@dataclass
class PairScores:
    columns: list[str]
    scores: dict[tuple[str, str], float]
    rho_real: np.ndarray  # Spearman over the continuous columns
    rho_syn: np.ndarray
    continuous: list[str]


def pair_scores(ctx: Context) -> PairScores:
    """Every pair's score for this context (computed once)."""

    def compute() -> PairScores:
        cols = compared_columns(ctx.schema)
        if len(cols) < 2:
            raise Skip("needs at least two comparable columns")
        real, syn = ctx.real.train.codes, ctx.synthetic.codes
        cont = [c.name for c in cols if c.kind in CONTINUOUS_KINDS]
        # the real side's correlations and bins are the same in every context of an evaluation
        rho_r = ctx.real.memo("pairs:spearman", lambda: _spearman(real, cont))
        specs = ctx.real.memo(
            "pairs:bins",
            lambda: {
                c.name: real_spec(real[c.name].to_numpy(), continuous=c.kind in CONTINUOUS_KINDS)
                for c in cols
            },
        )
        rho_s = _spearman(syn, cont)
        pos = {name: i for i, name in enumerate(cont)}

        def real_binned(name: str) -> np.ndarray:
            return ctx.real.memo(
                f"pairs:binned:{name}", lambda: apply_bins(specs[name], real[name].to_numpy())
            )

        binned = {
            c.name: (
                real_binned(c.name),
                apply_bins(specs[c.name], syn[c.name].to_numpy()),
                specs[c.name].size,
            )
            for c in cols
        }
        scores: dict[tuple[str, str], float] = {}
        for a, b in combinations(cols, 2):
            if a.name in pos and b.name in pos:
                i, j = pos[a.name], pos[b.name]
                scores[(a.name, b.name)] = rho_score(rho_r[i, j], rho_s[i, j])
                continue
            ra, sa, na = binned[a.name]
            rb, sb, nb = binned[b.name]
            scores[(a.name, b.name)] = joint_score(
                np.bincount(ra * nb + rb, minlength=na * nb),
                len(ra),
                np.bincount(sa * nb + sb, minlength=na * nb),
                len(sa),
            )
        return PairScores([c.name for c in cols], scores, rho_r, rho_s, cont)

    return ctx.memo("pairs", compute)


@metric("pairs", "fidelity", "maximize", (0.0, 1.0))
def pairs(ctx: Context) -> Score:
    """Mean over column pairs of 1 - |delta Spearman| / 2 (numeric) or 1 - TVD of the joint table. Ideal 1."""
    ps = pair_scores(ctx)
    return Score(float(np.mean(list(ps.scores.values()))), details={"n_pairs": len(ps.scores)})


@metric("pairs_worst", "fidelity", "maximize", (0.0, 1.0))
def pairs_worst(ctx: Context) -> Score:
    """The lowest pair score. Ideal 1; ``details`` names the pair."""
    ps = pair_scores(ctx)
    (a, b), value = min(ps.scores.items(), key=lambda kv: (kv[1], kv[0]))
    return Score(value, details={"pair": [a, b]})
