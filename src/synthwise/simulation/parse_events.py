"""Parse the ``events`` of an event table (Poisson arrivals, state machines) and scenario bursts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from synthwise.simulation.expressions import Expr, literal, parse_expression
from synthwise.simulation.parse_args import check_name, suggest, time_expr
from synthwise.simulation.parse_columns import parse_gen
from synthwise.simulation.source import Problems, SpecList, SpecMap, Where
from synthwise.simulation.spec import UNIT_NS, BurstSpec, EventsSpec, Gen, PoissonProcess, StateProcess

POISSON_KEYS = ("parent", "process", "when", "rate", "per", "start", "end", "time", "index", "description")
STATE_KEYS = (
    "parent",
    "process",
    "when",
    "states",
    "initial",
    "transitions",
    "max_steps",
    "start",
    "interval",
    "per",
    "time",
    "state",
    "step",
    "description",
)
BURST_KEYS = ("table", "start", "end", "rate", "per", "fraction", "where", "set", "description")


def unknown_keys(node: SpecMap, where: Where, allowed: Sequence[str], problems: Problems, what: str) -> None:
    for key in node:
        if key not in allowed:
            problems.add(
                node.where(where, key),
                f"unknown {what} key {key!r}",
                f"{suggest(key, allowed)}use one of {', '.join(allowed)}",
            )


def whole_number(
    node: SpecMap, key: str, default: int, lo: int, hi: int, where: Where, problems: Problems
) -> int:
    value = node.get(key, default)
    if type(value) is not int or not lo <= value <= hi:
        problems.add(
            node.where(where, key),
            f"{key!r} must be a whole number in [{lo:,}, {hi:,}], got {value!r}",
            f"write {key}: {default}",
        )
        return default
    return value


def name_of(node: SpecMap, key: str, default: str | None, where: Where, problems: Problems) -> str | None:
    value = node.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not check_name(value, node.where(where, key), problems):
        if not isinstance(value, str):
            problems.add(node.where(where, key), f"{key!r} must be a column name", f"write {key}: {default}")
        return default
    return value


def _per(node: SpecMap, where: Where, problems: Problems) -> str:
    per = node.get("per", "day")
    if per not in UNIT_NS:
        problems.add(
            node.where(where, "per"),
            f"unknown time unit {per!r}",
            f"{suggest(str(per), UNIT_NS)}use one of {', '.join(UNIT_NS)}",
        )
        return "day"
    return str(per)


def parse_events(node: Any, where: Where, problems: Problems, locale: str) -> EventsSpec | None:
    if not isinstance(node, SpecMap):
        problems.add(
            where,
            "'events' must be a mapping with 'parent' and 'process'",
            "write events: {parent: customers, process: poisson, rate: 2, start: ..., end: ...}",
        )
        return None
    process_name = node.get("process", "poisson")
    if process_name not in ("poisson", "states"):
        problems.add(
            node.where(where, "process"),
            f"unknown process {process_name!r}",
            "use process: poisson (arrivals in a window) or process: states (a state machine)",
        )
        return None
    unknown_keys(
        node,
        where,
        POISSON_KEYS if process_name == "poisson" else STATE_KEYS,
        problems,
        f"{process_name} events",
    )
    parent = node.get("parent")
    if not isinstance(parent, str):
        problems.add(
            where,
            "'events' needs 'parent': the table whose rows have these events",
            "write parent: customers",
        )
        return None
    process: PoissonProcess | StateProcess | None
    if process_name == "poisson":
        process = _parse_poisson(node, where, problems)
    else:
        process = _parse_states(node, where, problems, locale)
    if process is not None and "when" in node:
        when = parse_expression(node["when"], node.where(where, "when"), problems)
        process = replace(process, when=when)
    return None if process is None else EventsSpec(parent, "", process, where)


def _required_time(node: SpecMap, key: str, where: Where, problems: Problems) -> Expr | None:
    if key not in node:
        problems.add(where, f"the process needs {key!r}", f"write {key}: 2024-01-01 or an expression")
        return None
    return time_expr(node[key], node.where(where, key), problems)


def _parse_poisson(node: SpecMap, where: Where, problems: Problems) -> PoissonProcess | None:
    if "rate" not in node:
        problems.add(
            where,
            "a poisson process needs 'rate' (events per 'per' for each parent row)",
            "write rate: 3 (or an expression of parent columns)",
        )
        return None
    rate = parse_expression(node["rate"], node.where(where, "rate"), problems)
    start = _required_time(node, "start", where, problems)
    end = _required_time(node, "end", where, problems)
    per = _per(node, where, problems)
    time = name_of(node, "time", "time", where, problems) or "time"
    index = name_of(node, "index", None, where, problems)
    if rate is None or start is None or end is None:
        return None
    return PoissonProcess(rate, per, start, end, time, index)


def _weights(raw: Any, states: list[str], where: Where, problems: Problems) -> tuple[Expr, ...] | None:
    if isinstance(raw, str) and raw in states:
        return tuple(literal(1.0 if s == raw else 0.0, where) for s in states)
    if not isinstance(raw, SpecMap):
        problems.add(
            where, "expected a state name or a mapping {state: weight}", "write {ward: 0.8, icu: 0.2}"
        )
        return None
    out = []
    for target in raw:
        if target not in states:
            problems.add(
                raw.where(where, target),
                f"unknown state {target!r}",
                f"{suggest(target, states)}declare it in 'states'",
            )
            return None
    for s in states:
        expr = parse_expression(raw[s], raw.where(where, s), problems) if s in raw else literal(0.0, where)
        if expr is None:
            return None
        out.append(expr)
    return tuple(out)


def _parse_states(node: SpecMap, where: Where, problems: Problems, locale: str) -> StateProcess | None:
    transitions_node = node.get("transitions")
    t_at = node.where(where, "transitions")
    if not isinstance(transitions_node, SpecMap):
        problems.add(
            t_at if "transitions" in node else where,
            "a states process needs 'transitions': {from: {to: weight}}",
            "write transitions: {admitted: {ward: 0.8, icu: 0.2}, ward: {discharged: 1}}",
        )
        return None
    declared = node.get("states")
    if declared is None:
        states = list(
            dict.fromkeys(
                [
                    *transitions_node,
                    *(t for v in transitions_node.values() if isinstance(v, SpecMap) for t in v),
                ]
            )
        )
    elif isinstance(declared, SpecList) and all(isinstance(s, str) for s in declared) and declared:
        states = list(declared)
    else:
        problems.add(
            node.where(where, "states"),
            "'states' must be a list of state names",
            "write states: [admitted, ward, discharged]",
        )
        return None
    if "initial" not in node:
        problems.add(
            where, "a states process needs 'initial': a state or {state: weight}", "write initial: admitted"
        )
        return None
    initial = _weights(node["initial"], states, node.where(where, "initial"), problems)
    transitions: dict[str, tuple[Expr, ...]] = {}
    for src, targets in transitions_node.items():
        at = transitions_node.where(t_at, src)
        if src not in states:
            problems.add(at, f"unknown state {src!r}", f"{suggest(src, states)}declare it in 'states'")
            continue
        w = _weights(targets, states, at, problems)
        if w is not None:
            transitions[src] = w
    start = _required_time(node, "start", where, problems)
    interval_raw = node.get("interval", 1)
    interval: Gen | None = parse_gen(interval_raw, node.where(where, "interval"), problems, locale)
    max_steps = whole_number(node, "max_steps", 100, 1, 100_000, where, problems)
    per = _per(node, where, problems)
    time, state, step = (name_of(node, k, k, where, problems) or k for k in ("time", "state", "step"))
    if initial is None or start is None or interval is None:
        return None
    return StateProcess(
        tuple(states),
        initial,
        transitions,
        max_steps,
        start,
        interval,
        per,
        time=time,
        state=state,
        step=step,
    )


# -- bursts -------------------------------------------------------------------------------------------
def parse_burst(scenario: str, node: Any, where: Where, problems: Problems, locale: str) -> BurstSpec | None:
    if not isinstance(node, SpecMap):
        problems.add(
            where, "a burst must be a mapping", "write {table: ..., start: ..., end: ..., rate: ...}"
        )
        return None
    unknown_keys(node, where, BURST_KEYS, problems, "burst")
    missing = [k for k in ("table", "start", "end", "rate") if k not in node]
    if missing:
        problems.add(
            where,
            f"the burst needs {', '.join(repr(m) for m in missing)}",
            "write {table: logs, start: 2024-03-05 02:00, end: 2024-03-05 02:30, rate: 30, per: minute}",
        )
        return None
    times = []
    for key in ("start", "end"):
        expr = time_expr(node[key], node.where(where, key), problems)
        if expr is not None and not expr.is_constant:
            problems.add(
                node.where(where, key),
                f"the burst {key!r} must be a fixed date and time",
                "write e.g. 2024-03-05 02:00",
            )
            return None
        times.append(None if expr is None else expr.constant())
    rate, fraction = node["rate"], node.get("fraction", 1.0)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 0:
        problems.add(
            node.where(where, "rate"), f"'rate' must be a number >= 0, got {rate!r}", "write rate: 30"
        )
        return None
    if not isinstance(fraction, int | float) or isinstance(fraction, bool) or not 0 <= fraction <= 1:
        problems.add(
            node.where(where, "fraction"),
            f"'fraction' must be in [0, 1], got {fraction!r}",
            "write fraction: 0.05",
        )
        return None
    when = parse_expression(node["where"], node.where(where, "where"), problems) if "where" in node else None
    overrides: dict[str, Gen] = {}
    sets = node.get("set", SpecMap())
    if not isinstance(sets, SpecMap):
        problems.add(
            node.where(where, "set"), "'set' must map columns to new definitions", "write set: {is_attack: 1}"
        )
    else:
        for col, value in sets.items():
            gen = parse_gen(value, sets.where(node.where(where, "set"), col), problems, locale)
            if gen is not None:
                overrides[col] = gen
    if None in times or ("where" in node and when is None):
        return None
    start, end = (np.datetime64(t, "ns") for t in times)
    if end <= start:
        problems.add(
            node.where(where, "end"), "the burst ends before it starts", "make 'end' later than 'start'"
        )
        return None
    return BurstSpec(
        scenario,
        str(node["table"]),
        start,
        end,
        float(rate),
        _per(node, where, problems),
        float(fraction),
        when,
        overrides,
        where,
    )
