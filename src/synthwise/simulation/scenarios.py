"""Scenario overrides: named changes to a spec for rare events, switched on by name or ``enabled: true``.

::

    scenarios:
      fraud_wave:                       # synthwise simulate spec.yaml --scenario fraud_wave
        set:                            # replace any value of the spec by its dotted path
          tables.transactions.columns.is_fraud: "bernoulli(p = 0.05)"
          tables.transactions.events.rate: "2 * txn_rate"
        bursts:                         # extra events in a time window (attack bursts, outages)
          - table: connections          # an event table with a Poisson process
            start: 2024-03-05 02:00
            end: 2024-03-05 02:30
            rate: 30                    # events per `per`, for each chosen parent row
            per: minute
            fraction: 0.02              # share of parent rows taking part (default 1)
            where: "role == 'workstation'"   # optional condition on the parent row
            set: {is_attack: 1, dst_port: "empirical(values=[22, 3389, 445])"}

``set`` is applied to the YAML tree before validation, so a bad override is reported at its own line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from synthwise.simulation.parse_args import suggest
from synthwise.simulation.source import Problems, SpecList, SpecMap, Where

SCENARIO_KEYS = ("enabled", "description", "set", "bursts")


def copy_tree(node: Any) -> Any:
    """A deep copy of a located tree that keeps the lines."""
    if isinstance(node, SpecMap):
        out = SpecMap({k: copy_tree(v) for k, v in node.items()}, node.line)
        out.key_lines = dict(node.key_lines)
        return out
    if isinstance(node, SpecList):
        seq = SpecList((copy_tree(v) for v in node), node.line)
        seq.item_lines = list(node.item_lines)
        return seq
    return node


def active_scenarios(tree: SpecMap, requested: Sequence[str], problems: Problems) -> list[str]:
    """Names of the scenarios to apply: those with ``enabled: true`` plus the requested ones."""
    root = Where("")
    scenarios = tree.get("scenarios", SpecMap())
    at = tree.where(root, "scenarios")
    if not isinstance(scenarios, SpecMap):
        problems.add(
            at, "'scenarios' must map scenario names to their changes", "write scenarios: {name: {...}}"
        )
        return []
    active = []
    for name, body in scenarios.items():
        where = scenarios.where(at, name)
        if not isinstance(body, SpecMap):
            problems.add(
                where, "a scenario must be a mapping with 'set' and/or 'bursts'", "write {set: {...}}"
            )
            continue
        for key in body:
            if key not in SCENARIO_KEYS:
                problems.add(
                    body.where(where, key),
                    f"unknown scenario key {key!r}",
                    f"{suggest(key, SCENARIO_KEYS)}use {', '.join(SCENARIO_KEYS)}",
                )
        enabled = body.get("enabled", False)
        if not isinstance(enabled, bool):
            problems.add(
                body.where(where, "enabled"), "'enabled' must be true or false", "write enabled: true"
            )
        elif enabled:
            active.append(name)
    for name in requested:
        if name not in scenarios:
            problems.add(
                at,
                f"unknown scenario {name!r}",
                f"{suggest(name, scenarios)}use one of {', '.join(scenarios) or '(none declared)'}",
            )
        elif name not in active:
            active.append(name)
    return active


def apply_sets(tree: SpecMap, names: Sequence[str], problems: Problems) -> SpecMap:
    """A copy of ``tree`` with the ``set`` overrides of the named scenarios applied, in order."""
    out = copy_tree(tree)
    scenarios = tree.get("scenarios", SpecMap())
    at = tree.where(Where(""), "scenarios")
    for name in names:
        body = scenarios.get(name)
        if not isinstance(body, SpecMap) or "set" not in body:
            continue
        where = body.where(scenarios.where(at, name), "set")
        changes = body["set"]
        if not isinstance(changes, SpecMap):
            problems.add(
                where,
                "'set' must map dotted paths to new values",
                "write set: {tables.t.columns.c: 'normal(mu=1, sigma=1)'}",
            )
            continue
        for path, value in changes.items():
            _set_path(out, path, copy_tree(value), changes.where(where, path), problems)
    return out


def _set_path(tree: SpecMap, path: str, value: Any, where: Where, problems: Problems) -> None:
    parts = path.split(".")
    node: Any = tree
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, SpecMap) or part not in node:
            known = list(node) if isinstance(node, SpecMap) else []
            problems.add(
                where,
                f"the path {path!r} does not exist: no key {part!r} under "
                f"{'.'.join(parts[:i]) or 'the top level'!r}",
                f"{suggest(part, known)}point at an existing key",
            )
            return
        node = node[part]
    if not isinstance(node, SpecMap):
        problems.add(where, f"the path {path!r} does not lead to a mapping", "point at a key of a mapping")
        return
    node[parts[-1]] = value
    node.key_lines[parts[-1]] = where.line


def burst_items(tree: SpecMap, names: Sequence[str], problems: Problems) -> list[tuple[str, Any, Where]]:
    """The raw burst entries of the named scenarios: (scenario, entry, place)."""
    scenarios = tree.get("scenarios", SpecMap())
    at = tree.where(Where(""), "scenarios")
    out: list[tuple[str, Any, Where]] = []
    for name in names:
        body = scenarios.get(name)
        if not isinstance(body, SpecMap) or "bursts" not in body:
            continue
        where = body.where(scenarios.where(at, name), "bursts")
        items = body["bursts"]
        if not isinstance(items, SpecList):
            problems.add(where, "'bursts' must be a list", "write bursts: [{table: ..., start: ..., ...}]")
            continue
        out.extend((name, item, items.where(where, i)) for i, item in enumerate(items))
    return out
