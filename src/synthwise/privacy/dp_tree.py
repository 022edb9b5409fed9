"""A tree-structured model estimated from noisy marginals (the estimation and sampling half of MST).

Everything here is post-processing of DP releases: it never sees private data.

* :func:`project_simplex`: the non-negative vector closest (Euclidean) to a noisy one with a given total;
* :func:`coarse_groups`: merges fine cells into at most ``n_groups`` coarse cells for the 2-way model
  (equal noisy mass along the value order for continuous columns; frequent categories on their own and
  the rare ones together for categorical columns; missing always on its own);
* :func:`combine` pools independent noisy estimates of the same cells by inverse variance;
* :func:`fit_pair`: a non-negative 2-way table with exactly the given 1-way margins (iterative
  proportional fitting from the projected noisy table), so all pair tables of the tree agree;
* :class:`TreeModel`: the tree-factored distribution ``p(root) prod p(child | parent)`` and its sampler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthwise.privacy.dp_cells import MISSING, OTHER, POINT, Cells

MAX_CATEGORY_GROUPS = 48


def project_simplex(y: np.ndarray, total: float, *, zero: np.ndarray | None = None) -> np.ndarray:
    """The point of ``{x >= 0, sum(x) = total}`` nearest to ``y``: ``max(y - c, 0)`` for the right ``c``;
    entries where ``zero`` is True are held at 0 (cells known to be empty, such as the missing cell of a
    column declared without missing values)."""
    y = np.asarray(y, dtype=np.float64).ravel()
    if zero is not None and zero.any():
        out = np.zeros_like(y)
        keep = ~np.asarray(zero, dtype=bool).ravel()
        out[keep] = project_simplex(y[keep], total)
        return out
    if total <= 0 or len(y) == 0:
        return np.zeros_like(y)
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - total
    k = np.arange(1, len(u) + 1)
    positive = np.flatnonzero(u - css / k > 0)
    c = css[positive[-1]] / (positive[-1] + 1) if len(positive) else (np.sum(y) - total) / len(y)
    return np.maximum(y - c, 0.0)


def combine(estimates: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Inverse-variance pooling of ``[(values, variances), ...]`` estimating the same cells."""
    num = np.zeros_like(estimates[0][0], dtype=np.float64)
    den = np.zeros_like(num)
    for values, var in estimates:
        w = 1.0 / np.maximum(var, 1e-12)
        num += w * values
        den += w
    return np.asarray(num / den)


def coarse_groups(
    cells: Cells, mass: np.ndarray, *, n_groups: int, rare_below: float, ordered: bool
) -> np.ndarray:
    """The coarse group of each fine cell (see the module docstring); groups are numbered 0..G-1."""
    group = np.full(len(cells), -1, dtype=np.int64)
    values = np.flatnonzero(cells.kind <= POINT)
    g = 0
    if ordered and len(values):
        order = values[np.argsort((cells.lo[values] + cells.hi[values]) / 2.0, kind="stable")]
        m = np.maximum(mass[order], 0.0)
        target = m.sum() / max(1, n_groups)
        acc = 0.0
        for i, cell in enumerate(order):
            if acc >= target and target > 0 and g < n_groups - 1 and m[i:].sum() > 0:
                g, acc = g + 1, 0.0
            group[cell] = g
            acc += m[i]
        g += 1
    elif len(values):
        order = values[np.argsort(-mass[values], kind="stable")]
        frequent = [c for c in order if mass[c] >= rare_below][: MAX_CATEGORY_GROUPS - 1]
        for cell in frequent:
            group[cell] = g
            g += 1
    rest = np.flatnonzero((group < 0) & (cells.kind != MISSING))
    if len(rest):
        group[rest] = g
        g += 1
    group[cells.kind == MISSING] = g
    return group


