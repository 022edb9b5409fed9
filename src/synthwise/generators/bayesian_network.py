"""Bayesian network over discretized columns, in the spirit of PrivBayes / DataSynthesizer (non-private).

Fit:

1. every encoded column becomes integer states (:mod:`synthwise.generators.discretize`): categories as
   they are, numbers and datetimes as frequent values plus quantile bins (``n_bins``), missing as a state;
2. the structure is learned greedily (:mod:`synthwise.generators.bn_structure`): starting from no edges, add
   the edge ``u -> v`` with the largest BIC gain (log-likelihood gain minus ``penalty * log(n) / 2`` per
   free parameter) that keeps the graph acyclic and every node at most ``max_parents`` parents;
3. each conditional table is the full table or, when BIC prefers it, main effects only (a log-linear
   table with few parameters, which lets a weaker second parent in: the student effect on default given
   the balance), smoothed towards the node's marginal with ``smoothing`` pseudo-counts;
4. each numeric column's position inside its bin is tied to the column that explains it best (its state,
   and its own position when numeric), so values inside bins keep tight relations and shifts.

Sampling is ancestral (topological order); numbers are then drawn inside their bin from the real values'
distribution there. Conditions are native: evidence on columns (numbers map to their bin) is met by
likelihood weighting restricted to the evidence's ancestors, then importance resampling; the other
columns are drawn forward, which is exact. A condition outside the fitted domain has zero probability and
raises :class:`SamplingError` naming the column and the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.blocks import Blocks, MemoryBlocks
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.bn_structure import (
    ancestral_set,
    configs,
    cpt_from_counts,
    flat_cdf,
    learn_structure,
    node_counts,
    topological_order,
)
from synthwise.generators.discretize import (
    ColumnStates,
    Coupling,
    coupled_positions,
    fit_continuous,
    fit_couplings,
    fit_discrete,
)
from synthwise.generators.registry import register_generator
from synthwise.transforms import DISCRETE_KINDS, decode_column

MAX_STRUCTURE_ROWS = 50_000  # rows used to score structures (a seeded subsample beyond that)
MAX_WEIGHTED_DRAWS = 1_000_000  # cap on likelihood-weighting draws per condition pattern


@register_generator("bayesian_network")
class BayesianNetwork(Generator):
    """Bayesian network over discretized columns; greedy BIC structure with at most ``max_parents``.

    Parameters: ``n_bins`` (value states per numeric column, 2..1000; more = finer, sparser tables),
    ``max_parents`` (0..4; 0 = independent columns), ``smoothing`` (Dirichlet pseudo-counts >= 0 towards
    the marginal), ``penalty`` (multiplies the BIC complexity penalty, >= 0; 0 = maximum likelihood,
    which overfits), ``max_fit_rows`` (int >= 10: the states, structure and couplings are learned from
    a seeded sample of at most this many rows, 1,000,000 by default; the conditional tables always
    count every row),
    ``privacy`` ("off" by default, "balanced" or "strict":
    the privacy guard of :mod:`synthwise.generators.guard`), ``seed``.
    """

    summary = "Bayesian network on discretized columns (greedy BIC structure); native conditions."
    capabilities = Capabilities(conditions="native")

    def __init__(
        self,
        *,
        n_bins: int = 20,
        max_parents: int = 2,
        smoothing: float = 1.0,
        penalty: float = 1.0,
        max_fit_rows: int = 1_000_000,
        privacy: str = "off",
        seed: Seed = None,
    ) -> None:
        self.max_fit_rows = max_fit_rows
        self.n_bins = n_bins
        self.max_parents = max_parents
        self.smoothing = smoothing
        self.penalty = penalty
        self.privacy = privacy
        self.seed = seed

    def _validate_params(self) -> None:
        name = type(self).__name__
        if not _is_int(self.n_bins) or not 2 <= self.n_bins <= 1000:
            raise InvalidParameterError.expected("n_bins", name, "an int in [2, 1000]", self.n_bins)
        if not _is_int(self.max_parents) or not 0 <= self.max_parents <= 4:
            raise InvalidParameterError.expected("max_parents", name, "an int in [0, 4]", self.max_parents)
        if not _is_int(self.max_fit_rows) or self.max_fit_rows < 10:
            raise InvalidParameterError.expected("max_fit_rows", name, "an int >= 10", self.max_fit_rows)
        for key in ("smoothing", "penalty"):
            value = getattr(self, key)
            if not _is_real(value) or not 0 <= value < np.inf:
                raise InvalidParameterError.expected(key, name, "a finite float >= 0", value)

    # -- fit ------------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        self._fit_blocks(MemoryBlocks(codes), rng)

    def _fit_blocks(self, blocks: Blocks, rng: np.random.Generator) -> None:
        """Fit from two passes over ``blocks`` of codes (:mod:`synthwise.blocks`): the first gives each
        column's exact missing count and range and a seeded fit sample of at most ``max_fit_rows`` rows
        (every row when the table is no larger), from which the states (atoms, quantile bins, values
        inside them), the structure (on at most :data:`MAX_STRUCTURE_ROWS` of them) and the couplings
        are learned; the second counts every row into each node's conditional table, so marginals and
        tables are exact (when the sample is every row, its states are counted and there is no second
        read). In memory the table is one block; :mod:`synthwise.scale.fitting` passes
        Parquet row groups, with the same result."""
        n = blocks.n_rows
        code_schema = self.transformer_.code_schema
        self.names_ = [c.name for c in code_schema.columns]
        discrete = {c.name: len(c.categories) for c in code_schema.columns if c.kind in DISCRETE_KINDS}
        keep = (
            np.sort(rng.choice(n, int(self.max_fit_rows), replace=False))
            if n > self.max_fit_rows
            else np.arange(n)
        )
        facts = _merge_facts(blocks.map(_facts_block, _FactsContext(tuple(self.names_), keep)))
        sample = facts.sample
        self.states_ = [
            fit_discrete(c, sample[c].to_numpy(), discrete[c], facts.missing[c] > 0)
            if c in discrete
            else fit_continuous(
                c, sample[c].to_numpy(), int(self.n_bins), facts.missing[c] > 0, facts.span[c]
            )
            for c in self.names_
        ]
        data = self._to_states(sample)
        card = np.array([cs.n_states for cs in self.states_], dtype=np.int64)
        sub = data
        if len(data) > MAX_STRUCTURE_ROWS:
            sub = data[np.sort(rng.choice(len(data), MAX_STRUCTURE_ROWS, replace=False))]
        self.parent_idx_, self.main_effects_ = learn_structure(
            sub, card, int(self.max_parents), float(self.penalty)
        )
        if len(sample) == n:  # the sample is every row, its states already known: no second read
            counts = [node_counts(data, card, j, ps) for j, ps in enumerate(self.parent_idx_)]
        else:
            context = _CountContext(tuple(self.states_), tuple(self.parent_idx_))
            counts = [np.sum(parts, axis=0) for parts in zip(*blocks.map(_count_block, context), strict=True)]
        self.marginals_ = [c.sum(axis=0) for c in counts]
        self.cpts_ = [
            cpt_from_counts(c, card, self.parent_idx_[j], self.main_effects_[j], float(self.smoothing))
            for j, c in enumerate(counts)
        ]
        self.couplings_ = fit_couplings(self.states_, sample, topological_order(self.parent_idx_), rng)
        self._prepare()

    def _to_states(self, codes: pd.DataFrame) -> np.ndarray:
        return _states(self.states_, codes)

    def _prepare(self) -> None:
        """Derived state (topological order, flattened CDFs), rebuilt after fit and load."""
        self.card_ = np.array([cs.n_states for cs in self.states_], dtype=np.int64)
        self.order_ = topological_order(self.parent_idx_)
        self._cdfs = [flat_cdf(t) for t in self.cpts_]
        self.parents_ = {
            self.names_[j]: tuple(self.names_[p] for p in ps) for j, ps in enumerate(self.parent_idx_)
        }

    # -- sample ---------------------------------------------------------------------------------------
    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        d = len(self.names_)
        if conditions is None:
            data = np.zeros((n, d), dtype=np.int64)
            self._draw(data, self.order_, rng)
        else:
            data = self._sample_given(self._evidence(conditions[self.names_]), rng)
        u = coupled_positions(self.couplings_, self.order_, data, self.card_, rng)
        out = {cs.name: cs.sample(data[:, j], rng, u[:, j]) for j, cs in enumerate(self.states_)}
        return pd.DataFrame(out, index=pd.RangeIndex(n), columns=self.names_)

    def _draw(self, data: np.ndarray, nodes: list[int], rng: np.random.Generator) -> None:
        """Fill ``data[:, v]`` for ``nodes`` (in topological order) from their conditional tables."""
        for v in nodes:
            cfg = configs(data, self.parent_idx_[v], self.card_)
            r = int(self.card_[v])
            idx = np.searchsorted(self._cdfs[v], cfg + rng.random(len(data)), side="right")
            data[:, v] = np.clip(idx - cfg * r, 0, r - 1)

    def _evidence(self, cond: pd.DataFrame) -> np.ndarray:
        """Condition codes to evidence states (-1 = free); zero-probability values raise at once."""
        ev = np.full(cond.shape, -1, dtype=np.int64)
        bad: list[str] = []
        for j, cs in enumerate(self.states_):
            codes = cond.iloc[:, j].to_numpy(dtype=np.float64)
            given = ~np.isnan(codes)
            if not given.any():
                continue
            states = cs.to_states(codes[given])
            zero = states < 0
            zero[~zero] = self.marginals_[j][states[~zero]] == 0
            for code in np.unique(codes[given][zero]):
                bad.append(f"{cs.name}={self._describe(cs.name, float(code))}")
            ev[given, j] = states
        if bad:
            raise SamplingError(
                f"The condition {', '.join(bad)} has zero probability: the value never occurs in (or lies "
                "outside the range of) the data the model was fitted on. Fix: condition on values seen in "
                "the training data, or refit on data that holds them."
            )
        return ev

    def _describe(self, name: str, code: float) -> str:
        try:
            value = decode_column(np.array([code]), self.transformer_.code_schema[name], clip=False).iloc[0]
        except Exception:  # a value that cannot even be decoded: show the code
            return repr(code)
        return repr(value.item() if isinstance(value, np.generic) else value)

    def _sample_given(self, ev: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        data = np.zeros(ev.shape, dtype=np.int64)
        patterns, inverse = np.unique(ev, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        for g, pattern in enumerate(patterns):
            rows = np.flatnonzero(inverse == g)
            data[rows] = self._sample_pattern(pattern, len(rows), rng)
        return data

    def _sample_pattern(self, pattern: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows of states drawn from the network given the evidence ``pattern`` (-1 = free)."""
        evidence = [int(v) for v in np.flatnonzero(pattern >= 0)]
        ancestral = ancestral_set(evidence, self.parent_idx_)
        in_ancestral = [v for v in self.order_ if v in ancestral]
        free = [v for v in in_ancestral if pattern[v] < 0]
        weighted = [v for v in evidence if any(p in free for p in self.parent_idx_[v])]
        if not weighted:  # the evidence has no free ancestor: drawing forward is already exact
            data = np.zeros((n, len(pattern)), dtype=np.int64)
            data[:, evidence] = pattern[evidence]
            self._draw(data, free, rng)
        else:
            data = self._weighted(pattern, free, weighted, n, rng)
        self._draw(data, [v for v in self.order_ if v not in ancestral], rng)
        return data

    def _weighted(
        self, pattern: np.ndarray, free: list[int], weighted: list[int], n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Likelihood weighting over the evidence's ancestors, then importance resampling of ``n`` rows."""
        keep = sorted(ancestral_set(list(np.flatnonzero(pattern >= 0)), self.parent_idx_))
        evidence = np.flatnonzero(pattern >= 0)
        pools: list[np.ndarray] = []
        logws: list[np.ndarray] = []
        batch, total = max(20 * n, 5000), 0
        while True:
            chunk = np.zeros((batch, len(pattern)), dtype=np.int64)
            chunk[:, evidence] = pattern[evidence]
            self._draw(chunk, free, rng)
            logw = np.zeros(batch)
            with np.errstate(divide="ignore"):
                for v in weighted:
                    cfg = configs(chunk, self.parent_idx_[v], self.card_)
                    logw += np.log(self.cpts_[v][cfg, pattern[v]])
            pools.append(chunk[:, keep])
            logws.append(logw)
            total += batch
            lw = np.concatenate(logws)
            w = np.exp(lw - lw.max()) if np.isfinite(lw.max()) else np.zeros(total)
            done = w.sum() > 0 and w.sum() ** 2 / (w**2).sum() >= n
            if done or total >= MAX_WEIGHTED_DRAWS:
                break
            batch = min(total, 100_000, MAX_WEIGHTED_DRAWS - total)
        if w.sum() <= 0:
            desc = ", ".join(self._describe_state(v, int(pattern[v])) for v in map(int, evidence))
            raise SamplingError(
                f"The condition {desc} has zero probability under this model (no draw out of {total:,} "
                "met it). Fix: relax the condition, or refit with smoothing > 0."
            )
        data = np.zeros((n, len(pattern)), dtype=np.int64)
        data[:, keep] = np.vstack(pools)[rng.choice(total, size=n, p=w / w.sum())]
        return data

    def _describe_state(self, v: int, state: int) -> str:
        """``column=value`` for a category or a frequent value, ``column in [low, high]`` for a bin."""
        cs = self.states_[v]
        if cs.discrete or state < len(cs.atoms):
            code = float(state) if cs.discrete else float(cs.atoms[state])
            return f"{cs.name}={self._describe(cs.name, code)}"
        b = state - len(cs.atoms)
        lo, hi = (self._describe(cs.name, float(e)) for e in cs.edges[b : b + 2])
        return f"{cs.name} in [{lo}, {hi}]"

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {
            "names": self.names_,
            "parents": [list(map(int, p)) for p in self.parent_idx_],
            "main_effects": [bool(m) for m in self.main_effects_],
            "columns": [],
        }
        arrays: dict[str, np.ndarray] = {}
        for j, cs in enumerate(self.states_):
            c_meta, c_arrays = cs.state()
            meta["columns"].append(c_meta)
            arrays.update({f"c{j}_{k}": v for k, v in c_arrays.items()})
            arrays[f"cpt{j}"] = self.cpts_[j]
            arrays[f"marginal{j}"] = self.marginals_[j]
        for j, cpl in enumerate(self.couplings_):
            arrays[f"coupling{j}"] = cpl.coef
        meta["anchors"] = [cpl.anchor for cpl in self.couplings_]
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.names_ = list(meta["names"])
        self.parent_idx_ = [tuple(int(p) for p in ps) for ps in meta["parents"]]
        self.main_effects_ = [bool(m) for m in meta["main_effects"]]
        self.states_ = []
        for j, c_meta in enumerate(meta["columns"]):
            prefix = f"c{j}_"
            c_arrays = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            self.states_.append(ColumnStates.from_state(c_meta, c_arrays))
        self.cpts_ = [np.asarray(arrays[f"cpt{j}"], dtype=np.float64) for j in range(len(self.names_))]
        self.marginals_ = [
            np.asarray(arrays[f"marginal{j}"], dtype=np.float64) for j in range(len(self.names_))
        ]
        self.couplings_ = [
            Coupling(int(a), np.asarray(arrays[f"coupling{j}"], dtype=np.float64))
            for j, a in enumerate(meta["anchors"])
        ]
        self._prepare()


def _states(states: list[ColumnStates] | tuple[ColumnStates, ...], codes: pd.DataFrame) -> np.ndarray:
    """Codes to states, a value outside a column's states taking the nearest one."""
    cols = [cs.nearest_states(codes[cs.name].to_numpy()) for cs in states]
    return np.column_stack(cols) if cols else np.zeros((len(codes), 0), dtype=np.int64)


# -- passes over blocks (pure functions of a context, a block of codes and its row offset) -----------------
@dataclass(frozen=True)
class _FactsContext:
    names: tuple[str, ...]
    keep: np.ndarray  # the fit sample's rows, sorted


@dataclass
class _Facts:
    sample: pd.DataFrame
    missing: dict[str, int]
    span: dict[str, tuple[float, float] | None]  # smallest and largest present value


def _facts_block(ctx: _FactsContext, codes: pd.DataFrame, offset: int) -> _Facts:
    keep = ctx.keep[(ctx.keep >= offset) & (ctx.keep < offset + len(codes))] - offset
    missing, span = {}, {}
    for name in ctx.names:
        x = codes[name].to_numpy(dtype=np.float64)
        present = x[~np.isnan(x)]
        missing[name] = len(x) - len(present)
        span[name] = (float(present.min()), float(present.max())) if len(present) else None
    whole = len(keep) == len(codes)  # every row of the block (a table no larger than the sample)
    return _Facts(
        codes.reset_index(drop=True) if whole else codes.iloc[keep].reset_index(drop=True), missing, span
    )


def _merge_facts(parts: list[_Facts]) -> _Facts:
    """Pass-1 parts in block order as one: the sample's rows concatenated, counts added, ranges joined."""
    first = parts[0]
    span: dict[str, tuple[float, float] | None] = {}
    for name in first.missing:
        seen = [s for p in parts if (s := p.span[name]) is not None]
        span[name] = (min(s[0] for s in seen), max(s[1] for s in seen)) if seen else None
    sample = pd.concat([p.sample for p in parts], ignore_index=True) if len(parts) > 1 else first.sample
    return _Facts(sample, {k: sum(p.missing[k] for p in parts) for k in first.missing}, span)


@dataclass(frozen=True)
class _CountContext:
    states: tuple[ColumnStates, ...]
    parents: tuple[tuple[int, ...], ...]


def _count_block(ctx: _CountContext, codes: pd.DataFrame, offset: int) -> list[np.ndarray]:
    """Each node's (parent combinations, states) counts over the block's rows."""
    data = _states(ctx.states, codes)
    card = np.array([cs.n_states for cs in ctx.states], dtype=np.int64)
    return [node_counts(data, card, j, ps) for j, ps in enumerate(ctx.parents)]


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
