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
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.blocks import Blocks, MemoryBlocks
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator
from synthwise.privacy.dp_cells import CONTINUOUS, Cells, ColumnPlan
from synthwise.privacy.dp_columns import (
    SAFETY,
    PrivateColumns,
    begin_private_fit,
    cells_from_state,
    cells_state,
    public_schema,
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
from synthwise.schema import Schema
from synthwise.transforms import TableTransformer

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
    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        """Learn under ``(epsilon, delta)``-DP. ``schema`` and ``bounds`` are treated as PUBLIC: a schema
        inferred from ``data`` is refused and every release is booked in the ledger (``begin_private_fit``);
        the fit's own randomness is the releaser's."""
        self._fit_raw_blocks(MemoryBlocks(data), data, schema)

    def _fit_raw_blocks(self, blocks: Blocks, data: pd.DataFrame, schema: Schema | None) -> None:
        """The fit from the private rows in ``blocks`` (``data``: their columns and dtypes, public; in
        memory, the rows themselves): every release reads counts merged over the blocks, so a fit in
        blocks (:mod:`synthwise.scale.fitting`) equals the in-memory one on the same rows, ledger
        included."""
        cols = begin_private_fit(self, data, schema, blocks=blocks)
        model = self._measure_and_estimate(cols)
        self.plans_, self.cells_ = cols.plans, cols.cells
        self.tree_, self.weights_, n_hat, margins = model
        self.ledger_ = cols.ledger
        self.notes_ = cols.notes
        self.columns_ = [str(c) for c in data.columns]
        self.schema_ = public_schema(self.columns_, cols.plans, cols.cells, cols.passthrough, margins, n_hat)
        self.transformer_ = TableTransformer.from_state(self.schema_, {}, {})
        self.n_rows_ = round(n_hat)

    def _measure_and_estimate(
        self, cols: PrivateColumns
    ) -> tuple[TreeModel, list[list[tuple[np.ndarray, np.ndarray]]], float, list[np.ndarray]]:
        plans, cells, releaser = cols.plans, cols.cells, cols.releaser
        d = len(plans)
        rho = releaser.ledger.remaining_rho() * SAFETY
        if rho <= 0:
            raise InvalidParameterError("MST: no privacy budget left for the marginals. Fix: raise epsilon.")
        rho1 = rho / 3.0 if d > 1 else rho
        # 2. every 1-way marginal on its fine cells
        y = [
            releaser.gaussian("1-way marginals", counts.astype(np.float64), rho=rho1 / d, column=p.name)
            for p, counts in zip(plans, cols.fine_counts(), strict=True)
        ]
        var1 = 1.0 / (2.0 * rho1 / d)
        n_hat = max(1.0, float(combine([(np.array([v.sum()]), np.array([len(v) * var1])) for v in y])[0]))
        mass = [
            project_simplex(np.where(v >= FINE_Z * math.sqrt(var1), v, 0.0), n_hat, zero=c.impossible)
            for c, v in zip(cells, y, strict=True)
        ]
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
        raw1 = [np.bincount(g, weights=v, minlength=k) for g, v, k in zip(groups, y, sizes, strict=True)]
        var_raw1 = [np.bincount(g, minlength=k) * var1 for g, k in zip(groups, sizes, strict=True)]
        p1 = [project_simplex(r, n_hat) for r in raw1]
        # 3. select a spanning tree; 4. measure its pairs
        tables = cols.pair_tables(groups, sizes) if d > 1 else {}
        edges = self._select(plans, tables, p1, n_hat, releaser, rho / 3.0) if d > 1 else []
        noisy2: dict[tuple[int, int], np.ndarray] = {}
        for a, b in edges:
            table = tables[(a, b)].astype(np.float64)
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
            impossible = np.zeros(sizes[i], dtype=bool)  # a column declared without missing values
            impossible[groups[i][cells[i].impossible]] = True
            margins.append(project_simplex(combine(estimates), n_hat, zero=impossible))
        pairs = {(a, b): fit_pair(t, margins[a], margins[b]) for (a, b), t in noisy2.items()}
        tree = TreeModel.from_marginals(margins, pairs)
        weights = [within_group_weights(c, m, g) for c, m, g in zip(cells, mass, groups, strict=True)]
        fine_margins = [_fine_margin(c, w, m) for c, w, m in zip(cells, weights, margins, strict=True)]
        return tree, weights, n_hat, fine_margins

    @staticmethod
    def _select(
        plans: list[ColumnPlan],
        tables: dict[tuple[int, int], np.ndarray],
        p1: list[np.ndarray],
        n_hat: float,
        releaser: Releaser,
        rho: float,
    ) -> list[tuple[int, int]]:
        d = len(plans)
        candidates = [(a, b) for a in range(d) for b in range(a + 1, d)]
        quality = {}
        for a, b in candidates:
            table = tables[(a, b)].astype(np.float64)
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
        plans, arrays = cells_state(self.plans_, self.cells_)
        for i in range(len(self.plans_)):
            arrays[f"t{i}"] = self.tree_.tables[i]
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
        self.plans_, self.cells_ = cells_from_state(meta["plans"], arrays, self.schema_)
        self.weights_ = []
        for i in range(len(self.plans_)):
            members, w, off = arrays[f"w{i}_members"], arrays[f"w{i}_weights"], arrays[f"w{i}_offsets"]
            self.weights_.append(
                [(members[off[g] : off[g + 1]], w[off[g] : off[g + 1]]) for g in range(len(off) - 1)]
            )
        tables = [arrays[f"t{i}"] for i in range(len(self.plans_))]
        self.tree_ = TreeModel(list(meta["order"]), list(meta["parent"]), tables)
        self.ledger_ = BudgetLedger.from_dict(meta["ledger"])
        self.notes_ = list(meta.get("notes", []))


def auto_bins(n_hat: float, var2: float) -> int:
    """Coarse bins per numeric column: about ``sqrt(n / (2 sigma))`` so that a typical cell of a 2-way
    table holds twice the noise of its measurement; between 8 and 64. A function of DP releases only."""
    return int(np.clip(round(math.sqrt(n_hat / (2.0 * math.sqrt(var2)))), 8, 64))


def _fine_margin(
    cells: Cells, weights: list[tuple[np.ndarray, np.ndarray]], coarse: np.ndarray
) -> np.ndarray:
    """The model's mass on each fine cell: coarse mass spread by the within-group weights."""
    out = np.zeros(len(cells))
    for g, (members, w) in enumerate(weights):
        np.add.at(out, members, coarse[g] * w)
    return out
