"""Sequence statistics for evaluation: per-entity views, within-entity autocorrelations, cross-
correlations, gaps and per-entity summary features (numpy and pandas only).

A :class:`SeqView` is one long table seen through the real table's :class:`Layout`: rows sorted by
entity and index, the codes of the time-varying columns, lengths, gaps and the static codes. All
statistics are computed *within* entities (values minus their entity's mean), so that differences
between entities do not pass for dependence over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthwise.generators.sequential.layout import Layout
from synthwise.schema import Schema
from synthwise.transforms import DISCRETE_KINDS, TableTransformer, encode_column, is_encoded

MAX_SHARES = 8  # categories per discrete column summarized as shares


@dataclass
class SeqView:
    """A long table prepared for sequence statistics (see the module docstring)."""

    lengths: np.ndarray  # (n_entities,)
    owner: np.ndarray  # (n_rows,) entity of each sorted row
    position: np.ndarray  # (n_rows,)
    wide: np.ndarray  # (n_rows, n_wide) codes of numeric / datetime step columns (NaN = missing)
    wide_names: list[str]
    discrete: np.ndarray  # (n_rows, n_discrete) codes of discrete step columns
    discrete_names: list[str]
    gaps: np.ndarray  # (n_rows,) NaN at first steps or without an index
    static: np.ndarray  # (n_entities, n_static) static codes


def seq_view(frame: pd.DataFrame, schema: Schema, layout: Layout) -> SeqView:
    """``frame`` (any row order) sorted by entity then index, encoded under ``schema``."""
    n = len(frame)
    keys = (
        np.asarray(pd.factorize(frame[layout.entity])[0], dtype=np.int64)
        if layout.entity is not None
        else np.zeros(n, dtype=np.int64)
    )
    index = (
        encode_column(frame[layout.index], schema[layout.index], unseen="nan")
        if layout.index is not None
        else np.arange(n, dtype=np.float64)
    )
    order = np.lexsort((np.arange(n), np.nan_to_num(index, nan=np.inf), keys))
    keys, index = keys[order], index[order]
    # factorize again so that entities are numbered in sorted order
    _, owner = np.unique(keys, return_inverse=True)
    owner = owner.reshape(-1).astype(np.int64)
    lengths = np.bincount(owner).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    position = np.arange(n) - np.repeat(starts, lengths)
    sorted_frame = frame.iloc[order].reset_index(drop=True)

    coded = TableTransformer(schema)  # one encoding; a special-value column's side channel is a column too
    kinds = {c.name: c.kind for c in coded.encoded}
    wide_names = [c for c in layout.steps if kinds[c] in ("numeric", "datetime", "time")]
    discrete_names = [c for c in layout.steps if kinds[c] in DISCRETE_KINDS]
    all_codes = coded.to_codes(sorted_frame, unseen="nan")

    def codes(names: list[str]) -> np.ndarray:
        return all_codes[names].to_numpy(dtype=np.float64) if names else np.zeros((n, 0))

    gaps = np.full(n, np.nan)
    if layout.index is not None and n > 1:
        same = owner[1:] == owner[:-1]
        gaps[1:] = np.where(same, np.diff(index), np.nan)
    static_names = [c for c in layout.static if is_encoded(schema[c])]
    static = codes(static_names)[starts] if n else np.zeros((0, len(static_names)))
    return SeqView(
        lengths,
        owner,
        position,
        codes(wide_names),
        wide_names,
        codes(discrete_names),
        discrete_names,
        gaps,
        static,
    )


def demeaned(view: SeqView, values: np.ndarray) -> np.ndarray:
    """Each column minus its entity's mean (NaN stays NaN)."""
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        s = pd.Series(values[:, j])
        out[:, j] = (s - s.groupby(view.owner).transform("mean")).to_numpy(dtype=np.float64)
    return out


