"""Name resolution and ordering: which names each expression may read, and in what order columns run.

A table's expressions may read its own columns, its process columns (key, time, state, step) and every
column of its parent and further ancestors (gathered per event row). Own columns are computed in
dependency order; a cycle (``a`` reads ``b`` reads ``a``) or an unknown name is reported with its line.
"""

from __future__ import annotations

from dataclasses import replace

from synthwise.simulation.parse_args import suggest
from synthwise.simulation.source import Problems, Where
from synthwise.simulation.spec import EventsSpec, StateProcess, TableSpec


def resolve(tables: dict[str, TableSpec], problems: Problems) -> dict[str, tuple[str, ...]]:
    """Fill in event keys, check every name, and return each table's column order (tables is updated)."""
    _link_parents(tables, problems)
    visible: dict[str, set[str]] = {}
    order: dict[str, tuple[str, ...]] = {}
    for name in _parents_first(tables, problems):
        table = tables[name]
        own = {c.name for c in table.columns}
        process = set(table.process_columns)
        clash = own & process
        for clashing in sorted(clash):
            spec_col = table.column(clashing)
            problems.add(
                spec_col.where if spec_col is not None else table.where,
                f"the column {clashing!r} clashes with a process column",
                "rename it (or rename the process column with time:/state:/step:/index:)",
            )
        inherited = visible[table.events.parent] if table.events is not None else set()
        visible[name] = own | process | inherited
        names = visible[name]
        for col in table.columns:
            _check_names(col.names, col.where, names, problems)
        for c in table.constraints:
            _check_names(c.names, c.where, names, problems)
            for u in c.unique:
                if u not in own | process:
                    problems.add(
                        c.where,
                        f"unique() names {u!r}, which is not a column of this table",
                        f"{suggest(u, own | process)}name a column of table {name!r}",
                    )
        if table.events is not None:
            allowed = set(inherited)
            if isinstance(table.events.process, StateProcess):
                allowed |= {table.events.process.state, table.events.process.step}
            _check_names(
                table.events.process.names,
                table.events.where,
                allowed,
                problems,
                "the process may read only parent columns",
            )
        for burst in table.bursts:
            _check_burst(table, burst.names, burst.where, names, inherited, problems)
            if table.events is None or isinstance(table.events.process, StateProcess):
                problems.add(
                    burst.where,
                    f"bursts need a table with poisson events; {name!r} has none",
                    "point the burst at an event table with process: poisson",
                )
        order[name] = _column_order(table, problems)
    return order


def _link_parents(tables: dict[str, TableSpec], problems: Problems) -> None:
    for name, table in list(tables.items()):
        if table.events is None:
            continue
        parent = tables.get(table.events.parent)
        if parent is None or parent.name == name:
            problems.add(
                table.events.where,
                f"'parent' names an unknown table {table.events.parent!r}",
                f"{suggest(table.events.parent, [t for t in tables if t != name])}name another table",
            )
            continue
        key = parent.key or next((c.name for c in parent.columns if c.is_sequence), None)
        if key is None or parent.column(key) is None:
            problems.add(
                parent.where,
                f"table {parent.name!r} has no key column for its events to point at",
                f"add key: <column> to table {parent.name!r}, or a column with sequence(...)",
            )
            continue
        tables[name] = replace(
            table, events=EventsSpec(parent.name, key, table.events.process, table.events.where)
        )


def _parents_first(tables: dict[str, TableSpec], problems: Problems) -> list[str]:
    out: list[str] = []
    for name in tables:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in out:
            if current in chain:
                problems.add(
                    tables[name].where,
                    f"the tables {' -> '.join([*chain, current])} form a cycle of parents",
                    "make one of them an entity table with rows: N",
                )
                return [t for t in tables if t in out]
            chain.append(current)
            t = tables.get(current)
            current = t.events.parent if t is not None and t.events is not None else None
            if current is not None and current not in tables:
                current = None
        out.extend(c for c in reversed(chain) if c not in out)
    return [t for t in out if t in tables]


def _check_names(
    names: frozenset[str], where: Where, known: set[str], problems: Problems, note: str = ""
) -> None:
    for n in sorted(names - known):
        extra = f" ({note})" if note else ""
        problems.add(
            where,
            f"the name {n!r} is not a column here{extra}",
            f"{suggest(n, known)}use one of {', '.join(sorted(known)) or '(no columns)'}",
        )


def _check_burst(
    table: TableSpec,
    names: frozenset[str],
    where: Where,
    visible: set[str],
    inherited: set[str],
    problems: Problems,
) -> None:
    _check_names(names, where, visible, problems)
    own = {c.name for c in table.columns}
    for burst in table.bursts:
        for col in burst.overrides:
            if col not in own:
                problems.add(
                    where,
                    f"the burst sets {col!r}, which is not a column of table {table.name!r}",
                    f"{suggest(col, own)}set one of {', '.join(sorted(own))}",
                )
        if burst.when is not None:
            _check_names(burst.when.names, where, inherited, problems, "'where' reads parent columns")


def _column_order(table: TableSpec, problems: Problems) -> tuple[str, ...]:
    own = [c.name for c in table.columns]
    deps = {c.name: set(c.names) & set(own) for c in table.columns}
    for burst in table.bursts:
        for col, gen in burst.overrides.items():
            if col in deps:
                deps[col] |= set(gen.names) & set(own)
    done: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name) :], name]
            col = table.column(name)
            problems.add(
                col.where if col else table.where,
                f"the columns {' -> '.join(cycle)} read each other in a cycle",
                "break the cycle: one of them must not depend on the others",
            )
            return
        state[name] = 1
        for dep in sorted(deps[name], key=own.index):
            visit(dep, [*path, name])
        state[name] = 2
        done.append(name)

    for name in own:
        visit(name, [])
    return tuple(done)
