"""Rare-event simulation: raise a value's share in generated data, keeping the rest conditional on it.

``sample_boosted(gen, 10_000, {"default": {"Yes": 5}}, reference=real)`` returns 10,000 rows in which
``default == "Yes"`` has 5 times its share in ``reference`` (3.3% -> 16.5%). The boosted rows are drawn
with ``conditions`` (so their other columns follow the generator's distribution GIVEN the value), the
other rows unconditionally with the boosted values rejected (so they follow the distribution given the
value is NOT boosted, with the unboosted values in their real proportions). The shares are exact up to
rounding to whole rows, whatever the generator's own share of the value.

A factor below 1 lowers a share the same way. The largest factor of a value is ``1 / share``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.generators.base import Generator
from synthwise.random import make_rng

Boost = Mapping[str, Mapping[Any, float]]


def parse_boost(items: Sequence[str]) -> dict[str, dict[str, float]]:
    """``["student=Yes:3", "student=No:0.5"]`` -> ``{"student": {"Yes": 3.0, "No": 0.5}}``.

    The value is everything between the first ``=`` and the last ``:``, so values may hold ``:``.
    """
    out: dict[str, dict[str, float]] = {}
    for item in items:
        col, eq, rest = item.partition("=")
        value, colon, factor = rest.rpartition(":")
        try:
            f = float(factor)
        except ValueError:
            f = float("nan")
        if not eq or not colon or not col or not value or not np.isfinite(f):
            raise InvalidParameterError(
                f"--boost {item!r} is not COL=VALUE:FACTOR. Fix: write e.g. --boost default=Yes:5."
            )
        out.setdefault(col.strip(), {})[value] = f
    return out


def resolve_value(generator: Generator, column: str, value: Any) -> Any:
    """The category of ``column`` that ``value`` names: equal to it, or equal to it as text ("3" -> 3)."""
    schema = generator.schema_
    if column not in schema:
        raise InvalidParameterError(
            f"Cannot boost {column!r}: no such column. Fix: use one of {schema.names}."
        )
    col = schema[column]
    if col.kind not in ("categorical", "boolean", "constant"):
        raise InvalidParameterError(
            f"Cannot boost column {column!r} of kind {col.kind!r}: only categorical values have a share. "
            "Fix: boost a categorical column, or bin this one first."
        )
    values = col.bool_labels or col.categories  # a boolean written as words holds the words
    for cat in values:
        if _same(cat, value):
            return cat
    matches = [cat for cat in values if str(cat) == str(value)]
    if len(matches) != 1:
        raise InvalidParameterError(
            f"Cannot boost {column!r}={value!r}: the value is not one of its categories "
            f"{list(col.categories)[:10]}. Fix: use one of them."
        )
    return matches[0]


def _same(a: Any, b: Any) -> bool:
    flags = (isinstance(a, bool | np.bool_), isinstance(b, bool | np.bool_))
    if any(flags):
        return all(flags) and bool(a) == bool(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def round_counts(n: int, weights: Sequence[float]) -> list[int]:
    """Whole counts summing to ``n`` in the proportions ``weights`` (largest remainders get the leftovers).

    All-zero weights give all-zero counts.
    """
    w = np.asarray(weights, dtype=np.float64)
    if not w.sum() > 0:
        return [0] * len(w)
    raw = n * w / w.sum()
    counts = np.floor(raw).astype(np.int64)
    left = int(n - counts.sum())
    if left > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:left]] += 1
    return [int(c) for c in counts]


def boost_counts(
    n: int, shares: Mapping[Any, float], factors: Mapping[Any, float], column: str
) -> dict[Any, int]:
    """Rows per boosted value (the rest are unboosted rows). Raises when the boosted shares exceed 100%."""
    targets: dict[Any, float] = {}
    for value, factor in factors.items():
        if not factor >= 0:
            raise InvalidParameterError.expected(
                "factor", f"boost of {column!r}={value!r}", "a float >= 0", factor
            )
        share = float(shares.get(value, 0.0))
        if share <= 0 and factor > 0:
            raise InvalidParameterError(
                f"Cannot boost {column!r}={value!r}: it never occurs in the reference rows, and any factor "
                "times a share of 0 is 0. Fix: condition on it instead (sample(n, conditions={...}))."
            )
        targets[value] = share * factor
    total = sum(targets.values())
    if total > 1 + 1e-9:
        worst = max(factors, key=lambda v: targets[v])
        raise InvalidParameterError(
            f"Boosting {column!r} asks for a share of {total:.1%} for {sorted(map(str, factors))}, "
            "above 100%. "
            f"Fix: lower the factor; {column!r}={worst!r} has a real share of {shares[worst]:.2%}, so its "
            f"largest factor is {1 / shares[worst]:.1f}."
        )
    counts = round_counts(n, [*targets.values(), max(0.0, 1.0 - total)])
    return dict(zip(targets, counts[:-1], strict=True))


def sample_boosted(
    generator: Generator,
    n: int,
    boost: Boost,
    *,
    reference: pd.DataFrame | None = None,
    conditions: Mapping[str, Any] | None = None,
    seed: Seed = None,
    max_rounds: int = 50,
) -> pd.DataFrame:
    """``n`` rows from a fitted ``generator`` with the boosted values' shares multiplied by their factors.

    ``boost`` is ``{column: {value: factor}}`` for ONE column. The base shares come from ``reference``
    (e.g. the real rows; pass only the rows that match ``conditions``), else from a pilot sample of the
    generator. ``conditions`` (a dict) holds for every row. Rows come back shuffled.
    """
    generator._check_fitted()
    if len(boost) != 1:
        raise InvalidParameterError(
            f"Boost one column at a time; got {sorted(boost)}. Fix: give all boosted values of one column."
        )
    if not isinstance(n, int | np.integer) or n < 0:
        raise InvalidParameterError.expected("n", "sample_boosted", "an int >= 0", n)
    column = next(iter(boost))
    base = dict(conditions or {})
    if column in base:
        raise InvalidParameterError(
            f"Column {column!r} is both conditioned and boosted. Fix: do one of them."
        )
    factors = {resolve_value(generator, column, v): float(f) for v, f in boost[column].items()}
    rng = make_rng(seed)

    def seed_() -> int:
        return int(rng.integers(0, 2**31 - 1))

    if reference is None:
        reference = generator.sample(max(int(n), 2000), conditions=base or None, seed=seed_())
    if column not in reference.columns or len(reference) == 0:
        raise InvalidParameterError(
            f"The reference rows must hold column {column!r}. Fix: pass the real table."
        )
    shares = {v: float((reference[column] == v).mean()) for v in factors}
    counts = boost_counts(int(n), shares, factors, column)
    parts: list[pd.DataFrame] = []
    wanted = [v for v, c in counts.items() for _ in range(c)]
    if wanted:
        frame = pd.DataFrame({**{k: [val] * len(wanted) for k, val in base.items()}, column: wanted})
        parts.append(generator.sample(len(wanted), conditions=frame, seed=seed_()))
    rest = int(n) - len(wanted)
    parts.append(_sample_without(generator, rest, column, list(factors), base, seed_, max_rounds))
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    return out[generator.columns_]


def _sample_without(
    generator: Generator,
    n: int,
    column: str,
    values: list[Any],
    base: dict[str, Any],
    seed_: Any,
    max_rounds: int,
) -> pd.DataFrame:
    """``n`` rows whose ``column`` is none of ``values``: unconditional draws, boosted values rejected."""
    kept: list[pd.DataFrame] = []
    have = 0
    batch = max(64, int(n * 1.2) + 16)
    for _ in range(max_rounds):
        if have >= n:
            break
        draw = generator.sample(batch, conditions=base or None, seed=seed_())
        draw = draw[~draw[column].isin(values)]
        kept.append(draw)
        have += len(draw)
        batch = min(batch * 2, 200_000)
    if have < n:
        raise SamplingError(
            f"Could not draw {n:,} rows whose {column!r} is not one of {values}: the generator almost only "
            "produces the boosted values. Fix: lower the factors."
        )
    if not kept:
        return generator.sample(0)
    return pd.concat(kept, ignore_index=True).iloc[:n].reset_index(drop=True)
