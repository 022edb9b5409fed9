"""Encoding of a table of codes for neural networks: value scalars plus one-hot (softmax) blocks.

Works on the ``to_codes`` level of :class:`~synthwise.transforms.TableTransformer` (one float column
per encoded column, NaN = missing) and returns a dense float32 matrix made of *spans*:

* discrete columns (categorical, boolean, constant, and numerics with at most ``max_discrete`` distinct
  values): one softmax span over the values seen, with an extra slot for missing; beyond ``max_levels``
  values, the rarer ones share one "other" slot and are drawn back by their training
  shares given the discrete column that tells most about them, if one does (a fake name column with
  800 levels would otherwise dominate the width, and the time, of every network);
* continuous columns with ``numeric="gmm"`` (TVAE, CTGAN): *mode-specific normalization* — a per-column
  Bayesian Gaussian mixture (at most ``max_modes`` components) plus exact *point masses* for values
  that hold at least ``point_mass_share`` of the rows (e.g. a balance of exactly 0); a row becomes a
  value span ``alpha = (x - mean_k) / (4 std_k)`` in [-1, 1] and a softmax span over the modes
  (point masses, mixture components, missing);
* continuous columns with ``numeric="quantile"`` (diffusion): a value span with the quantile-normal
  transform (ties map to one value, so point masses come back exactly), plus a two-slot softmax span
  "present / missing" when the column has missing values.

Continuous columns with at most ``max_snap`` distinct values are snapped back to the nearest value seen
when decoding (ages, durations in tenths): the output then keeps the real grid of values. Everything
the encoder learns is plain numpy, stored in model files as arrays (no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

Method = Literal["fixed", "discrete", "gmm", "quantile"]
_BOUND = 1e-7
_ARRAY_FIELDS = (
    *("slots", "means", "stds", "weights", "quantiles", "snap", "warp", "pool", "pool_p", "pool_given"),
)
MIN_PARTNER_INFORMATION = 0.02  # nats (bias-corrected) a partner must tell about a pooled value


@dataclass(frozen=True)
class Span:
    """A block of matrix columns: ``kind`` "value" (one scalar) or "softmax" (a one-hot block).

    ``role`` says what it holds: "value", "mode" (the mixture mode of a gmm column), "category" (a
    discrete column's values) or "missing" (present / missing of a quantile column).
    """

    column: str
    start: int
    stop: int
    kind: Literal["value", "softmax"]
    role: Literal["value", "mode", "category", "missing"]

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass
class ColumnCodec:
    """How one column is encoded; every field is JSON or a numpy array (see :meth:`TableEncoder.state`)."""

    name: str
    method: Method
    has_missing: bool = False
    slots: np.ndarray = field(default_factory=lambda: np.zeros(0))  # discrete values / point masses
    means: np.ndarray = field(default_factory=lambda: np.zeros(0))  # gmm components
    stds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    quantiles: np.ndarray = field(default_factory=lambda: np.zeros(0))  # quantile method
    snap: np.ndarray = field(default_factory=lambda: np.zeros(0))  # sorted values to snap to (or empty)
    # [center, scale] of the asinh scale of a heavy-tailed column, or empty
    warp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # rare values behind a discrete column's "other" slot (+inf in slots), and their shares in the pool
    pool: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pool_p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the discrete column (its index among the codecs, -1 for none) that the pooled values are drawn
    # given, and the pool's shares given each of that column's slots (a row per slot)
    partner: int = -1
    pool_given: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Values to the scale the mixture lives on (asinh for heavy-tailed columns, else identity)."""
        return np.arcsinh((x - self.warp[0]) / self.warp[1]) if len(self.warp) else x

    def from_model(self, y: np.ndarray) -> np.ndarray:
        return self.warp[0] + self.warp[1] * np.sinh(y) if len(self.warp) else y

    @property
    def n_modes(self) -> int:
        return len(self.slots) + len(self.means) + int(self.has_missing)

    def blocks(self) -> list[tuple[str, str, int]]:
        """``[(kind, role, size), ...]`` of this column's spans."""
        if self.method == "discrete":
            return [("softmax", "category", len(self.slots))]
        if self.method == "gmm":
            return [("value", "value", 1), ("softmax", "mode", self.n_modes)]
        if self.method == "quantile":
            return [("value", "value", 1)] + ([("softmax", "missing", 2)] if self.has_missing else [])
        return []


class TableEncoder:
    """Codes <-> a dense float32 matrix of value and softmax spans (see the module docstring).

    ``fit(codes, continuous, rng)``: ``continuous`` names the columns of numeric or datetime kind.
    ``transform(codes, rng)`` draws the mixture mode of each value from its posterior (as CTGAN does).
    ``inverse(matrix, rng)`` takes the argmax of each softmax span (callers draw one-hot blocks first)
    and draws pooled rare values with ``rng``.
    """

    def __init__(
        self,
        *,
        numeric: Literal["gmm", "quantile"] = "gmm",
        max_modes: int = 10,
        max_discrete: int = 20,
        max_snap: int = 500,
        point_mass_share: float = 0.01,
        max_point_masses: int = 10,
        gmm_rows: int = 2000,
        max_tail_ratio: float = 20.0,
        max_levels: int = 50,
    ) -> None:
        self.numeric = numeric
        self.max_modes = max_modes
        self.max_discrete = max_discrete
        self.max_snap = max_snap
        self.point_mass_share = point_mass_share
        self.max_point_masses = max_point_masses
        self.gmm_rows = gmm_rows
        self.max_tail_ratio = max_tail_ratio
        self.max_levels = max_levels
        self.codecs: list[ColumnCodec] = []
        self.spans: list[Span] = []
        self.frequencies: list[np.ndarray] = []  # per softmax span, in span order: the training shares

    # -- fitting --------------------------------------------------------------------------------------
    def fit(self, codes: pd.DataFrame, continuous: list[str], rng: np.random.Generator) -> TableEncoder:
        self.codecs = [
            self._fit_column(str(name), codes[name].to_numpy(dtype=np.float64), name in continuous, rng)
            for name in codes.columns
        ]
        self._fit_partners(codes)
        self._build_spans()
        matrix = self.transform(codes, rng)
        self.frequencies = [
            matrix[:, s.start : s.stop].astype(np.float64).mean(axis=0)
            for s in self.spans
            if s.kind == "softmax"
        ]
        return self

    def _fit_column(
        self, name: str, v: np.ndarray, continuous: bool, rng: np.random.Generator
    ) -> ColumnCodec:
        missing = np.isnan(v)
        present = v[~missing]
        uniq, counts = np.unique(present, return_counts=True)
        has_missing = bool(missing.any())
        if not continuous or len(uniq) <= self.max_discrete:
            pool, pool_p = np.zeros(0), np.zeros(0)
            if len(uniq) > self.max_levels:
                order = np.argsort(-counts, kind="stable")
                rare = np.sort(order[self.max_levels :])
                pool, pool_p = uniq[rare], counts[rare] / counts[rare].sum()
                uniq = np.concatenate([np.sort(uniq[order[: self.max_levels]]), [np.inf]])
            slots = np.concatenate([uniq, [np.nan]]) if has_missing else uniq
            if len(slots) <= 1:
                return ColumnCodec(
                    name, "fixed", has_missing, slots=slots if len(slots) else np.array([np.nan])
                )
            return ColumnCodec(name, "discrete", has_missing, slots=slots, pool=pool, pool_p=pool_p)
        snap = uniq if len(uniq) <= self.max_snap else np.zeros(0)
        if self.numeric == "quantile":
            n_q = int(min(1000, len(present)))
            q = np.quantile(present, np.linspace(0.0, 1.0, n_q))
            return ColumnCodec(name, "quantile", has_missing, quantiles=q, snap=snap)
        shares = counts / max(len(present), 1)
        order = np.argsort(-shares, kind="stable")[: self.max_point_masses]
        masses = np.sort(uniq[order[shares[order] >= self.point_mass_share]])
        rest = present[~np.isin(present, masses)]
        warp = _heavy_tail_warp(rest, self.max_tail_ratio)
        codec = ColumnCodec(name, "gmm", has_missing, slots=masses, snap=snap, warp=warp)
        codec.means, codec.stds, codec.weights = self._fit_mixture(codec.to_model(rest), rng)
        return codec

    def _fit_partners(self, codes: pd.DataFrame) -> None:
        """For each discrete column with pooled rare values, the other discrete column that tells most
        about which pooled value a row holds (bias-corrected mutual information; a fake first name
        and the gender), and the pool's shares given each of its slots (smoothed by the pool's shares)."""
        slots = {
            i: _slot_index(c.slots, codes[c.name].to_numpy(dtype=np.float64))
            for i, c in enumerate(self.codecs)
            if c.method == "discrete" and len(c.slots) <= 2 * self.max_levels
        }
        for i, codec in enumerate(self.codecs):
            if not len(codec.pool):
                continue
            v = codes[codec.name].to_numpy(dtype=np.float64)
            pooled = np.isin(v, codec.pool)
            n = int(pooled.sum())
            if n == 0:
                continue
            which = np.searchsorted(codec.pool, v[pooled])
            best, best_info, best_counts = -1, MIN_PARTNER_INFORMATION, np.zeros((0, 0))
            for j, idx in slots.items():
                if j == i:
                    continue
                counts = np.zeros((len(self.codecs[j].slots), len(codec.pool)))
                np.add.at(counts, (idx[pooled], which), 1.0)
                info = _mutual_information(counts)
                if info > best_info:
                    best, best_info, best_counts = j, info, counts
            if best >= 0:
                given = best_counts + codec.pool_p[None, :]
                codec.partner, codec.pool_given = best, given / given.sum(axis=1, keepdims=True)

    def _fit_mixture(
        self, x: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(x) == 0:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        center = float(np.mean(x))
        scale = float(np.std(x)) or 1.0
        z = (x - center) / scale
        if len(z) > self.gmm_rows:
            z = z[rng.choice(len(z), size=self.gmm_rows, replace=False)]
        n_comp = int(min(self.max_modes, len(np.unique(z))))
        if n_comp < 2:
            return np.array([center]), np.array([scale * 1e-3 or 1.0]), np.ones(1)
        from sklearn.mixture import BayesianGaussianMixture

        bgm = BayesianGaussianMixture(
            n_components=n_comp,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=1e-3,
            max_iter=100,
            n_init=1,
            random_state=int(rng.integers(0, 2**31 - 1)),
        )
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bgm.fit(z.reshape(-1, 1))
        keep = bgm.weights_ > 0.005
        if not keep.any():
            keep = bgm.weights_ >= bgm.weights_.max()
        means = center + scale * bgm.means_[keep, 0]
        stds = scale * np.sqrt(np.maximum(bgm.covariances_[keep].reshape(-1), 1e-6))
        weights = bgm.weights_[keep] / bgm.weights_[keep].sum()
        order = np.argsort(means, kind="stable")
        return means[order], stds[order], weights[order]

    def _build_spans(self) -> None:
        spans: list[Span] = []
        pos = 0
        for codec in self.codecs:
            for kind, role, size in codec.blocks():
                spans.append(Span(codec.name, pos, pos + size, kind, role))  # type: ignore[arg-type]
                pos += size
        self.spans = spans

    # -- encoding -------------------------------------------------------------------------------------
    @property
    def width(self) -> int:
        return self.spans[-1].stop if self.spans else 0

    def spans_of(self, kind: str | None = None, role: str | None = None) -> list[Span]:
        return [
            s for s in self.spans if (kind is None or s.kind == kind) and (role is None or s.role == role)
        ]

    def transform(self, codes: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((len(codes), self.width), dtype=np.float32)
        by_column: dict[str, list[Span]] = {}
        for s in self.spans:
            by_column.setdefault(s.column, []).append(s)
        for codec in self.codecs:
            spans = by_column.get(codec.name, [])
            if not spans:
                continue
            v = codes[codec.name].to_numpy(dtype=np.float64)
            if codec.method == "discrete":
                _one_hot(out, spans[0], _slot_index(codec.slots, v))
            elif codec.method == "quantile":
                miss = np.isnan(v)
                out[:, spans[0].start] = np.where(miss, 0.0, _to_normal(codec.quantiles, np.nan_to_num(v)))
                if codec.has_missing:
                    _one_hot(out, spans[1], miss.astype(np.int64))
            else:
                alpha, mode = _gmm_encode(codec, v, rng)
                out[:, spans[0].start] = alpha
                _one_hot(out, spans[1], mode)
        return out

    def inverse(self, matrix: np.ndarray, rng: np.random.Generator | None = None) -> pd.DataFrame:
        """A matrix of activated outputs (softmax spans: argmax is taken) back to codes. ``rng`` draws the
        rare values behind "other" slots (by their training shares); a fixed seed when None."""
        m = np.asarray(matrix, dtype=np.float64)
        rng = rng if rng is not None else np.random.default_rng(0)
        by_column: dict[str, list[Span]] = {}
        for s in self.spans:
            by_column.setdefault(s.column, []).append(s)
        data: dict[str, np.ndarray] = {}
        for codec in self.codecs:
            spans = by_column.get(codec.name, [])
            if codec.method == "fixed":
                data[codec.name] = np.full(len(m), codec.slots[0])
            elif codec.method == "discrete":
                values = codec.slots[np.argmax(m[:, spans[0].start : spans[0].stop], axis=1)]
                other = np.isposinf(values)
                if other.any():
                    values[other] = self._draw_pooled(codec, m[other], rng)
                data[codec.name] = values
            elif codec.method == "quantile":
                x = _from_normal(codec.quantiles, m[:, spans[0].start])
                if codec.has_missing:
                    x = np.where(np.argmax(m[:, spans[1].start : spans[1].stop], axis=1) == 1, np.nan, x)
                data[codec.name] = _snap(codec.snap, x)
            else:
                mode = np.argmax(m[:, spans[1].start : spans[1].stop], axis=1)
                data[codec.name] = _snap(codec.snap, _gmm_decode(codec, m[:, spans[0].start], mode))
        return pd.DataFrame(data, index=pd.RangeIndex(len(m)))

    def _draw_pooled(self, codec: ColumnCodec, m: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Rare values for the rows ``m`` (encoded) whose slot is "other": by the pool's shares given the
        partner column's slot when there is one, else by the pool's shares."""
        if codec.partner < 0:
            return rng.choice(codec.pool, size=len(m), p=codec.pool_p)
        span = next(s for s in self.spans if s.column == self.codecs[codec.partner].name)
        given = np.argmax(m[:, span.start : span.stop], axis=1)
        out = np.empty(len(m))
        for slot in np.unique(given):
            rows = given == slot
            out[rows] = rng.choice(codec.pool, size=int(rows.sum()), p=codec.pool_given[slot])
        return out

    # -- state ----------------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {
            "params": {
                "numeric": self.numeric,
                "max_modes": self.max_modes,
                "max_discrete": self.max_discrete,
                "max_snap": self.max_snap,
                "point_mass_share": self.point_mass_share,
                "max_point_masses": self.max_point_masses,
                "gmm_rows": self.gmm_rows,
                "max_tail_ratio": self.max_tail_ratio,
                "max_levels": self.max_levels,
            },
            "columns": [
                {"name": c.name, "method": c.method, "has_missing": c.has_missing, "partner": c.partner}
                for c in self.codecs
            ],
        }
        arrays: dict[str, np.ndarray] = {}
        for i, c in enumerate(self.codecs):
            for key in _ARRAY_FIELDS:
                arrays[f"c{i}_{key}"] = np.asarray(getattr(c, key), dtype=np.float64)
        for j, f in enumerate(self.frequencies):
            arrays[f"freq{j}"] = f
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TableEncoder:
        enc = cls(**meta["params"])
        enc.codecs = [
            ColumnCodec(
                c["name"],
                c["method"],
                bool(c["has_missing"]),
                partner=int(c.get("partner", -1)),
                **{key: arrays[f"c{i}_{key}"] for key in _ARRAY_FIELDS if f"c{i}_{key}" in arrays},
            )
            for i, c in enumerate(meta["columns"])
        ]
        enc._build_spans()
        n_soft = len(enc.spans_of("softmax"))
        enc.frequencies = [arrays[f"freq{j}"] for j in range(n_soft)]
        return enc


# -- helpers ------------------------------------------------------------------------------------------
def _mutual_information(counts: np.ndarray) -> float:
    """Mutual information (nats) of a contingency table, less the Miller-Madow bias of its estimate."""
    n = counts.sum()
    if n <= 0:
        return 0.0
    p = counts / n
    rows, cols = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    info = float((p[nz] * np.log(p[nz] / (rows @ cols)[nz])).sum())
    bias = (int((rows > 0).sum()) - 1) * (int((cols > 0).sum()) - 1) / (2.0 * n)
    return info - bias


def _one_hot(out: np.ndarray, span: Span, index: np.ndarray) -> None:
    out[np.arange(len(index)), span.start + index] = 1.0


def _slot_index(slots: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Index of each value in ``slots`` (sorted values, then +inf = "other" and NaN = missing when
    present): values not kept go to "other" (or, without one, to the nearest slot)."""
    kept = slots[np.isfinite(slots)]
    pos = np.clip(np.searchsorted(kept, np.nan_to_num(v, nan=0.0)), 0, max(len(kept) - 1, 0))
    exact = kept[pos] == v if len(kept) else np.zeros(len(v), dtype=bool)
    other = np.flatnonzero(np.isposinf(slots))
    idx = np.where(exact | (len(other) == 0), pos, other[0] if len(other) else 0)
    return np.where(np.isnan(v), len(slots) - 1, idx).astype(np.int64)


def _to_normal(quantiles: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Quantile-normal transform; ties get the middle of their probability range."""
    refs = np.linspace(0.0, 1.0, len(quantiles))
    u = 0.5 * (np.interp(x, quantiles, refs) - np.interp(-x, -quantiles[::-1], -refs[::-1]))
    return ndtri(np.clip(u, _BOUND, 1 - _BOUND))


def _from_normal(quantiles: np.ndarray, z: np.ndarray) -> np.ndarray:
    refs = np.linspace(0.0, 1.0, len(quantiles))
    return np.interp(np.clip(ndtr(z), 0.0, 1.0), refs, quantiles)


def _gmm_encode(codec: ColumnCodec, v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_mass = len(codec.slots)
    alpha = np.zeros(len(v))
    mode = np.zeros(len(v), dtype=np.int64)
    miss = np.isnan(v)
    mode[miss] = codec.n_modes - 1
    in_mass = np.zeros(len(v), dtype=bool)
    if n_mass:
        pos = np.clip(np.searchsorted(codec.slots, np.nan_to_num(v)), 0, n_mass - 1)
        in_mass = ~miss & (codec.slots[pos] == v)
        mode[in_mass] = pos[in_mass]
    rest = ~miss & ~in_mass
    if rest.any() and len(codec.means):
        x = codec.to_model(v[rest])[:, None]
        logp = np.log(codec.weights) - np.log(codec.stds) - 0.5 * ((x - codec.means) / codec.stds) ** 2
        gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, size=logp.shape)))
        k = np.argmax(logp + gumbel, axis=1)
        alpha[rest] = np.clip((x[:, 0] - codec.means[k]) / (4 * codec.stds[k]), -0.99, 0.99)
        mode[rest] = n_mass + k
    return alpha, mode


def _gmm_decode(codec: ColumnCodec, alpha: np.ndarray, mode: np.ndarray) -> np.ndarray:
    n_mass, n_comp = len(codec.slots), len(codec.means)
    out = np.full(len(mode), np.nan)
    if n_mass:
        is_mass = mode < n_mass
        out[is_mass] = codec.slots[mode[is_mass]]
    is_comp = (mode >= n_mass) & (mode < n_mass + n_comp)
    if is_comp.any():
        k = mode[is_comp] - n_mass
        out[is_comp] = codec.from_model(np.clip(alpha[is_comp], -1, 1) * 4 * codec.stds[k] + codec.means[k])
    return out


def _heavy_tail_warp(x: np.ndarray, max_ratio: float) -> np.ndarray:
    """``[center, scale]`` for an asinh scale when the range exceeds ``max_ratio`` interquartile ranges
    (wages, durations: a mixture in raw units cannot cover such tails), else empty."""
    if len(x) < 4:
        return np.zeros(0)
    q25, q50, q75 = np.quantile(x, [0.25, 0.5, 0.75])
    iqr = q75 - q25
    if iqr <= 0 or (x.max() - x.min()) / iqr <= max_ratio:
        return np.zeros(0)
    return np.array([q50, iqr / 2.0])


def _snap(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each finite ``x`` replaced by the nearest of the sorted ``values`` (no-op when ``values`` is empty)."""
    if len(values) == 0:
        return x
    ok = ~np.isnan(x)
    pos = np.clip(np.searchsorted(values, x[ok]), 1, max(len(values) - 1, 1))
    lo, hi = values[pos - 1], values[np.minimum(pos, len(values) - 1)]
    out = x.copy()
    out[ok] = np.where(np.abs(x[ok] - lo) <= np.abs(hi - x[ok]), lo, hi)
    return out