def within_group_weights(
    cells: Cells, mass: np.ndarray, group: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each coarse group: its fine cells and their sampling weights (summing to 1).

    An "other" cell (values that were not released) takes no weight of its own: its share goes to the
    released values of its group, or, when it is alone, to all released values; with none, to missing.
    """
    values = np.flatnonzero(cells.kind <= POINT)
    fallback_w = np.maximum(mass[values], 0.0)
    out = []
    for g in range(int(group.max()) + 1):
        members = np.flatnonzero(group == g)
        w = np.maximum(mass[members], 0.0)
        w = np.where(cells.kind[members] == OTHER, 0.0, w)
        if w.sum() <= 0:
            usable = cells.kind[members] <= POINT
            if (cells.kind[members] == MISSING).all():
                w = np.ones(len(members))
            elif usable.any():
                w = usable.astype(np.float64)
            elif len(values):
                members, w = values, (fallback_w if fallback_w.sum() > 0 else np.ones(len(values)))
            else:
                members, w = np.array([cells.missing]), np.ones(1)
        out.append((members, w / w.sum()))
    return out


def fit_pair(noisy: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, n_iter: int = 100) -> np.ndarray:
    """A non-negative table close to ``noisy`` whose row and column sums are ``rows`` and ``cols``."""
    total = float(rows.sum())
    table = project_simplex(noisy.ravel(), total).reshape(noisy.shape)
    if total <= 0:
        return table
    table = table + 1e-3 * np.outer(rows, cols) / total  # keeps every feasible cell reachable
    cols = cols * (total / max(cols.sum(), 1e-12))
    for _ in range(n_iter):
        rs = table.sum(axis=1)
        table *= np.divide(rows, rs, out=np.zeros_like(rows), where=rs > 0)[:, None]
        cs = table.sum(axis=0)
        table *= np.divide(cols, cs, out=np.zeros_like(cols), where=cs > 0)[None, :]
        if np.allclose(table.sum(axis=1), rows, rtol=1e-6, atol=1e-6 * total):
            break
    return table


@dataclass
class TreeModel:
    """``p(x) = prod_roots p(root) prod_edges p(child | parent)`` over coarse codes.

    ``order`` lists nodes parents-first; ``parent[i]`` is -1 for a root; ``tables[i]`` is the root's
    marginal (shape ``(K_i,)``) or the child's conditional table (shape ``(K_parent, K_i)``, rows sum to 1).
    """

    order: list[int]
    parent: list[int]
    tables: list[np.ndarray]

    @classmethod
    def from_marginals(cls, margins: list[np.ndarray], pairs: dict[tuple[int, int], np.ndarray]) -> TreeModel:
        """Root each connected component at its lowest node and orient the given pair tables outwards."""
        d = len(margins)
        adjacent: dict[int, list[int]] = {i: [] for i in range(d)}
        for a, b in pairs:
            adjacent[a].append(b)
            adjacent[b].append(a)
        parent = [-2] * d
        order: list[int] = []
        tables: list[np.ndarray] = [np.zeros(0)] * d
        for root in range(d):
            if parent[root] != -2:
                continue
            parent[root] = -1
            tables[root] = _normalize(margins[root])
            queue = [root]
            while queue:
                node = queue.pop(0)
                order.append(node)
                for child in sorted(adjacent[node]):
                    if parent[child] != -2:
                        continue
                    parent[child] = node
                    joint = pairs[(node, child)] if (node, child) in pairs else pairs[(child, node)].T
                    tables[child] = _conditional(joint, margins[child])
                    queue.append(child)
        return cls(order, parent, tables)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows of coarse codes, shape ``(n, d)``."""
        out = np.zeros((n, len(self.parent)), dtype=np.int64)
        for node in self.order:
            table = self.tables[node]
            u = rng.random(n)
            if self.parent[node] < 0:
                cdf = np.cumsum(table)
                out[:, node] = np.minimum(np.searchsorted(cdf, u * cdf[-1], "right"), len(table) - 1)
            else:
                cdf = np.cumsum(table, axis=1)
                rows = cdf[out[:, self.parent[node]]]
                out[:, node] = np.minimum((u[:, None] * rows[:, -1:] >= rows).sum(axis=1), table.shape[1] - 1)
        return out


def _normalize(p: np.ndarray) -> np.ndarray:
    p = np.maximum(np.asarray(p, dtype=np.float64), 0.0)
    s = p.sum()
    return p / s if s > 0 else np.full(len(p), 1.0 / len(p))


def _conditional(joint: np.ndarray, child_margin: np.ndarray) -> np.ndarray:
    fallback = _normalize(child_margin)
    rows = joint.sum(axis=1, keepdims=True)
    cond = np.divide(joint, rows, out=np.tile(fallback, (joint.shape[0], 1)), where=rows > 0)
    return np.asarray(cond)


def draw_cells(
    groups: np.ndarray, weights: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator
) -> np.ndarray:
    """For coarse group codes, a fine cell each, drawn by the group's within-group weights."""
    out = np.empty(len(groups), dtype=np.int64)
    u = rng.random(len(groups))
    for g, (members, w) in enumerate(weights):
        rows = np.flatnonzero(groups == g)
        if len(rows) == 0:
            continue
        cdf = np.cumsum(w)
        out[rows] = members[np.minimum(np.searchsorted(cdf, u[rows] * cdf[-1], "right"), len(members) - 1)]
    return out
