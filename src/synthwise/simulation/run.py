"""Run a spec: entity tables chunk by chunk, event tables per parent chunk, each written as it is made.

Memory stays flat as rows grow: one chunk of each table on the path from a root table to the table
being made is in memory at a time (plus 8 bytes per row for each ``unique`` constraint). Output is the
same for any ``chunk_rows`` because every random value is keyed by row id, not by chunk.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError, SamplingError
from synthwise.simulation.engine import Block, RunContext, finish_block
from synthwise.simulation.parse import parse_spec
from synthwise.simulation.processes import children
from synthwise.simulation.spec import Spec
from synthwise.simulation.writer import FORMATS, TableWriter, to_arrow

DEFAULT_CHUNK_ROWS = 200_000
PILOT_ENTITIES = 500

SpecLike = str | os.PathLike[str] | dict[str, Any] | Spec


@dataclass(frozen=True)
class TableResult:
    name: str
    rows: int
    columns: list[str]
    path: Path | None = None


@dataclass(frozen=True)
class SimulationResult:
    """What a run wrote: rows and file per table, the seed, the scenarios applied and the time taken."""

    tables: dict[str, TableResult]
    seed: int
    scenarios: tuple[str, ...] = ()
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def summary(self) -> str:
        lines = [
            f"{t.name}: {t.rows:,} rows x {len(t.columns)} columns" + (f" -> {t.path}" if t.path else "")
            for t in self.tables.values()
        ]
        scen = f", scenarios {', '.join(self.scenarios)}" if self.scenarios else ""
        lines.append(f"{self.rows:,} rows in {self.seconds:.2f} s (seed {self.seed}{scen})")
        return "\n".join(lines)


class _Background:
    """Writes chunks on one background thread, in order, while the next chunk is being made.

    pyarrow's writers release the GIL, so formatting CSV / Parquet overlaps with generating; at most
    ``depth`` chunks wait, so memory stays bounded. An error in a write is raised on the next call.
    """

    def __init__(self, depth: int = 2) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthwise-writer")
        self.pending: deque[Future[None]] = deque()
        self.depth = depth

    def run(self, fn: Callable[[pa.Table], None], data: pa.Table) -> None:
        while len(self.pending) >= self.depth:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(fn, data))

    def finish(self, cancel: bool = False) -> None:
        try:
            while self.pending:
                future = self.pending.popleft()
                if cancel:
                    future.cancel()
                    with contextlib.suppress(BaseException):
                        future.result()
                else:
                    future.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=cancel)


def entropy_of(seed: Seed) -> int:
    """A non-negative integer for ``numpy.random.SeedSequence`` from any accepted seed."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(2, np.uint64)[0])
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise InvalidParameterError.expected("seed", "simulate", "an int >= 0", seed)
    return int(seed)


def _check_chunk(chunk_rows: int) -> int:
    if not isinstance(chunk_rows, int | np.integer) or isinstance(chunk_rows, bool) or chunk_rows < 1:
        raise InvalidParameterError.expected("chunk_rows", "simulate", "an int >= 1", chunk_rows)
    return int(chunk_rows)


def _walk(
    ctx: RunContext,
    counts: dict[str, int],
    chunk_rows: int,
    sink: Callable[[Block], None],
    only: set[str] | None = None,
    count_only: str | None = None,
) -> dict[str, int]:
    """Make every table (or those in ``only``), passing each finished block to ``sink``."""
    made: dict[str, int] = {}

    def descend(block: Block) -> None:
        for child in ctx.spec.children(block.table.name):
            if only is not None and child.name not in only:
                continue
            for sub in children(ctx, child, block, chunk_rows):
                made[child.name] = made.get(child.name, 0) + sub.n
                if child.name == count_only:
                    continue
                finish_block(ctx, sub)
                sink(sub)
                descend(sub)

    for root in ctx.spec.roots():
        if only is not None and root.name not in only:
            continue
        n = counts[root.name]
        made[root.name] = n
        for start in range(0, max(n, 1), chunk_rows):
            ids = np.arange(start, min(n, start + chunk_rows), dtype=np.int64)
            block = finish_block(ctx, Block(root, ids.astype(np.uint64), ids))
            sink(block)
            descend(block)
    return made


