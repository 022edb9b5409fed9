"""The engine: compute the columns of one block of rows and enforce the constraints exactly.

A :class:`Block` is a chunk of rows of one table: their row ids (the counters of the random streams),
their output positions, the process columns (key, time, state) and a link to the parent block, so an
expression can read a parent column (gathered per row on first use). Columns are computed in
dependency order; then every constraint is checked and the rows that break one are drawn again (all
their columns, at the next *attempt* of those rows only) until every row passes, or a row has used
``max_tries`` attempts, which raises a :class:`~synthwise.errors.SamplingError` naming the constraint.
Uniqueness is checked against every earlier row of the table, in row order, so the result does not
depend on how rows are chunked (each table keeps 8 bytes per row for each ``unique`` constraint).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from synthwise.errors import SamplingError, SpecError
from synthwise.simulation import values as V
from synthwise.simulation.distributions import DISTRIBUTIONS, check_rule
from synthwise.simulation.expressions import Expr, ExprError
from synthwise.simulation.source import Problems, Where
from synthwise.simulation.spec import CasesGen, ColumnSpec, DistGen, ExprGen, Gen, Spec, TableSpec
from synthwise.simulation.streams import bits, mix, stream_key, uniforms


@dataclass
class RunContext:
    """What a whole run shares: the spec, the seed's entropy, stream keys, fake pools, unique sets."""

    spec: Spec
    entropy: int
    keys: dict[tuple[Any, ...], np.uint64] = field(default_factory=dict)
    pools: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)
    seen: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)

    def key(self, *names: str | int) -> np.uint64:
        if names not in self.keys:
            self.keys[names] = stream_key(self.entropy, *names)
        return self.keys[names]

    def pool(self, kind: str, locale: str, size: int) -> np.ndarray:
        """A pool of Faker values, made once per run and shared by every column that asks for it."""
        from synthwise.pii.fakes import faker_pool

        ident = (kind, locale, size)
        if ident not in self.pools:
            base = kind.split("|")[0]  # 'first_name|ascii' is drawn from the same pool as 'first_name'
            seed = int(self.key("__pool", base, locale, size)) % (2**32)
            self.pools[ident] = faker_pool(kind, locale, size, seed)
        return self.pools[ident]

    def error(self, where: Where, problem: str, fix: str) -> SpecError:
        return Problems(self.spec.source).error(where, problem, fix)


class Block:
    """Rows of one table being generated."""

    def __init__(
        self,
        table: TableSpec,
        rowid: np.ndarray,
        pos: np.ndarray,
        *,
        parent: Block | None = None,
        parent_idx: np.ndarray | None = None,
        values: dict[str, Any] | None = None,
        origin: np.ndarray | None = None,
        attempt: np.ndarray | None = None,
    ) -> None:
        self.table = table
        self.rowid = rowid
        self.pos = pos
        self.n = len(rowid)
        self.parent = parent
        self.parent_idx = parent_idx
        self.values: dict[str, Any] = dict(values or {})
        self.origin = origin  # 0 = the process, b + 1 = burst b
        self.attempt = np.zeros(self.n, dtype=np.int64) if attempt is None else attempt
        self._inherited: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self._inherited:
            return self._inherited[name]
        if self.parent is None or self.parent_idx is None:
            raise ExprError(f"the column {name!r} is not computed yet")
        value = V.take(self.parent.get(name), self.parent_idx)
        self._inherited[name] = value
        return value

    def subset(self, idx: np.ndarray, keep: Iterable[str]) -> Block:
        """The rows ``idx`` with the named values (the others are computed again)."""
        return Block(
            self.table,
            self.rowid[idx],
            self.pos[idx],
            parent=self.parent,
            parent_idx=None if self.parent_idx is None else self.parent_idx[idx],
            values={k: V.take(self.values[k], idx) for k in keep if k in self.values},
            origin=None if self.origin is None else self.origin[idx],
            attempt=self.attempt[idx],
        )


class ColumnRand:
    """The random streams of one column for the rows of one block."""

    def __init__(self, ctx: RunContext, table: str, column: str, block: Block) -> None:
        self.ctx, self.table, self.column, self.block = ctx, table, column, block
        self.n = block.n

    def uniform(self, j: int = 0) -> np.ndarray:
        return uniforms(self.ctx.key(self.table, self.column, j), self.block.rowid, self.block.attempt)

    def bits(self, j: int = 0) -> np.ndarray:
        return bits(self.ctx.key(self.table, self.column, j), self.block.rowid, self.block.attempt)

    def positions(self) -> np.ndarray:
        return self.block.pos

    def pool(self, kind: str, locale: str, size: int) -> np.ndarray:
        return self.ctx.pool(kind, locale, size)


