"""Learning and using the discrete network: greedy structure search, conditional tables, sampling helpers.

Plain functions on integer state matrices (rows x columns, one state per cell, see
:mod:`synthwise.generators.discretize`), used by :mod:`synthwise.generators.bayesian_network`:

* :func:`learn_structure`: greedy edge addition by BIC gain, acyclic, at most ``max_parents`` per node;
* :func:`node_counts`, :func:`cpt_from_counts`: a node's counts, and from them its conditional table,
  either the full table or, when BIC prefers it, main effects only (a log-linear table fitted by
  iterative proportional fitting), shrunk towards the marginal;
* :func:`topological_order`, :func:`ancestral_set`, :func:`configs`, :func:`flat_cdf` for sampling.
"""

from __future__ import annotations

import numpy as np

from synthwise.errors import InvalidParameterError

MAX_CELLS = 1_000_000  # largest conditional table (parent combinations x states) considered


def configs(data: np.ndarray, parents: tuple[int, ...] | list[int], card: np.ndarray) -> np.ndarray:
    """Mixed-radix index of each row's parent states (0 when there are no parents)."""
    cfg = np.zeros(len(data), dtype=np.int64)
    for p in parents:
        cfg = cfg * card[p] + data[:, p]
    return cfg


def flat_cdf(cpt: np.ndarray) -> np.ndarray:
    """Row-wise CDFs, each shifted by its row index, flattened: one searchsorted samples every row."""
    cdf = np.cumsum(cpt, axis=1)
    cdf /= cdf[:, -1:]
    return (cdf + np.arange(len(cpt))[:, None]).ravel()


def node_counts(data: np.ndarray, card: np.ndarray, child: int, parents: tuple[int, ...]) -> np.ndarray:
    """Rows per (parent combination, child state), a (combinations, states) float table."""
    r = int(card[child])
    q = int(np.prod([card[p] for p in parents])) if parents else 1
    cfg = configs(data, parents, card)
    return np.bincount(cfg * r + data[:, child], minlength=q * r).reshape(q, r).astype(np.float64)


def _loglik(counts: np.ndarray, probs: np.ndarray) -> float:
    nz = counts > 0
    return float((counts[nz] * np.log(probs[nz])).sum())


def fit_main_effects(counts: np.ndarray, shape: tuple[int, ...], *, n_iter: int = 60) -> list[np.ndarray]:
    """Factors of ``P(child | parents)`` with main effects only: ``P ∝ prod_i F_i[parent_i, child]``.

    Iterative proportional fitting of the (parent_i, child) margins over the parent combinations that
    occur: the maximum-entropy table that reproduces every pairwise parent-child count, with
    ``(r - 1) * sum(q_i - 1)`` free parameters instead of the full table's ``(r - 1) * (prod(q_i) - 1)``.
    """
    r = counts.shape[1]
    rows = counts.sum(axis=1)
    seen = np.flatnonzero(rows > 0)
    idx = np.unravel_index(seen, shape)
    cnt, n_c = counts[seen], rows[seen][:, None]
    keys = [(i[:, None] * r + np.arange(r)).ravel() for i in idx]
    targets = [
        np.bincount(k, weights=cnt.ravel(), minlength=q * r).reshape(q, r)
        for k, q in zip(keys, shape, strict=True)
    ]
    factors = [np.ones((q, r)) for q in shape]
    for _ in range(n_iter):
        worst = 0.0
        for i, q in enumerate(shape):
            p = _main_effects_probs(factors, idx)
            expected = np.bincount(keys[i], weights=(n_c * p).ravel(), minlength=q * r).reshape(q, r)
            ratio = np.divide(targets[i], expected, out=np.ones_like(expected), where=expected > 0)
            worst = max(worst, float(np.abs(ratio[targets[i] > 0] - 1).max(initial=0.0)))
            factors[i] *= ratio
            top = factors[i].max(axis=1, keepdims=True)
            factors[i] /= np.where(top > 0, top, 1.0)  # rescaling a row leaves P unchanged
        if worst < 1e-4:
            break
    return factors


def _main_effects_probs(factors: list[np.ndarray], idx: tuple[np.ndarray, ...]) -> np.ndarray:
    """``P(child | parents)`` for the parent combinations ``idx`` (one index array per parent)."""
    p = factors[0][idx[0]].copy()
    for f, i in zip(factors[1:], idx[1:], strict=True):
        p *= f[i]
    total = p.sum(axis=1, keepdims=True)
    return np.divide(p, total, out=np.full_like(p, 1.0 / p.shape[1]), where=total > 0)


