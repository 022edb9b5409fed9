"""MST: differentially private synthesis from noisy marginals on a maximum spanning tree.

After McKenna, Miklau & Sheldon, "Winning the NIST Contest: A scalable and general approach to
differentially private synthetic data" (2021); our own implementation. The whole run is
``(epsilon, delta)``-DP, accounted in zCDP with one :class:`~synthwise.privacy.ledger.BudgetLedger`
(``ledger_``, saved in the model file; sampling spends nothing):

1. **Domains** (only what is not public): ranges of numeric / datetime columns, their frequent exact
   values and rounding, and the categories of text columns are released under DP
   (:mod:`synthwise.privacy.dp_domain`); 10 % of the zCDP budget, plus 10 % of delta for the
   thresholded histograms. What a step leaves unspent flows to the marginals. Column names and dtypes
   are public; so is a schema passed to ``fit`` and the ``bounds`` parameter: **never pass a schema
   inferred from the private data itself** (it would leak its ranges and categories for free).
2. **1-way marginals** of every column on its fine cells (Gaussian mechanism), a third of the rest.
3. **Selection**: ``d - 1`` rounds of the exponential mechanism pick a spanning tree of column pairs,
   each round among the pairs joining two components, scored by the L1 gap between the pair's true
   counts and the independent estimate from step 2 (sensitivity 1); a third of the rest.
4. **2-way marginals** of the chosen pairs on coarse cells (Gaussian mechanism); the last third.
5. **Estimation** (post-processing, :mod:`synthwise.privacy.dp_tree`): pooled non-negative 1-way
   estimates, pair tables fitted to agree on shared columns, a tree-factored model sampled parents-first;
   within a coarse cell, a fine cell by its noisy weight, then a value uniformly in it.

Neighbouring datasets differ by adding or removing one row. Identifier columns (from a public schema)
are regenerated fresh; free-text columns cannot be learned privately and are refused.
"""

from __future__ import annotations

import math
import time
from typing import Any, Self

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator
from synthwise.privacy.dp_domain import (
    CONTINUOUS,
    INTERVAL,
    POINT,
    Cells,
    ColumnPlan,
    categorical_cells,
    continuous_cells,
    continuous_values,
    encode_categorical,
    encode_continuous,
    plan_columns,
    refine_range,
    release_categories,
    release_points,
    release_range,
    release_rounding,
)
from synthwise.privacy.dp_tree import (
    MAX_CATEGORY_GROUPS,
    TreeModel,
    coarse_groups,
    combine,
    draw_cells,
    fit_pair,
    project_simplex,
    within_group_weights,
)
from synthwise.privacy.ledger import BudgetLedger
from synthwise.privacy.release import Releaser
from synthwise.random import make_rng
from synthwise.schema import ColumnSchema, Schema, check_table
from synthwise.transforms import TableTransformer

SCHEMA_SHARE = 0.1  # of the zCDP budget, for domains and ranges (only when something is not public)
DELTA_SHARE = 0.1  # of delta, for the thresholded category histograms
_SAFETY = 1.0 - 1e-9  # spend a hair under the exact remainder (float round-off)
FINE_Z = 1.5  # fine cells whose noisy count is below 1.5 sigma are taken as empty (denoising)