# -- one generator ------------------------------------------------------------------------------------
def _arg(value: Any, block: Block) -> Any:
    if isinstance(value, Expr):
        return value.evaluate(block.get, block.n)
    if isinstance(value, list) and value and isinstance(value[0], Expr):
        return [v.evaluate(block.get, block.n) for v in value]
    return value


def eval_gen(gen: Gen, block: Block, rand: ColumnRand) -> Any:
    """The values of a generator for every row of ``block`` (raises ExprError on bad data)."""
    if isinstance(gen, ExprGen):
        return V.broadcast(gen.expr.evaluate(block.get, block.n), block.n)
    if isinstance(gen, DistGen):
        dist = DISTRIBUTIONS[gen.dist]
        params = {}
        for p in dist.params:
            params[p.name] = _arg(gen.args[p.name], block)
            if p.kind == "expr":
                check_rule(p.name, params[p.name], p.rule)
        return V.broadcast(dist.sample(params, rand), block.n)
    return _eval_cases(gen, block, rand)


def _eval_cases(gen: CasesGen, block: Block, rand: ColumnRand) -> Any:
    n = block.n
    left = np.ones(n, dtype=bool)
    keep = list(block.values)
    parts: list[tuple[np.ndarray, Any]] = []
    for when, sub_gen in gen.cases:
        mask = left.copy()
        if when is not None:
            mask &= np.asarray(V.broadcast(when.evaluate(block.get, n), n), dtype=bool)
        idx = np.flatnonzero(mask)
        left &= ~mask
        if len(idx):
            sub = block.subset(idx, keep)
            sub._inherited = {k: V.take(v, idx) for k, v in block._inherited.items()}
            parts.append((idx, eval_gen(sub_gen, sub, ColumnRand(rand.ctx, rand.table, rand.column, sub))))
    rest = np.flatnonzero(left)
    if len(rest) or not parts:
        parts.append((rest, _nulls(parts[0][1] if parts else np.zeros(0), len(rest))))
    order = np.concatenate([idx for idx, _ in parts])
    merged = V.concat([v for _, v in parts])
    return V.take(merged, np.argsort(order, kind="stable"))


def _nulls(like: Any, n: int) -> Any:
    if V.is_stringy(like):
        return pa.nulls(n, pa.string())
    arr = np.asarray(like)
    if arr.dtype.kind == "M":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    return np.full(n, np.nan)


# -- a column, with its modifiers ---------------------------------------------------------------------
def compute_column(ctx: RunContext, col: ColumnSpec, block: Block) -> Any:
    table = block.table
    rand = ColumnRand(ctx, table.name, col.name, block)
    try:
        value = eval_gen(col.gen, block, rand)
        if block.origin is not None and table.bursts:
            for b, burst in enumerate(table.bursts):
                if col.name in burst.overrides:
                    idx = np.flatnonzero(block.origin == b + 1)
                    if len(idx):
                        sub = block.subset(idx, list(block.values))
                        new = eval_gen(
                            burst.overrides[col.name], sub, ColumnRand(ctx, table.name, col.name, sub)
                        )
                        value = V.assign(value, idx, new)
        return _modify(col, value)
    except ExprError as exc:
        raise ctx.error(
            col.where,
            f"column {col.name!r} of table {table.name!r}: {exc}",
            "change the expression or its parameters so every row gets a valid value",
        ) from exc


def _modify(col: ColumnSpec, value: Any) -> Any:
    if col.clip is None and col.round is None:
        return value
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        raise ExprError("'clip' and 'round' apply to numbers only")
    out = value
    if col.clip is not None:
        lo, hi = col.clip
        out = np.clip(out, -np.inf if lo is None else lo, np.inf if hi is None else hi)
    if col.round is not None and out.dtype.kind == "f":
        out = np.round(out, col.round)
        if col.round == 0 and np.all(np.isfinite(out)):
            out = out.astype(np.int64)
    return out


def compute_columns(ctx: RunContext, block: Block, names: Iterable[str]) -> None:
    for name in names:
        col = block.table.column(name)
        assert col is not None
        block.values[name] = compute_column(ctx, col, block)


