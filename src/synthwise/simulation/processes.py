"""Event processes: the rows of an event table, made per row (entity) of its parent block.

* Poisson arrivals: an entity with rate ``r`` per unit over a window of length ``d`` gets
  ``Poisson(r * d)`` events, at times uniform in the window, in time order. The sorted times are drawn
  without sorting, as normalized partial sums of exponential spacings (the order statistics of uniforms).
  Bursts from scenarios add ``Poisson(rate * burst length)`` events for a chosen share of entities.
* State machines: every entity starts in a state drawn from ``initial`` and moves by the transition
  weights (expressions of the parent columns, of ``state`` and ``step``) until it reaches a state
  without outgoing transitions or ``max_steps``; the time advances by ``interval`` units each step.

Every random draw is keyed by the parent's row id (and the event number), so event tables, like entity
tables, do not depend on the chunking. Blocks hold at most about ``chunk_rows`` event rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from synthwise.simulation import values as V
from synthwise.simulation.distributions import as_time, choose, poisson_ppf
from synthwise.simulation.engine import Block, ColumnRand, RunContext, eval_gen
from synthwise.simulation.expressions import Expr, ExprError
from synthwise.simulation.spec import UNIT_NS, PoissonProcess, StateProcess, TableSpec
from synthwise.simulation.streams import GOLDEN, child_ids, mix, uniforms, within_group_index


def children(ctx: RunContext, table: TableSpec, parent: Block, chunk_rows: int) -> Iterator[Block]:
    """Blocks of ``table`` (an event table) for the rows of ``parent``; at least one, maybe empty."""
    assert table.events is not None
    process = table.events.process
    try:
        if isinstance(process, PoissonProcess):
            yield from _poisson(ctx, table, process, parent, chunk_rows)
        else:
            yield from _states(ctx, table, process, parent, chunk_rows)
    except ExprError as exc:
        raise ctx.error(
            table.events.where,
            f"the events of table {table.name!r}: {exc}",
            "make rate >= 0, start and end datetimes, and weights >= 0 with a positive sum",
        ) from exc


def _times(expr: Expr, block: Block, name: str) -> np.ndarray:
    value = as_time(expr.evaluate(block.get, block.n), name)
    return np.asarray(V.broadcast(value, block.n) if np.ndim(value) == 0 else value).astype(np.int64)


def _mask(expr: Expr, block: Block) -> np.ndarray:
    return np.asarray(V.broadcast(expr.evaluate(block.get, block.n), block.n), dtype=bool)


def _groups(counts: np.ndarray, chunk_rows: int) -> list[tuple[int, int]]:
    """Consecutive entity ranges holding about ``chunk_rows`` events each (one entity never splits)."""
    if len(counts) == 0:
        return [(0, 0)]
    ends = np.cumsum(counts)
    out, start, done = [], 0, 0
    while start < len(counts):
        stop = int(np.searchsorted(ends, done + chunk_rows, side="right"))
        stop = max(stop, start + 1)
        out.append((start, stop))
        done = int(ends[stop - 1])
        start = stop
    return out


def _poisson(
    ctx: RunContext, table: TableSpec, p: PoissonProcess, parent: Block, chunk_rows: int
) -> Iterator[Block]:
    n, name, unit = parent.n, table.name, UNIT_NS[p.per]
    rate = np.asarray(V.broadcast(p.rate.evaluate(parent.get, n), n), dtype=np.float64)
    if np.any(~(rate >= 0)):
        raise ExprError(f"the rate is negative or missing on {int(np.sum(~(rate >= 0))):,} parent rows")
    start, end = _times(p.start, parent, "start"), _times(p.end, parent, "end")
    span = np.maximum(end - start, 0).astype(np.float64)
    counts = poisson_ppf(uniforms(ctx.key(name, "__count"), parent.rowid), rate * span / unit)
    if p.when is not None:
        counts = np.where(_mask(p.when, parent), counts, 0)
    origins = [(0, counts, start, span)]
    for b, burst in enumerate(table.bursts):
        chosen = uniforms(ctx.key(name, "__burst", b, "choose"), parent.rowid) < burst.fraction
        if burst.when is not None:
            chosen &= _mask(burst.when, parent)
        b_span = float(burst.end.astype(np.int64) - burst.start.astype(np.int64))
        lam = burst.rate * b_span / UNIT_NS[burst.per]
        b_counts = np.where(
            chosen,
            poisson_ppf(uniforms(ctx.key(name, "__burst", b, "count"), parent.rowid), np.full(n, lam)),
            0,
        )
        origins.append((b + 1, b_counts, np.full(n, burst.start.astype(np.int64)), np.full(n, b_span)))
    total = np.sum([o[1] for o in origins], axis=0) if n else np.zeros(0, dtype=np.int64)
    for lo, hi in _groups(total, chunk_rows):
        yield _poisson_block(ctx, table, p, parent, origins, lo, hi)


def _sorted_fractions(
    ctx: RunContext, table: str, origin: int, parent_ids: np.ndarray, counts: np.ndarray, rowid: np.ndarray
) -> np.ndarray:
    """Per entity, ``counts`` sorted uniforms: partial sums of exponentials over their total."""
    e = -np.log(uniforms(ctx.key(table, "__time", origin), rowid))
    e_end = -np.log(uniforms(ctx.key(table, "__time_end", origin), parent_ids))
    csum = np.cumsum(e)
    group_end = np.cumsum(counts)
    before = np.concatenate([[0.0], csum])[group_end - counts]
    sums = np.concatenate([[0.0], csum])[group_end] - before
    return (csum - np.repeat(before, counts)) / np.repeat(sums + e_end, counts)


def _poisson_block(
    ctx: RunContext,
    table: TableSpec,
    p: PoissonProcess,
    parent: Block,
    origins: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
    lo: int,
    hi: int,
) -> Block:
    ents, times, rowids, kinds = [], [], [], []
    pid = parent.rowid[lo:hi]
    for code, counts_all, start, span in origins:
        counts = counts_all[lo:hi]
        rowid = child_ids(ctx.key(table.name, "__origin", code), pid, counts)
        ent = np.repeat(np.arange(lo, hi), counts)
        frac = _sorted_fractions(ctx, table.name, code, pid, counts, rowid)
        times.append(start[ent] + np.floor(frac * span[ent]).astype(np.int64))
        ents.append(ent)
        rowids.append(rowid)
        kinds.append(np.full(len(ent), code, dtype=np.int16))
    ent, time, rowid, origin = (np.concatenate(x) for x in (ents, times, rowids, kinds))
    if len(origins) > 1 and np.any(origin > 0):
        # rows in (entity, time, origin) order: group by entity (a stable sort merges the sorted runs of
        # each origin in linear time), then sort by time only the entities that have burst rows
        order = np.argsort(ent, kind="stable")
        ent, time, rowid, origin = ent[order], time[order], rowid[order], origin[order]
        idx = np.flatnonzero(np.isin(ent, np.unique(ent[origin > 0])))
        sub = idx[np.lexsort((origin[idx], time[idx], ent[idx]))]
        ent[idx], time[idx], rowid[idx], origin[idx] = ent[sub], time[sub], rowid[sub], origin[sub]
    return _event_block(
        ctx, table, parent, ent, rowid, {p.time: time.astype("datetime64[ns]")}, origin, p.index
    )


def _event_block(
    ctx: RunContext,
    table: TableSpec,
    parent: Block,
    ent: np.ndarray,
    rowid: np.ndarray,
    values: dict,
    origin: np.ndarray | None,
    index: str | None,
) -> Block:
    assert table.events is not None
    start = ctx.written.get(table.name, 0)
    ctx.written[table.name] = start + len(ent)
    vals = {table.events.key: V.take(parent.get(table.events.key), ent), **values}
    if index:
        counts = np.bincount(ent - (ent[0] if len(ent) else 0)) if len(ent) else np.zeros(0, dtype=np.int64)
        vals[index] = within_group_index(counts[counts > 0]) if len(ent) else np.zeros(0, dtype=np.int64)
    return Block(
        table,
        rowid,
        np.arange(start, start + len(ent), dtype=np.int64),
        parent=parent,
        parent_idx=ent,
        values=vals,
        origin=origin,
    )


def _states(
    ctx: RunContext, table: TableSpec, p: StateProcess, parent: Block, chunk_rows: int
) -> Iterator[Block]:
    group = max(1, chunk_rows // max(1, min(p.max_steps, 16)))
    members = np.arange(parent.n) if p.when is None else np.flatnonzero(_mask(p.when, parent))
    for lo in range(0, max(len(members), 1), group):
        yield _walk(ctx, table, p, parent, members[lo : lo + group])


def _walk(ctx: RunContext, table: TableSpec, p: StateProcess, parent: Block, members: np.ndarray) -> Block:
    """Walk the state machine for the parent rows ``members``, all of them at once, step by step."""
    name, states = table.name, list(p.states)
    absorbing = np.array([s in p.absorbing for s in states])
    sub = Block(parent.table, parent.rowid[members], parent.pos[members], parent=parent, parent_idx=members)
    m = len(members)
    cur = choose(
        list(range(len(states))),
        [w.evaluate(sub.get, m) for w in p.initial],
        uniforms(ctx.key(name, "__initial"), sub.rowid),
    ).astype(np.int64)
    time = _times(p.start, sub, "start")
    with np.errstate(over="ignore"):
        base = mix(sub.rowid * GOLDEN + ctx.key(name, "__walk"))
    steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (entity, state, time) per step
    active = np.arange(m)
    unit = UNIT_NS[p.per]
    for step in range(p.max_steps):
        steps.append((active, cur[active], time[active]))
        active = active[~absorbing[cur[active]]]
        if step == p.max_steps - 1 or not len(active):
            break
        walk = Block(
            table,
            base[active] + np.uint64(step),
            np.zeros(len(active), dtype=np.int64),
            parent=sub,
            parent_idx=active,
            values={
                p.state: V.Cat(cur[active].astype(np.int32), np.array(states, dtype=object)),
                p.step: np.full(len(active), step, dtype=np.int64),
            },
        )
        nxt = np.empty(len(active), dtype=np.int64)
        u = uniforms(ctx.key(name, "__move"), walk.rowid)
        for s in np.unique(cur[active]):
            sel = np.flatnonzero(cur[active] == s)
            part = walk.subset(sel, [p.state, p.step])
            weights = [w.evaluate(part.get, len(sel)) for w in p.transitions[states[s]]]
            nxt[sel] = choose(list(range(len(states))), weights, u[sel])
        gap = np.asarray(
            V.broadcast(eval_gen(p.interval, walk, ColumnRand(ctx, name, "__interval", walk)), len(active)),
            dtype=np.float64,
        )
        if np.any(~(gap >= 0)):
            raise ExprError("the interval is negative or missing on some rows")
        time[active] = time[active] + np.round(gap * unit).astype(np.int64)
        cur[active] = nxt
    lengths = np.zeros(m, dtype=np.int64)
    for ent, _, _ in steps:
        lengths[ent] += 1
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    ent_out = np.empty(total, dtype=np.int64)
    state_out = np.empty(total, dtype=np.int32)
    time_out = np.empty(total, dtype=np.int64)
    step_out = np.empty(total, dtype=np.int64)
    for k, (ent, st, tm) in enumerate(steps):
        at = offsets[ent] + k
        ent_out[at], state_out[at], time_out[at], step_out[at] = ent, st, tm, k
    rowid = base[ent_out] + step_out.astype(np.uint64)
    values = {
        p.time: time_out.astype("datetime64[ns]"),
        p.state: V.Cat(state_out, np.array(states, dtype=object)),
        p.step: step_out,
    }
    return _event_block(ctx, table, parent, members[ent_out], rowid, values, None, None)
