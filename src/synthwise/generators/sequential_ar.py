"""SequentialAR: a fast autoregressive baseline for sequential (long) tables.

Three parts (see :mod:`synthwise.generators.sequential`):

1. the entity model: static attributes, sequence length and start from a tabular generator (``cart``
   by default), so lengths come from their empirical distribution conditional on the static attributes;
2. the step model: every step is a chain of variables (the gap since the previous step, then each
   time-varying column; :mod:`synthwise.generators.sequential.chain`) drawn one after the other from
   donor trees (:mod:`synthwise.generators.donor_tree`), fitted on the entity context, the position, the
   values of the previous ``n_lags`` steps, the last observed values and the variables of the current
   step drawn so far;
3. wide numerics and datetimes are drawn as *differences* from their last observed value (a leaf of
   real increments), so trajectories stay smooth and keep their autocorrelation; the first value of a
   column in an entity is drawn as a level. Datetimes in the index are gaps, never negative.

Conditions fix static columns (native, through the entity model). The model file holds the donor pools
(real values and increments): share it only where the real table may go.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities
from synthwise.generators.donor_tree import DonorTree, fit_donor_tree, to_float32
from synthwise.generators.registry import register_generator
from synthwise.generators.sequential.base import SequentialGenerator
from synthwise.generators.sequential.chain import (
    History,
    StepVar,
    base_width,
    chain_to_steps,
    chain_values,
    features,
    fill_values,
    make_chain,
    training_state,
)
from synthwise.generators.sequential.layout import Sequences


@register_generator("sequential_ar")
class SequentialAR(SequentialGenerator):
    """Autoregressive CART for sequences (see the module docstring).

    Parameters (keyword-only):

    * ``n_lags``: previous steps every variable is predicted from, an int >= 1; default 2.
    * ``min_samples_leaf``: smallest donor pool of a step tree, an int >= 1; default 5.
    * ``max_depth``: None or an int >= 1, the depth limit of the step trees.
    * ``differences``: draw wide numerics as increments from their last observed value (default True)
      or as levels (False).
    * ``entity_generator``: the registered tabular generator of the entity table; default ``"cart"``.
    * ``max_rows_per_tree``: fit each tree on at most this many rows (every row stays a donor).
    * ``seed``: randomness for fitting and the default for sampling.
    """

    summary = "Autoregressive CART over steps + tabular model of entities (lengths, static columns). Fast."
    capabilities = Capabilities(conditions="native", data="sequential")

    def __init__(
        self,
        *,
        n_lags: int = 2,
        min_samples_leaf: int = 5,
        max_depth: int | None = None,
        differences: bool = True,
        entity_generator: str = "cart",
        max_rows_per_tree: int | None = 100_000,
        seed: Seed = None,
    ) -> None:
        self.n_lags = n_lags
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.differences = differences
        self.entity_generator = entity_generator
        self.max_rows_per_tree = max_rows_per_tree
        self.seed = seed

    def _validate_params(self) -> None:
        def is_int(v: Any, lo: int) -> bool:
            return bool(isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= lo)

        name = "SequentialAR"
        if not is_int(self.n_lags, 1):
            raise InvalidParameterError.expected("n_lags", name, "an int >= 1", self.n_lags)
        if not is_int(self.min_samples_leaf, 1):
            raise InvalidParameterError.expected(
                "min_samples_leaf", name, "an int >= 1", self.min_samples_leaf
            )
        if self.max_depth is not None and not is_int(self.max_depth, 1):
            raise InvalidParameterError.expected("max_depth", name, "None or an int >= 1", self.max_depth)
        if not isinstance(self.differences, bool):
            raise InvalidParameterError.expected("differences", name, "True or False", self.differences)
        if not isinstance(self.entity_generator, str):
            raise InvalidParameterError.expected(
                "entity_generator", name, "a registered tabular generator name", self.entity_generator
            )
        if self.max_rows_per_tree is not None and not is_int(self.max_rows_per_tree, 10):
            raise InvalidParameterError.expected(
                "max_rows_per_tree", name, "None or an int >= 10", self.max_rows_per_tree
            )

    # -- fit --------------------------------------------------------------------------------------------
    def _fit_steps(self, seqs: Sequences, context: np.ndarray, rng: np.random.Generator) -> None:
        layout = self.layout_
        code_schema = self.transformer_.code_schema
        self.chain_ = make_chain(code_schema, layout.steps, seqs.steps, layout.index is not None)
        rows = chain_values(self.chain_, seqs.steps, seqs.gaps)
        gap_var = 0 if layout.index is not None else None
        elapsed, last = training_state(rows, seqs.lengths, gap_var)
        history = History.from_rows(rows, seqs.lengths)
        ent, pos = seqs.entity_of_row, seqs.position
        x = features(history, context, ent, pos, n_lags=int(self.n_lags), elapsed=elapsed, last=last)
        self.fill_ = fill_values(x)
        xf = to_float32(np.where(np.isnan(x), self.fill_, x))
        base = base_width(context.shape[1], len(self.chain_), int(self.n_lags))
        seed_seq = int(rng.integers(0, 2**31 - 1))
        self.level_trees_: list[DonorTree] = []
        self.delta_trees_: list[DonorTree | None] = []
        for j, var in enumerate(self.chain_):
            cols = xf[:, : base + j]
            y = rows[:, j]
            rs = int(np.random.SeedSequence([seed_seq, j]).generate_state(1)[0] % (2**31 - 1))
            if var.part == "gap":
                use = pos > 0
            elif var.part == "value":
                use = ~np.isnan(y)
            else:
                use = np.ones(len(y), dtype=bool)
            delta: DonorTree | None = None
            if var.part == "value" and self.differences:
                base_value = last[:, j]
                has_base = use & ~np.isnan(base_value)
                delta = self._tree(cols[has_base], y[has_base] - base_value[has_base], False, rs + 1)
                use = use & ~has_base
            self.level_trees_.append(self._tree(cols[use], y[use], var.discrete, rs))
            self.delta_trees_.append(delta)

    def _tree(self, x: np.ndarray, y: np.ndarray, discrete: bool, rs: int) -> DonorTree:
        return fit_donor_tree(
            x,
            y,
            discrete=discrete,
            min_samples_leaf=int(self.min_samples_leaf),
            max_depth=self.max_depth,
            random_state=rs,
            max_rows=self.max_rows_per_tree,
        )

    # -- sample -----------------------------------------------------------------------------------------
    def _sample_steps(
        self, context: np.ndarray, lengths: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        n, n_vars = len(lengths), len(self.chain_)
        t_max = int(lengths.max())
        history = History.empty(n, t_max, n_vars, lengths)
        last = np.full((n, n_vars), np.nan)
        elapsed = np.zeros(n)
        base = base_width(context.shape[1], n_vars, int(self.n_lags))
        flags = {var.source: v for v, var in enumerate(self.chain_) if var.part == "missing"}
        for t in range(t_max):
            ent = np.flatnonzero(lengths > t)
            x_all = features(
                history,
                context,
                ent,
                np.full(len(ent), t),
                n_lags=int(self.n_lags),
                elapsed=elapsed[ent],
                last=last[ent],
            )
            for j, var in enumerate(self.chain_):
                if var.part == "gap" and t == 0:
                    continue
                todo = np.ones(len(ent), dtype=bool)
                if var.part == "value" and var.source in flags:
                    todo = history.values[ent, t, flags[var.source]] == 0
                if not todo.any():
                    continue
                e = ent[todo]
                x = x_all[todo, : base + j]
                xf = to_float32(np.where(np.isnan(x), self.fill_[: base + j], x))
                drawn = self._draw(j, var, xf, last[e, j], rng)
                history.values[e, t, j] = drawn
                x_all[todo, base + j] = drawn
            now = history.values[ent, t]
            last[ent] = np.where(np.isnan(now), last[ent], now)
            if self.layout_.index is not None and t > 0:
                elapsed[ent] += np.nan_to_num(np.maximum(now[:, 0], 0.0))
        rows = history.values[np.repeat(np.arange(n), lengths), _positions(lengths)]
        return chain_to_steps(self.chain_, rows, len(self.layout_.steps))

    def _draw(
        self, j: int, var: StepVar, x: np.ndarray, base_value: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        delta = self.delta_trees_[j]
        level = self.level_trees_[j]
        if delta is None:
            return level.draw(x, rng)
        out = np.empty(len(x))
        has = ~np.isnan(base_value)
        if has.any():
            out[has] = base_value[has] + delta.draw(x[has], rng)
        if (~has).any():
            out[~has] = level.draw(x[~has], rng)
        return out

    # -- model files ------------------------------------------------------------------------------------
    def _step_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "chain": [[v.part, v.source] for v in self.chain_],
            "has_delta": [d is not None for d in self.delta_trees_],
        }
        arrays: dict[str, np.ndarray] = {"fill": self.fill_}
        for j, (lv, dl) in enumerate(zip(self.level_trees_, self.delta_trees_, strict=True)):
            arrays.update(lv.arrays(f"level{j}_"))
            if dl is not None:
                arrays.update(dl.arrays(f"delta{j}_"))
        return meta, arrays

    def _set_step_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.chain_ = [StepVar(str(p), int(s)) for p, s in meta["chain"]]
        self.fill_ = arrays["fill"]
        self.level_trees_ = [DonorTree.from_arrays(arrays, f"level{j}_") for j in range(len(self.chain_))]
        self.delta_trees_ = [
            DonorTree.from_arrays(arrays, f"delta{j}_") if has else None
            for j, has in enumerate(meta["has_delta"])
        ]


def _positions(lengths: np.ndarray) -> np.ndarray:
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
