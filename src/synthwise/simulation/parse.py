"""Parse and validate a whole simulation spec; every mistake is reported with its line and key.

::

    version: 1
    locale: en_US                  # default Faker locale
    main: transactions             # the table that --rows sizes (default: the first table)
    tables:
      customers:
        rows: 5000
        key: customer_id
        columns: {customer_id: "sequence(start=1)", ...}
        constraints: ["age >= 18", {unique: email}]
      transactions:
        events: {parent: customers, process: poisson, rate: txn_rate, per: day,
                 start: 2024-01-01, end: 2024-03-01}
        columns: {...}
    scenarios: {...}               # see synthwise.simulation.scenarios
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from synthwise.simulation.expressions import literal
from synthwise.simulation.parse_args import check_name, suggest
from synthwise.simulation.parse_columns import parse_column
from synthwise.simulation.parse_constraints import parse_constraint
from synthwise.simulation.parse_events import name_of, parse_burst, parse_events, unknown_keys, whole_number
from synthwise.simulation.plan import resolve
from synthwise.simulation.scenarios import active_scenarios, apply_sets, burst_items
from synthwise.simulation.source import Problems, SpecList, SpecMap, Where, load_tree
from synthwise.simulation.spec import (
    ColumnSpec,
    ConstraintSpec,
    ExprGen,
    Spec,
    TableSpec,
)

TOP_KEYS = ("version", "description", "locale", "main", "max_tries", "tables", "scenarios")
TABLE_KEYS = ("rows", "key", "columns", "constraints", "events", "max_tries", "description")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
LIST_COLUMN = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(~|=(?!=))\s*(.+)$", re.DOTALL)


def parse_spec(spec: str | os.PathLike[str] | dict[str, Any] | Spec, scenarios: Sequence[str] = ()) -> Spec:
    """The validated :class:`Spec` from a YAML path, YAML text or dict; raises SpecError listing mistakes."""
    if isinstance(spec, Spec):
        return spec if not scenarios else parse_spec(spec.tree, scenarios)
    tree, source = load_tree(spec)
    problems = Problems(source)
    root = Where("")
    unknown_keys(tree, root, TOP_KEYS, problems, "top-level")
    if "version" in tree and tree["version"] != 1:
        problems.add(
            tree.where(root, "version"), f"unknown spec version {tree['version']!r}", "write version: 1"
        )
    active = active_scenarios(tree, scenarios, problems)
    tree2 = apply_sets(tree, active, problems)
    locale = tree2.get("locale", "en_US")
    if not isinstance(locale, str):
        problems.add(
            tree2.where(root, "locale"), "'locale' must be a Faker locale name", "write locale: en_US"
        )
        locale = "en_US"
    max_tries = whole_number(tree2, "max_tries", 100, 1, 100_000, root, problems)
    tables_node = tree2.get("tables")
    tables: dict[str, TableSpec] = {}
    if not isinstance(tables_node, SpecMap) or not tables_node:
        problems.add(
            tree2.where(root, "tables") if "tables" in tree2 else root,
            "the spec declares no tables",
            "add tables: {name: {rows: 100, columns: {...}}}",
        )
    else:
        at = tree2.where(root, "tables")
        for name, body in tables_node.items():
            table = _parse_table(name, body, tables_node.where(at, name), problems, locale, max_tries)
            if table is not None:
                tables[name] = table
    for scenario, item, where in burst_items(tree2, active, problems):
        burst = parse_burst(scenario, item, where, problems, locale)
        if burst is not None and burst.table in tables:
            t = tables[burst.table]
            tables[burst.table] = TableSpec(**{**t.__dict__, "bursts": (*t.bursts, burst)})
        elif burst is not None:
            problems.add(
                where,
                f"the burst names an unknown table {burst.table!r}",
                f"{suggest(burst.table, tables)}use one of {', '.join(tables)}",
            )
    main = tree2.get("main", next(iter(tables), ""))
    if tables and main not in tables:
        problems.add(
            tree2.where(root, "main"),
            f"'main' names an unknown table {main!r}",
            f"{suggest(main, tables)}use one of {', '.join(tables)}",
        )
    order = resolve(tables, problems)  # also on a spec with mistakes, to report them all at once
    problems.raise_if_any()
    return Spec(tables, str(main), locale, source, tuple(active), tree2, order)


# -- tables -------------------------------------------------------------------------------------------
def _parse_table(
    name: str, body: Any, where: Where, problems: Problems, locale: str, max_tries: int
) -> TableSpec | None:
    if not check_name(name, where, problems, "table"):
        return None
    if not isinstance(body, SpecMap):
        problems.add(
            where,
            "a table must be a mapping with 'columns' and 'rows' or 'events'",
            "write {rows: 100, columns: {...}}",
        )
        return None
    unknown_keys(body, where, TABLE_KEYS, problems, "table")
    columns = _parse_columns(body.get("columns", SpecMap()), body.where(where, "columns"), problems, locale)
    constraints: list[ConstraintSpec] = []
    raw = body.get("constraints", SpecList())
    at = body.where(where, "constraints")
    if not isinstance(raw, SpecList):
        problems.add(at, "'constraints' must be a list", "write constraints: ['end >= start', {unique: id}]")
    else:
        for i, item in enumerate(raw):
            c = parse_constraint(item, raw.where(at, i), problems)
            if c is not None:
                constraints.append(c)
    events = None
    rows: int | None = None
    if "events" in body:
        events = parse_events(body["events"], body.where(where, "events"), problems, locale)
        if "rows" in body:
            problems.add(
                body.where(where, "rows"),
                "an event table gets its rows from its process, not 'rows'",
                "remove 'rows' (use --rows to scale the parent table)",
            )
    else:
        rows = whole_number(body, "rows", 0, 0, 10**12, where, problems) if "rows" in body else None
        if rows is None:
            problems.add(
                where,
                f"table {name!r} has neither 'rows' nor 'events'",
                "add rows: N for an entity table, or events: {parent: ...} for an event table",
            )
    key = name_of(body, "key", None, where, problems)
    tries = whole_number(body, "max_tries", max_tries, 1, 100_000, where, problems)
    return TableSpec(name, where, tuple(columns), tuple(constraints), rows, key, events, tries)


def _parse_columns(node: Any, where: Where, problems: Problems, locale: str) -> list[ColumnSpec]:
    out: list[ColumnSpec] = []
    if isinstance(node, SpecMap):
        items = [(name, value, node.where(where, name)) for name, value in node.items()]
    elif isinstance(node, SpecList):
        items = []
        for i, entry in enumerate(node):
            at = node.where(where, i)
            if isinstance(entry, str) and LIST_COLUMN.match(entry):
                m = LIST_COLUMN.match(entry)
                assert m is not None
                text = m.group(3) if m.group(2) == "~" else f"({m.group(3)})"
                items.append((m.group(1), text, at.child(m.group(1), at.line)))
            elif isinstance(entry, SpecMap) and len(entry) == 1:
                name = next(iter(entry))
                items.append((name, entry[name], entry.where(at, name)))
            else:
                problems.add(
                    at,
                    f"cannot read the column entry {entry!r}",
                    "write 'name ~ distribution(...)', 'name = expression' or {name: ...}",
                )
    else:
        problems.add(
            where,
            "'columns' must map column names to their definitions",
            "write columns: {amount: 'lognormal(mu=3, sigma=1)'}",
        )
        return out
    seen: set[str] = set()
    for name, value, at in items:
        if name in seen:
            problems.add(at, f"the column {name!r} is declared twice", "keep one definition")
            continue
        seen.add(name)
        col = parse_column(name, value, at, problems, locale)
        if col is None and _IDENT.match(name):  # a stand-in, so later checks do not call it unknown
            col = ColumnSpec(name, ExprGen(literal(0.0, at)), at)
        if col is not None:
            out.append(col)
    return out