# -- constraints --------------------------------------------------------------------------------------
def _violations(ctx: RunContext, block: Block) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A mask of rows breaking a rule, and (constraint index, count) for each rule that is broken."""
    table = block.table
    bad = np.zeros(block.n, dtype=bool)
    counts: list[tuple[int, int]] = []
    for i, c in enumerate(table.constraints):
        if c.expr is None:
            continue
        try:
            ok = np.asarray(V.broadcast(c.expr.evaluate(block.get, block.n), block.n))
        except ExprError as exc:
            raise ctx.error(
                c.where,
                f"constraint {c.label!r} of table {table.name!r}: {exc}",
                "write a rule that gives true or false for every row",
            ) from exc
        if ok.dtype != bool:
            raise ctx.error(
                c.where,
                f"constraint {c.label!r} gives {ok.dtype} values, not true/false",
                "write a comparison such as 'end_date >= start_date'",
            )
        if (~ok).any():
            counts.append((i, int((~ok).sum())))
            bad |= ~ok
    for i, c in enumerate(table.constraints):
        if not c.unique or _unique_by_construction(table, c.unique):
            continue
        dup = _duplicates(ctx, block, i, c.unique, ~bad)
        if dup.any():
            counts.append((i, int(dup.sum())))
            bad |= dup
    return bad, counts


def _unique_by_construction(table: TableSpec, cols: tuple[str, ...]) -> bool:
    col = table.column(cols[0]) if len(cols) == 1 else None
    return col is not None and col.is_sequence and int(col.gen.args.get("step", 1)) != 0  # type: ignore[union-attr]


def _hashes(block: Block, cols: tuple[str, ...]) -> np.ndarray:
    h = V.row_hashes(block.get(cols[0]))
    for name in cols[1:]:
        with np.errstate(over="ignore"):
            h = mix(h * np.uint64(0x9E3779B97F4A7C15) + V.row_hashes(block.get(name)))
    return h


def _duplicates(
    ctx: RunContext, block: Block, i: int, cols: tuple[str, ...], valid: np.ndarray
) -> np.ndarray:
    """Rows (among ``valid``) whose values already appear in an earlier row of the table."""
    h = _hashes(block, cols)
    idx = np.flatnonzero(valid)
    hv = h[idx]
    _, first = np.unique(hv, return_index=True)
    dup_local = np.ones(len(hv), dtype=bool)
    dup_local[first] = False
    seen = ctx.seen.get((block.table.name, i))
    if seen is not None and len(seen):
        pos = np.minimum(np.searchsorted(seen, hv), len(seen) - 1)
        dup_local |= seen[pos] == hv
    out = np.zeros(block.n, dtype=bool)
    out[idx[dup_local]] = True
    return out


def enforce(ctx: RunContext, block: Block) -> None:
    """Resample rows until every constraint holds on every row (bounded by the table's max_tries)."""
    table = block.table
    if not table.constraints:
        return
    free = [n for n in ctx.spec.order[table.name] if not table.column(n).is_sequence]  # type: ignore[union-attr]
    fixed = [n for n in block.values if n not in free]
    for _ in range(table.max_tries * 4 + 10):
        bad, counts = _violations(ctx, block)
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        block.attempt[idx] += 1
        if block.attempt[idx].max() > table.max_tries:
            raise _tries_error(ctx, table, counts)
        sub = block.subset(idx, fixed)
        compute_columns(ctx, sub, free)
        for name in free:
            block.values[name] = V.assign(block.values[name], idx, sub.values[name])
    else:  # pragma: no cover - bounded by the attempt check above
        raise _tries_error(ctx, table, _violations(ctx, block)[1])
    for i, c in enumerate(table.constraints):
        if c.unique and not _unique_by_construction(table, c.unique):
            h = np.sort(_hashes(block, c.unique))
            old = ctx.seen.get((table.name, i))
            ctx.seen[(table.name, i)] = h if old is None else np.sort(np.concatenate([old, h]), kind="stable")


def _tries_error(ctx: RunContext, table: TableSpec, counts: list[tuple[int, int]]) -> SamplingError:
    parts = []
    for i, count in counts:
        c = table.constraints[i]
        parts.append(f"{c.label!r} ({c.where}) on {count:,} rows")
    return SamplingError(
        f"Table {table.name!r}: after {table.max_tries} attempts per row some rows still break "
        f"{'; '.join(parts)}. The rule is impossible or too rare under the column distributions. "
        "Fix: widen the distributions (more categories, a wider range), relax the rule, or raise max_tries."
    )


def finish_block(ctx: RunContext, block: Block) -> Block:
    """Compute every column of ``block`` and enforce its constraints."""
    compute_columns(ctx, block, ctx.spec.order[block.table.name])
    enforce(ctx, block)
    return block