def local_gain(
    data: np.ndarray,
    card: np.ndarray,
    child: int,
    parents: tuple[int, ...],
    penalty: float,
    floor: float = -np.inf,
) -> tuple[float, bool]:
    """BIC gain of ``parents`` for ``child`` over no parents, and whether main effects beat the full table.

    Gain = log-likelihood gain - ``penalty * log(n) / 2`` x free parameters, counted over the states that
    occur: ``(r - 1) * (q - 1)`` for the full table, ``(r - 1) * sum(q_i - 1)`` for main effects (two or
    more parents). Main effects let a second parent in whose effect does not depend on the first. They
    are only fitted when they could beat both the full table and ``floor``.
    """
    n = len(data)
    r = int(card[child])
    shape = tuple(int(card[p]) for p in parents)
    if n == 0 or int(np.prod(shape)) * r > MAX_CELLS:
        return -np.inf, False
    counts = node_counts(data, card, child, parents)
    marg = counts.sum(axis=0)
    rows = counts.sum(axis=1, keepdims=True)
    base = _loglik(marg, marg / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        full_ll = _loglik(counts, counts / rows)
    unit = penalty * 0.5 * np.log(n) * (int((marg > 0).sum()) - 1)
    full = full_ll - base - unit * (int((rows > 0).sum()) - 1)
    if len(parents) < 2:
        return float(full), False
    states_seen = [int((np.bincount(data[:, p]) > 0).sum()) for p in parents]
    main_cost = unit * sum(q - 1 for q in states_seen)
    if full_ll - base - main_cost <= max(full, floor):  # main effects cannot beat the table or the node
        return float(full), False
    seen = np.flatnonzero(counts.sum(axis=1) > 0)
    probs = _main_effects_probs(fit_main_effects(counts, shape), np.unravel_index(seen, shape))
    main = _loglik(counts[seen], probs) - base - main_cost
    return (float(main), True) if main > full else (float(full), False)


def learn_structure(
    data: np.ndarray, card: np.ndarray, max_parents: int, penalty: float
) -> tuple[list[tuple[int, ...]], list[bool]]:
    """Greedy edge addition by BIC gain; acyclic, at most ``max_parents`` parents per node.

    Returns each node's parents and whether its table uses main effects only (see :func:`local_gain`).
    """
    d = data.shape[1]
    parents: list[tuple[int, ...]] = [() for _ in range(d)]
    main = [False] * d
    current = np.zeros(d)
    cache: dict[tuple[int, tuple[int, ...]], tuple[float, bool]] = {}

    def gain(v: int, ps: tuple[int, ...]) -> float:
        if (v, ps) not in cache:
            cache[(v, ps)] = local_gain(data, card, v, ps, penalty, current[v])
        return cache[(v, ps)][0]

    while max_parents > 0:
        best, move = 1e-9, None
        children = [[c for c in range(d) if v in parents[c]] for v in range(d)]
        for v in range(d):
            if len(parents[v]) >= max_parents:
                continue
            below = _descendants(v, children)
            for u in range(d):
                if u == v or u in parents[v] or u in below:
                    continue
                ps = tuple(sorted((*parents[v], u)))
                delta = gain(v, ps) - current[v]
                if delta > best:
                    best, move = delta, (v, ps)
        if move is None:
            break
        v, ps = move
        parents[v] = ps
        current[v], main[v] = cache[(v, ps)]
    return parents, main


def _descendants(v: int, children: list[list[int]]) -> set[int]:
    seen: set[int] = set()
    stack = [v]
    while stack:
        for c in children[stack.pop()]:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen


def ancestral_set(nodes: list[int], parents: list[tuple[int, ...]]) -> set[int]:
    seen = set(nodes)
    stack = list(nodes)
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def topological_order(parents: list[tuple[int, ...]]) -> list[int]:
    """Nodes with every parent before its children (ties broken by column order)."""
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < len(parents):
        ready = [v for v in range(len(parents)) if v not in placed and all(p in placed for p in parents[v])]
        if not ready:
            raise InvalidParameterError("The network has a cycle. Fix: refit the model.")
        order.extend(ready)
        placed.update(ready)
    return order


def cpt_from_counts(
    counts: np.ndarray, card: np.ndarray, parents: tuple[int, ...], main_effects: bool, smoothing: float
) -> np.ndarray:
    """``P(child | parents)`` as a (parent combinations, states) table, shrunk towards the marginal, from
    the node's counts (:func:`node_counts`; a fit over blocks adds its blocks' counts).

    ``(N_c * P + smoothing * marginal) / (N_c + smoothing)`` per parent combination ``c`` seen ``N_c``
    times, with ``P`` the observed frequencies (full table) or the main-effects fit, which also predicts
    combinations never seen (counted as ``smoothing`` pseudo-rows there).
    """
    r = counts.shape[1]
    marg = counts.sum(axis=0)
    prior = marg / marg.sum() if marg.sum() > 0 else np.full(r, 1.0 / r)
    rows = counts.sum(axis=1, keepdims=True)
    if main_effects:
        weight = rows + smoothing
        shape = tuple(int(card[p]) for p in parents)
        every = np.unravel_index(np.arange(len(counts)), shape)
        probs = _main_effects_probs(fit_main_effects(counts, shape), every)
    else:
        weight = rows
        probs = counts / np.where(rows > 0, rows, 1.0)
    denom = weight + smoothing
    cpt = (weight * probs + smoothing * prior) / np.where(denom > 0, denom, 1.0)
    cpt[denom[:, 0] == 0] = prior
    return cpt