def scaled_counts(
    spec: Spec,
    rows: int | None,
    entropy: int,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ctx: RunContext | None = None,
) -> dict[str, int]:
    """Rows of each entity table so that the main table gets ``rows`` rows (about, for event tables)."""
    base = {t.name: int(t.rows or 0) for t in spec.roots()}
    if rows is None:
        return base
    if not isinstance(rows, int | np.integer) or isinstance(rows, bool) or rows < 0:
        raise InvalidParameterError.expected("rows", "simulate", "an int >= 0", rows)
    main = spec.tables[spec.main]
    if main.events is None:
        if base[main.name] == 0:
            raise SamplingError(
                f"Table {main.name!r} has rows: 0, so --rows cannot scale it. Fix: give it rows > 0."
            )
        factor = rows / base[main.name]
    else:
        path = [main.name, *spec.ancestors(main.name)]
        root = path[-1]
        pilot = min(base[root], PILOT_ENTITIES)
        pilot_ctx = RunContext(spec, entropy, pools=ctx.pools if ctx else {})
        made = _walk(pilot_ctx, {**base, root: pilot}, chunk_rows, lambda b: None, set(path), main.name)
        per_root = made.get(main.name, 0) / max(pilot, 1)
        if per_root == 0:
            raise SamplingError(
                f"A pilot of {pilot} {root!r} rows gave no {main.name!r} rows, so --rows cannot be reached. "
                "Fix: raise the event rate or the window of the process."
            )
        factor = rows / (per_root * base[root])
    return {
        name: (int(rows) if name == main.name else (max(1, round(n * factor)) if n else 0))
        for name, n in base.items()
    }


def simulate(
    spec: SpecLike,
    out_dir: str | os.PathLike[str],
    seed: Seed = 0,
    rows: int | None = None,
    *,
    format: str = "csv",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    scenarios: Sequence[str] = (),
) -> SimulationResult:
    """Simulate every table of ``spec`` into ``out_dir`` (one ``<table>.csv`` / ``.parquet`` each).

    ``seed`` fixes every value: the same spec and seed give the same bytes, for any ``chunk_rows``.
    ``rows`` sets the main table's row count (entity tables scale by the same factor; event tables follow
    their processes, so an event main table gets about ``rows``). ``scenarios`` switches named scenario
    overrides on (those with ``enabled: true`` always apply). Files appear only when complete.
    """
    started = time.perf_counter()
    parsed = parse_spec(spec, scenarios)
    if format not in FORMATS:
        raise InvalidParameterError.expected("format", "simulate", f"one of {', '.join(FORMATS)}", format)
    chunk = _check_chunk(chunk_rows)
    entropy = entropy_of(seed)
    ctx = RunContext(parsed, entropy)
    counts = scaled_counts(parsed, rows, entropy, chunk, ctx)
    out = Path(out_dir)
    writers = {name: TableWriter(out / f"{name}.{format}", format) for name in parsed.tables}
    background = _Background()
    try:
        _walk(ctx, counts, chunk, lambda b: background.run(writers[b.table.name].write, to_arrow(ctx, b)))
        background.finish()
        paths = {name: w.close() for name, w in writers.items()}
    except BaseException:
        background.finish(cancel=True)
        for w in writers.values():
            w.abort()
        raise
    tables = {
        name: TableResult(name, writers[name].rows, parsed.tables[name].output_columns, paths[name])
        for name in parsed.tables
    }
    return SimulationResult(tables, entropy, parsed.scenarios, time.perf_counter() - started)


def simulate_frames(
    spec: SpecLike,
    seed: Seed = 0,
    rows: int | None = None,
    *,
    scenarios: Sequence[str] = (),
    tables: Sequence[str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> dict[str, pd.DataFrame]:
    """Simulate in memory: ``{table: DataFrame}`` (for small runs, tests and the ``rules`` generator).

    ``tables`` limits the run to those tables (their ancestors are made too, but not returned).
    """
    parsed = parse_spec(spec, scenarios)
    entropy = entropy_of(seed)
    ctx = RunContext(parsed, entropy)
    chunk = _check_chunk(chunk_rows)
    counts = scaled_counts(parsed, rows, entropy, chunk, ctx)
    wanted = list(parsed.tables) if tables is None else list(tables)
    unknown = [t for t in wanted if t not in parsed.tables]
    if unknown:
        raise InvalidParameterError(f"Unknown tables {unknown}. Fix: use some of {list(parsed.tables)}.")
    only = {a for t in wanted for a in (t, *parsed.ancestors(t))}
    parts: dict[str, list[pa.Table]] = {t: [] for t in wanted}

    def keep(block: Block) -> None:
        if block.table.name in parts:
            parts[block.table.name].append(to_arrow(ctx, block))

    _walk(ctx, counts, chunk, keep, only)
    return {
        name: pa.concat_tables(chunks, promote_options="permissive").to_pandas(
            coerce_temporal_nanoseconds=True
        )
        for name, chunks in parts.items()
    }
