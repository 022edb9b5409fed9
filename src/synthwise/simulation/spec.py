"""The validated simulation spec as frozen dataclasses (what the parser produces, what the engine runs).

A spec has tables. An *entity* table has ``rows``; an *event* table has ``events`` and gets its rows
from a process run for every row (entity) of its parent table: Poisson arrivals in a time window, or a
state machine (an agent-style walk). Every table has columns and constraints. A column is made by a
distribution (:class:`DistGen`), an expression (:class:`ExprGen`) or a list of cases
(:class:`CasesGen`); ``names`` are the columns it reads, so the engine can order them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

from synthwise.simulation.expressions import Expr
from synthwise.simulation.source import SpecMap, Where

UNIT_NS: dict[str, float] = {
    "second": 1e9,
    "minute": 60e9,
    "hour": 3_600e9,
    "day": 86_400e9,
    "week": 7 * 86_400e9,
    "year": 365.25 * 86_400e9,
}
OUTPUT_UNITS = ("D", "s", "ms", "us", "ns")


@dataclass(frozen=True)
class DistGen:
    """Draw from ``dist`` with ``args`` (Expr, list of Expr for weights, or literals)."""

    dist: str
    args: dict[str, Any]
    where: Where

    @property
    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for value in self.args.values():
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, Expr):
                    out |= item.names
        return frozenset(out)


@dataclass(frozen=True)
class ExprGen:
    """Compute the column from an expression of other columns."""

    expr: Expr

    @property
    def where(self) -> Where:
        return self.expr.where

    @property
    def names(self) -> frozenset[str]:
        return self.expr.names


@dataclass(frozen=True)
class CasesGen:
    """The first case whose ``when`` holds decides the row (``when`` None = otherwise)."""

    cases: tuple[tuple[Expr | None, Gen], ...]
    where: Where

    @property
    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for when, gen in self.cases:
            out |= gen.names | (when.names if when is not None else frozenset())
        return frozenset(out)


Gen: TypeAlias = "DistGen | ExprGen | CasesGen"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    gen: Gen
    where: Where
    round: int | None = None
    clip: tuple[float | None, float | None] | None = None
    missing: float = 0.0
    keep: bool = True
    unit: str = "s"

    @property
    def names(self) -> frozenset[str]:
        return self.gen.names

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.gen, DistGen) and self.gen.dist == "sequence"


@dataclass(frozen=True)
class ConstraintSpec:
    """A row rule (``expr`` must be true on every row) or a uniqueness rule over ``columns``."""

    label: str
    where: Where
    expr: Expr | None = None
    unique: tuple[str, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return self.expr.names if self.expr is not None else frozenset(self.unique)


@dataclass(frozen=True)
class PoissonProcess:
    """Events at rate ``rate`` (per ``per``) between ``start`` and ``end``, for every parent row."""

    rate: Expr
    per: str
    start: Expr
    end: Expr
    time: str = "time"
    index: str | None = None
    when: Expr | None = None  # only parent rows where this holds get events

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.time,) + ((self.index,) if self.index else ())

    @property
    def names(self) -> frozenset[str]:
        when = self.when.names if self.when is not None else frozenset()
        return self.rate.names | self.start.names | self.end.names | when


@dataclass(frozen=True)
class StateProcess:
    """A walk through ``states`` for every parent row, one event row per visited state."""

    states: tuple[str, ...]
    initial: tuple[Expr, ...]  # a weight per state
    transitions: dict[str, tuple[Expr, ...]]  # from-state -> a weight per state
    max_steps: int
    start: Expr
    interval: Gen
    per: str
    time: str = "time"
    state: str = "state"
    step: str = "step"
    when: Expr | None = None  # only parent rows where this holds walk

    @property
    def absorbing(self) -> frozenset[str]:
        return frozenset(s for s in self.states if s not in self.transitions)

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.time, self.state, self.step)

    @property
    def names(self) -> frozenset[str]:
        out = set(self.start.names) | set(self.interval.names) | set(self.when.names if self.when else ())
        for weights in (self.initial, *self.transitions.values()):
            for w in weights:
                out |= w.names
        return frozenset(out - {self.state, self.step})


@dataclass(frozen=True)
class EventsSpec:
    parent: str
    key: str  # the parent's key column, repeated in the event table
    process: PoissonProcess | StateProcess
    where: Where


@dataclass(frozen=True)
class BurstSpec:
    """Extra Poisson events in [start, end) for a fraction of the parent rows (a scenario)."""

    scenario: str
    table: str
    start: np.datetime64
    end: np.datetime64
    rate: float
    per: str
    fraction: float
    when: Expr | None
    overrides: dict[str, Gen]
    where: Where

    @property
    def names(self) -> frozenset[str]:
        out = set(self.when.names) if self.when is not None else set()
        for gen in self.overrides.values():
            out |= gen.names
        return frozenset(out)


@dataclass(frozen=True)
class TableSpec:
    name: str
    where: Where
    columns: tuple[ColumnSpec, ...]
    constraints: tuple[ConstraintSpec, ...] = ()
    rows: int | None = None
    key: str | None = None
    events: EventsSpec | None = None
    max_tries: int = 100
    bursts: tuple[BurstSpec, ...] = ()

    @property
    def process_columns(self) -> tuple[str, ...]:
        if self.events is None:
            return ()
        return (self.events.key, *self.events.process.outputs)

    @property
    def output_columns(self) -> list[str]:
        return [*self.process_columns, *(c.name for c in self.columns if c.keep)]

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Spec:
    tables: dict[str, TableSpec]
    main: str
    locale: str
    source: str
    scenarios: tuple[str, ...] = ()
    tree: SpecMap = field(default_factory=SpecMap, compare=False, repr=False)  # with scenario sets applied
    order: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # column order per table

    def children(self, table: str) -> list[TableSpec]:
        return [t for t in self.tables.values() if t.events is not None and t.events.parent == table]

    def roots(self) -> list[TableSpec]:
        return [t for t in self.tables.values() if t.events is None]

    def ancestors(self, table: str) -> list[str]:
        out: list[str] = []
        t = self.tables[table]
        while t.events is not None:
            out.append(t.events.parent)
            t = self.tables[t.events.parent]
        return out