def _pairs(view: SeqView, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (i, i + lag) of the same entity."""
    n = len(view.owner)
    if lag >= n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a = np.arange(n - lag)
    ok = view.owner[a] == view.owner[a + lag]
    return a[ok], a[ok] + lag


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.sum() < 3:
        return np.nan
    x, y = x[ok], y[ok]
    sx, sy = x.std(), y.std()
    if sx <= 0 or sy <= 0:
        return 0.0
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))


def autocorrelations(view: SeqView, max_lag: int) -> np.ndarray:
    """(n_wide, max_lag): within-entity lag-k autocorrelation of each wide column (NaN: too few pairs)."""
    z = demeaned(view, view.wide)
    out = np.full((z.shape[1], max_lag), np.nan)
    for k in range(1, max_lag + 1):
        a, b = _pairs(view, k)
        for j in range(z.shape[1]):
            out[j, k - 1] = _corr(z[a, j], z[b, j])
    return out


def cross_correlations(view: SeqView) -> np.ndarray:
    """Within-entity correlations of every pair of wide columns at lag 0 (upper triangle) and lag 1
    (every ordered pair), flattened; NaN where too few pairs."""
    z = demeaned(view, view.wide)
    m = z.shape[1]
    out = [_corr(z[:, i], z[:, j]) for i in range(m) for j in range(i + 1, m)]
    a, b = _pairs(view, 1)
    out += [_corr(z[a, i], z[b, j]) for i in range(m) for j in range(m) if i != j]
    return np.asarray(out, dtype=np.float64)


def entity_summaries(view: SeqView, discrete_levels: list[np.ndarray]) -> np.ndarray:
    """One row of summary features per entity: length, static codes, and per wide column the mean,
    standard deviation, first, last, min, max, mean step change and missing share; per discrete column
    the share of each of its (at most ``MAX_SHARES``) most common real levels; gap mean and spread."""
    n_e = len(view.lengths)
    parts: list[np.ndarray] = [view.lengths[:, None].astype(np.float64), view.static]
    starts = np.concatenate([[0], np.cumsum(view.lengths)[:-1]]).astype(np.int64)
    ends = starts + view.lengths - 1
    a, b = _pairs(view, 1)
    for j in range(view.wide.shape[1]):
        s = pd.Series(view.wide[:, j])
        g = s.groupby(view.owner)
        step = pd.Series(np.full(len(s), np.nan))
        step.iloc[b] = np.abs(view.wide[b, j] - view.wide[a, j])
        stats = [
            g.mean(),
            g.std(ddof=0),
            g.min(),
            g.max(),
            step.groupby(view.owner).mean(),
            s.isna().groupby(view.owner).mean(),
        ]
        parts.append(np.column_stack([x.reindex(range(n_e)).to_numpy(dtype=np.float64) for x in stats]))
        parts.append(view.wide[starts, j][:, None])
        parts.append(view.wide[ends, j][:, None])
    for j, levels in enumerate(discrete_levels):
        v = view.discrete[:, j]
        for level in levels:
            share = pd.Series(v == level).groupby(view.owner).mean()
            parts.append(share.reindex(range(n_e)).to_numpy(dtype=np.float64)[:, None])
    if not np.isnan(view.gaps).all():
        g = pd.Series(view.gaps).groupby(view.owner)
        parts.append(g.mean().reindex(range(n_e)).to_numpy(dtype=np.float64)[:, None])
        parts.append(g.std(ddof=0).reindex(range(n_e)).to_numpy(dtype=np.float64)[:, None])
    return np.hstack(parts) if parts else np.zeros((n_e, 0))


def common_levels(view: SeqView) -> list[np.ndarray]:
    """The most common levels of each discrete column (from the real view), for entity summaries."""
    out = []
    for j in range(view.discrete.shape[1]):
        v = view.discrete[:, j]
        values, counts = np.unique(v[~np.isnan(v)], return_counts=True)
        out.append(values[np.argsort(-counts, kind="stable")[:MAX_SHARES]])
    return out


class Scaler:
    """Robust standardization fitted on the real summaries: (x - median) / IQR-based scale; NaN -> 0."""

    def __init__(self, real: np.ndarray) -> None:
        with np.errstate(all="ignore"):
            self.center = np.nan_to_num(np.nanmedian(real, axis=0)) if real.size else np.zeros(real.shape[1])
            q = np.nanquantile(real, [0.25, 0.75], axis=0) if len(real) else np.zeros((2, real.shape[1]))
            iqr = np.nan_to_num(q[1] - q[0])
            sd = np.nan_to_num(np.nanstd(real, axis=0)) if len(real) else np.zeros(real.shape[1])
        scale = np.where(iqr > 0, iqr / 1.349, sd)
        self.scale = np.where(scale > 0, scale, 1.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.center) / self.scale
        return np.clip(np.nan_to_num(z, nan=0.0, posinf=10.0, neginf=-10.0), -10.0, 10.0)