@register_generator("mst")
class MST(Generator):
    summary = (
        "Differentially private (epsilon, delta): noisy 1- and 2-way marginals on a spanning tree (MST)."
    )
    capabilities = Capabilities(differential_privacy=True)

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-9,
        bounds: dict[str, Any] | None = None,
        n_bins: int | None = None,
        n_fine_bins: int = 128,
        seed: Seed = None,
    ) -> None:
        self.epsilon = epsilon
        self.delta = delta
        self.bounds = bounds
        self.n_bins = n_bins
        self.n_fine_bins = n_fine_bins
        self.seed = seed

    def _validate_params(self) -> None:
        if not isinstance(self.epsilon, int | float) or not math.isfinite(self.epsilon) or self.epsilon <= 0:
            raise InvalidParameterError.expected("epsilon", "MST", "a finite number > 0", self.epsilon)
        if not isinstance(self.delta, int | float) or not 0 < self.delta < 1:
            raise InvalidParameterError.expected("delta", "MST", "a number in (0, 1), e.g. 1e-9", self.delta)
        if self.n_bins is not None and (not isinstance(self.n_bins, int) or self.n_bins < 2):
            raise InvalidParameterError.expected("n_bins", "MST", "None (auto) or an int >= 2", self.n_bins)
        if not isinstance(self.n_fine_bins, int) or self.n_fine_bins < (self.n_bins or 2):
            raise InvalidParameterError.expected("n_fine_bins", "MST", "an int >= n_bins", self.n_fine_bins)
        if self.bounds is not None and not isinstance(self.bounds, dict):
            raise InvalidParameterError.expected(
                "bounds", "MST", "a dict {column: (low, high)} of PUBLIC ranges", self.bounds
            )

    # -- fitting --------------------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, schema: Schema | None = None) -> Self:
        """Learn under ``(epsilon, delta)``-DP. ``schema`` and ``bounds`` are treated as PUBLIC."""
        self._validate_params()
        check_table(data)
        if schema is not None and schema.n_rows == len(data):
            raise InvalidParameterError(
                "The schema passed to MST.fit looks inferred from this very data "
                f"(n_rows={schema.n_rows:,}); "
                "MST treats a schema as PUBLIC and would leak its ranges and categories without spending "
                "budget. Fix: pass no schema (domains are then estimated under DP), or a schema written from "
                "public knowledge only, with n_rows 0."
            )
        started = time.perf_counter()
        ledger = BudgetLedger(float(self.epsilon), float(self.delta))
        releaser = Releaser(ledger, make_rng(self.seed))
        plans, passthrough = plan_columns(data, schema, self.bounds)
        if not plans:
            raise InvalidParameterError(
                "MST has no column to learn: every column is an identifier. "
                "Fix: keep at least one other column."
            )
        self._release_domains(data, plans, releaser)
        cells = [
            continuous_cells(p, self.n_fine_bins)
            if p.kind in CONTINUOUS
            else categorical_cells(len(p.categories or ()), other=p.discovered)
            for p in plans
        ]
        fine = [self._encode(data[p.name], p, c) for p, c in zip(plans, cells, strict=True)]
        model = self._measure_and_estimate(plans, cells, fine, releaser)
        self.plans_, self.cells_ = plans, cells
        self.tree_, self.weights_, n_hat, margins = model
        self.ledger_ = ledger
        self.notes_ = [f"{p.name}: {note}" for p in plans for note in p.notes]
        self.schema_ = self._public_schema(data, plans, passthrough, margins, n_hat)
        self.columns_ = [str(c) for c in data.columns]
        self.transformer_ = TableTransformer.from_state(self.schema_, {}, {})
        self.n_rows_ = round(n_hat)
        self.fit_seconds_ = time.perf_counter() - started
        self._id_counter = 0
        return self

    def _release_domains(self, data: pd.DataFrame, plans: list[ColumnPlan], releaser: Releaser) -> None:
        ledger = releaser.ledger
        needs = [p for p in plans if p.needs_range or p.needs_rounding or p.needs_domain]
        n_sparse = sum(p.needs_domain or (p.needs_range and p.kind == "numeric") for p in plans)
        reserve = DELTA_SHARE * ledger.delta if n_sparse else 0.0
        if not needs:
            return
        rho_col = SCHEMA_SHARE * ledger.remaining_rho(reserve_delta=reserve) / len(needs) * _SAFETY
        values = {p.name: continuous_values(data[p.name], p) for p in plans if p.kind in CONTINUOUS}
        # per column: categories 100 %; numeric range 50 %, frequent values 30 %, rounding 20 %; datetime
        # range 40 % + refining 40 %, rounding 20 %. One step at a time over the columns (a short ledger).
        for p in needs:
            if p.needs_domain:
                release_categories(data[p.name], p, releaser, rho_col, reserve / n_sparse)
        ranged = [p for p in needs if p.needs_range]
        for p in ranged:
            release_range(values[p.name], p, releaser, rho_col * (0.4 if p.kind == "datetime" else 0.5))
        for p in ranged:
            if p.kind == "datetime":
                refine_range(values[p.name], p, releaser, rho_col * 0.4)
        for p in ranged:
            lo, hi = p.bounds or (0.0, 0.0)
            small_int = p.integer and np.ceil(hi) - np.ceil(lo) <= self.n_fine_bins  # exact cells anyway
            if p.kind == "numeric" and not small_int:
                release_points(values[p.name], p, releaser, rho_col * 0.3, reserve / n_sparse)
        hint = max((float(p.buckets[1].sum()) for p in plans if p.buckets is not None), default=0.0)
        for p in needs:
            if p.needs_rounding:
                share = 0.2 if p.buckets is not None else 1.0  # unspent shares flow to the marginals
                if hint <= 0:  # no range was released: a noisy row count sets the rounding penalty
                    count = np.array([float(len(data))])
                    hint = float(releaser.gaussian("row count", count, rho=rho_col * share / 2)[0])
                    share /= 2
                release_rounding(values[p.name], p, releaser, rho_col * share, n_hint=hint)

    @staticmethod
    def _encode(s: pd.Series, plan: ColumnPlan, cells: Cells) -> np.ndarray:
        if plan.kind in CONTINUOUS:
            return encode_continuous(continuous_values(s, plan), cells)
        return encode_categorical(s, plan.categories or (), cells)

    def _measure_and_estimate(
        self, plans: list[ColumnPlan], cells: list[Cells], fine: list[np.ndarray], releaser: Releaser
    ) -> tuple[TreeModel, list[list[tuple[np.ndarray, np.ndarray]]], float, list[np.ndarray]]:
        d = len(plans)
        rho = releaser.ledger.remaining_rho() * _SAFETY
        if rho <= 0:
            raise InvalidParameterError("MST: no privacy budget left for the marginals. Fix: raise epsilon.")
        rho1 = rho / 3.0 if d > 1 else rho
        # 2. every 1-way marginal on its fine cells
        y = [
            releaser.gaussian(
                "1-way marginals",
                np.bincount(f, minlength=len(c)).astype(np.float64),
                rho=rho1 / d,
                column=p.name,
            )
            for p, c, f in zip(plans, cells, fine, strict=True)
        ]
        var1 = 1.0 / (2.0 * rho1 / d)
        n_hat = max(1.0, float(combine([(np.array([v.sum()]), np.array([len(v) * var1])) for v in y])[0]))
        mass = [project_simplex(np.where(v >= FINE_Z * math.sqrt(var1), v, 0.0), n_hat) for v in y]
        rare = 3.0 * math.sqrt(var1)
        var2 = 1.0 / (2.0 * (rho / 3.0) / max(1, d - 1))
        n_bins = self.n_bins or auto_bins(n_hat, var2)
        groups = [
            coarse_groups(
                c,
                m,
                n_groups=n_bins if p.kind in CONTINUOUS else MAX_CATEGORY_GROUPS,
                rare_below=rare,
                ordered=p.kind in CONTINUOUS,
            )
            for p, c, m in zip(plans, cells, mass, strict=True)
        ]
        sizes = [int(g.max()) + 1 for g in groups]
        coarse = [g[f] for g, f in zip(groups, fine, strict=True)]
        raw1 = [np.bincount(g, weights=v, minlength=k) for g, v, k in zip(groups, y, sizes, strict=True)]
        var_raw1 = [np.bincount(g, minlength=k) * var1 for g, k in zip(groups, sizes, strict=True)]
        p1 = [project_simplex(r, n_hat) for r in raw1]
        # 3. select a spanning tree; 4. measure its pairs
        edges = self._select(plans, coarse, sizes, p1, n_hat, releaser, rho / 3.0) if d > 1 else []
        noisy2: dict[tuple[int, int], np.ndarray] = {}
        for a, b in edges:
            table = _pair_counts(coarse[a], coarse[b], sizes[a], sizes[b])
            noisy2[(a, b)] = releaser.gaussian(
                "2-way marginals", table, rho=rho / 3.0 / len(edges), columns=[plans[a].name, plans[b].name]
            )
        # 5. estimate
        margins = []
        for i in range(d):
            estimates = [(raw1[i], var_raw1[i])]
            for (a, b), t in noisy2.items():
                if i == a:
                    estimates.append((t.sum(axis=1), np.full(sizes[a], t.shape[1] * var2)))
                elif i == b:
                    estimates.append((t.sum(axis=0), np.full(sizes[b], t.shape[0] * var2)))
            margins.append(project_simplex(combine(estimates), n_hat))
        pairs = {(a, b): fit_pair(t, margins[a], margins[b]) for (a, b), t in noisy2.items()}
        tree = TreeModel.from_marginals(margins, pairs)
        weights = [within_group_weights(c, m, g) for c, m, g in zip(cells, mass, groups, strict=True)]
        fine_margins = [_fine_margin(c, w, m) for c, w, m in zip(cells, weights, margins, strict=True)]
        return tree, weights, n_hat, fine_margins

    @staticmethod
    def _select(
        plans: list[ColumnPlan],
        coarse: list[np.ndarray],
        sizes: list[int],
        p1: list[np.ndarray],
        n_hat: float,
        releaser: Releaser,
        rho: float,
    ) -> list[tuple[int, int]]:
        d = len(plans)
        candidates = [(a, b) for a in range(d) for b in range(a + 1, d)]
        quality = {}
        for a, b in candidates:
            table = _pair_counts(coarse[a], coarse[b], sizes[a], sizes[b])
            quality[(a, b)] = float(np.abs(table - np.outer(p1[a], p1[b]) / n_hat).sum())
        parent = list(range(d))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        chosen: list[tuple[int, int]] = []
        for _ in range(d - 1):
            open_ = [e for e in candidates if find(e[0]) != find(e[1])]
            pick = releaser.exponential(
                "select pairs (spanning tree)",
                np.array([quality[e] for e in open_]),
                rho=rho / (d - 1),
                n_candidates=len(open_),
            )
            a, b = open_[pick]
            parent[find(a)] = find(b)
            chosen.append((a, b))
        return chosen

    def _public_schema(
        self,
        data: pd.DataFrame,
        plans: list[ColumnPlan],
        passthrough: list[ColumnSchema],
        margins: list[np.ndarray],
        n_hat: float,
    ) -> Schema:
        by_name: dict[str, ColumnSchema] = {c.name: c for c in passthrough}
        for p, c, m in zip(plans, self.cells_, margins, strict=True):
            missing_rate = float(m[c.missing] / max(m.sum(), 1e-12))
            if p.kind in CONTINUOUS:
                lo, hi = _drawable_range(c, m, p)
                extra: dict[str, Any] = {"min": lo, "max": hi}
                if p.kind == "numeric":
                    extra |= {"integer": p.integer, "decimals": 0 if p.integer else p.decimals}
                else:
                    extra |= {
                        "resolution": p.resolution or "ns",
                        "timezone": p.timezone,
                        "datetime_format": p.datetime_format,
                    }
                by_name[p.name] = ColumnSchema(
                    p.name,
                    p.kind,
                    dtype=p.dtype,
                    missing_rate=missing_rate,
                    **extra,
                )
            else:
                cats = tuple(p.categories or ())
                by_name[p.name] = ColumnSchema(
                    p.name,
                    p.kind,
                    dtype=p.dtype,
                    missing_rate=missing_rate,
                    n_unique=len(cats),
                    categories=cats,
                )
        cols = tuple(by_name[str(name)] for name in data.columns)
        return Schema(columns=cols, n_rows=round(n_hat))

    # -- sampling -------------------------------------------------------------------------------------
    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        coarse = self.tree_.sample(n, rng)
        out: dict[str, np.ndarray] = {}
        for i, (p, c) in enumerate(zip(self.plans_, self.cells_, strict=True)):
            fine = draw_cells(coarse[:, i], self.weights_[i], rng)
            out[p.name] = c.values(fine, rng)
        return pd.DataFrame(out)

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        plans = []
        for i, (p, c) in enumerate(zip(self.plans_, self.cells_, strict=True)):
            plans.append({"name": p.name, "kind": p.kind, "integer": c.integer})
            arrays |= {
                f"c{i}_lo": c.lo,
                f"c{i}_hi": c.hi,
                f"c{i}_kind": c.kind,
                f"t{i}": self.tree_.tables[i],
            }
            arrays[f"w{i}_members"] = np.concatenate([m for m, _ in self.weights_[i]])
            arrays[f"w{i}_weights"] = np.concatenate([w for _, w in self.weights_[i]])
            arrays[f"w{i}_offsets"] = np.cumsum([0] + [len(m) for m, _ in self.weights_[i]])
        meta = {
            "plans": plans,
            "order": self.tree_.order,
            "parent": self.tree_.parent,
            "ledger": self.ledger_.to_dict(),
            "notes": self.notes_,
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.plans_, self.cells_, self.weights_ = [], [], []
        tables = []
        for i, info in enumerate(meta["plans"]):
            self.plans_.append(ColumnPlan(info["name"], info["kind"], self.schema_[info["name"]].dtype))
            self.cells_.append(
                Cells(
                    arrays[f"c{i}_lo"],
                    arrays[f"c{i}_hi"],
                    arrays[f"c{i}_kind"],
                    integer=bool(info["integer"]),
                )
            )
            members, w, off = arrays[f"w{i}_members"], arrays[f"w{i}_weights"], arrays[f"w{i}_offsets"]
            self.weights_.append(
                [(members[off[g] : off[g + 1]], w[off[g] : off[g + 1]]) for g in range(len(off) - 1)]
            )
            tables.append(arrays[f"t{i}"])
        self.tree_ = TreeModel(list(meta["order"]), list(meta["parent"]), tables)
        self.ledger_ = BudgetLedger.from_dict(meta["ledger"])
        self.notes_ = list(meta.get("notes", []))


def auto_bins(n_hat: float, var2: float) -> int:
    """Coarse bins per numeric column: about ``sqrt(n / (2 sigma))`` so that a typical cell of a 2-way
    table holds twice the noise of its measurement; between 8 and 64. A function of DP releases only."""
    return int(np.clip(round(math.sqrt(n_hat / (2.0 * math.sqrt(var2)))), 8, 64))


def _pair_counts(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    return np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb).astype(np.float64)


def _fine_margin(
    cells: Cells, weights: list[tuple[np.ndarray, np.ndarray]], coarse: np.ndarray
) -> np.ndarray:
    """The model's mass on each fine cell: coarse mass spread by the within-group weights."""
    out = np.zeros(len(cells))
    for g, (members, w) in enumerate(weights):
        np.add.at(out, members, coarse[g] * w)
    return out


def _drawable_range(cells: Cells, mass: np.ndarray, plan: ColumnPlan) -> tuple[float, float]:
    """The smallest and largest values the model can emit (the output's range)."""
    live = np.flatnonzero((cells.kind <= POINT) & (mass > 0))
    if len(live) == 0:
        live = np.flatnonzero(cells.kind <= POINT)
    if len(live) == 0:
        lo = plan.bounds[0] if plan.bounds else 0.0
        return float(lo), float(lo)
    lo = float(cells.lo[live].min())
    highs = np.where(
        cells.kind[live] == INTERVAL, cells.hi[live] - (1.0 if cells.integer else 0.0), cells.lo[live]
    )
    return lo, float(max(lo, highs.max()))
