"""Parse one column (or constraint) of a spec into a generator, recording every mistake with its place.

A column is written in one of these forms::

    amount: "lognormal(mu = 3 + 1.1 * is_fraud, sigma = 0.8)"   # a distribution call
    fee: "0.3 + 0.029 * amount"                                  # an expression
    age: {normal: {mu: 40, sigma: 12}, clip: [18, 95], round: 0} # a distribution with arguments
    channel: {categorical: {chip: "0.7 - 0.4 * is_fraud", online: "0.3 + 0.4 * is_fraud"}}
    plan: {empirical: [basic, plus, pro], weights: [5, 3, 1]}
    name: {fake: name, locale: de_DE}
    id: {sequence: {start: 1, prefix: "C", width: 6}}
    risk: {cases: [{when: "is_fraud == 1", dist: "beta(a=5, b=2)"}, {dist: "beta(a=1, b=9)"}]}

Modifiers: ``round`` (decimals; 0 gives whole numbers), ``clip: [low, high]``, ``missing`` (a share of
values left empty on output), ``keep: false`` (a helper column not written), ``unit`` (datetime output
resolution: D, s, ms, us, ns).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from synthwise.simulation.distributions import DISTRIBUTIONS
from synthwise.simulation.expressions import (
    FUNCTIONS,
    Expr,
    check_node,
    literal,
    parse_expression,
    parse_node,
)
from synthwise.simulation.parse_args import check_name, dist_from_call, finish_args, suggest
from synthwise.simulation.source import Problems, SpecList, SpecMap, Where
from synthwise.simulation.spec import (
    OUTPUT_UNITS,
    CasesGen,
    ColumnSpec,
    DistGen,
    ExprGen,
    Gen,
)

GEN_KEYS = ("dist", "expr", "categorical", "empirical", "fake", "sequence", "cases", *DISTRIBUTIONS)
MODIFIERS = ("round", "clip", "missing", "keep", "unit", "description")


# -- generators ---------------------------------------------------------------------------------------
def parse_gen_text(text: str, where: Where, problems: Problems, *, need_dist: bool = False) -> Gen | None:
    """A string column: a distribution call such as 'normal(mu=0, sigma=1)' or an expression."""
    node = parse_node(text, where, problems)
    if node is None:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DISTRIBUTIONS:
        return dist_from_call(node.func.id, node, text, where, problems)
    head = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
    if head is not None and head not in FUNCTIONS and not head.startswith("_"):
        problems.add(
            where,
            f"unknown distribution or function {head!r}",
            f"{suggest(head, [*DISTRIBUTIONS, *FUNCTIONS])}use a distribution ({', '.join(DISTRIBUTIONS)}) "
            "or a function of the expression language",
        )
        return None
    if need_dist:
        hint = suggest(head, DISTRIBUTIONS) if head else ""
        problems.add(
            where,
            f"{text.strip()!r} is not a distribution call",
            f"{hint}write one of {', '.join(DISTRIBUTIONS)} with arguments, e.g. 'normal(mu=0, sigma=1)'",
        )
        return None
    expr = check_node(node, text, where, problems)
    return None if expr is None else ExprGen(expr)


def parse_gen(value: Any, where: Where, problems: Problems, locale: str) -> Gen | None:
    """A column generator from any of the written forms (string, number, mapping)."""
    if isinstance(value, str):
        gen = parse_gen_text(value, where, problems)
        return _with_locale(gen, locale)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ExprGen(literal(value, where))
    if not isinstance(value, SpecMap):
        problems.add(
            where,
            f"a column must be a distribution, an expression or a mapping, not {value!r}",
            "write e.g. 'normal(mu=0, sigma=1)' or {categorical: {a: 0.5, b: 0.5}}",
        )
        return None
    keys = [k for k in value if k in GEN_KEYS]
    if len(keys) != 1:
        found = ", ".join(keys) if keys else "none"
        unknown = [
            k
            for k in value
            if k not in GEN_KEYS and k not in MODIFIERS and k not in ("when", "weights", "locale", "pool")
        ]
        hint = suggest(unknown[0], GEN_KEYS) if unknown else ""
        problems.add(
            where,
            f"a column needs exactly one of {', '.join(GEN_KEYS[:7])} or a distribution name (found {found})",
            f"{hint}keep one way of making the column",
        )
        return None
    key = keys[0]
    at = value.where(where, key)
    body = value[key]
    if key in ("dist", "expr"):
        if not isinstance(body, str | int | float):
            problems.add(at, f"'{key}' must be text", "write it in quotes")
            return None
        gen = (
            parse_gen_text(str(body), at, problems, need_dist=key == "dist")
            if isinstance(body, str)
            else ExprGen(literal(body, at))
        )
        return _with_locale(gen, locale)
    if key == "cases":
        return _parse_cases(body, at, problems, locale)
    raw = _mapping_args(key, body, value, at, problems)
    if raw is None:
        return None
    dist = "categorical" if key == "categorical" else key
    args = finish_args(dist, raw, at, problems)
    return None if args is None else _with_locale(DistGen(dist, args, at), locale)


def _with_locale(gen: Gen | None, locale: str) -> Gen | None:
    if isinstance(gen, DistGen) and gen.dist == "fake" and not gen.args.get("locale"):
        return DistGen("fake", {**gen.args, "locale": locale}, gen.where)
    return gen


def _mapping_args(
    key: str, body: Any, column: SpecMap, at: Where, problems: Problems
) -> dict[str, Any] | None:
    if key == "categorical":
        if not isinstance(body, SpecMap) or not body:
            problems.add(
                at, "'categorical' must map each value to its weight", "write e.g. {US: 0.7, GB: 0.3}"
            )
            return None
        names = list(body)
        values: list[Any] = (
            [int(k) for k in names] if all(re.fullmatch(r"-?\d+", k) for k in names) else names
        )
        return {"values": values, "weights": [body[k] for k in names]}
    if key == "empirical":
        return {"values": body, **({"weights": column["weights"]} if "weights" in column else {})}
    if key == "fake":
        if not isinstance(body, str):
            problems.add(at, "'fake' must name a kind of value", "write e.g. fake: email")
            return None
        return {"kind": body, **{k: column[k] for k in ("locale", "pool") if k in column}}
    if key == "sequence":
        if body is True or body is None:
            return {}
        if isinstance(body, int) and not isinstance(body, bool):
            return {"start": body}
        if isinstance(body, SpecMap):
            return dict(body)
        problems.add(
            at,
            "'sequence' must be true, a start number or {start, step, prefix, width}",
            "write e.g. sequence: {start: 1, prefix: C, width: 6}",
        )
        return None
    if key == "uuid":
        return {}
    if not isinstance(body, SpecMap):
        problems.add(
            at,
            f"'{key}' must map its arguments to values",
            f"write e.g. {key}: {{{', '.join(p.name + ': ...' for p in DISTRIBUTIONS[key].params)}}}",
        )
        return None
    return dict(body)


def _parse_cases(body: Any, at: Where, problems: Problems, locale: str) -> CasesGen | None:
    if not isinstance(body, SpecList) or not body:
        problems.add(
            at,
            "'cases' must be a list of {when: ..., <column>} items, the last without 'when'",
            "write e.g. cases: [{when: 'x > 0', dist: 'normal(mu=1, sigma=1)'}, {expr: '0'}]",
        )
        return None
    cases: list[tuple[Expr | None, Gen]] = []
    for i, item in enumerate(body):
        item_at = body.where(at, i)
        if not isinstance(item, SpecMap):
            problems.add(item_at, "each case must be a mapping", "write {when: ..., dist: ...}")
            return None
        when = (
            parse_expression(item["when"], item.where(item_at, "when"), problems) if "when" in item else None
        )
        if "when" not in item and i != len(body) - 1:
            problems.add(item_at, "only the last case may leave out 'when'", "add a 'when' condition")
        gen = parse_gen(
            SpecMap({k: v for k, v in item.items() if k != "when"}, item.line), item_at, problems, locale
        )
        if gen is None or ("when" in item and when is None):
            return None
        cases.append((when, gen))
    return CasesGen(tuple(cases), at)  # rows that match no case are left empty


def parse_column(name: str, value: Any, where: Where, problems: Problems, locale: str) -> ColumnSpec | None:
    """One column with its modifiers."""
    if not check_name(name, where, problems):
        return None
    gen = parse_gen(value, where, problems, locale)
    if gen is None:
        return None
    if not isinstance(value, SpecMap):
        return ColumnSpec(name, gen, where)
    mods: dict[str, Any] = {}
    for key in value:
        if key in GEN_KEYS or key in ("weights", "locale", "pool"):
            continue
        at = value.where(where, key)
        v = value[key]
        if key not in MODIFIERS:
            problems.add(
                at,
                f"unknown column key {key!r}",
                f"{suggest(key, (*MODIFIERS, *GEN_KEYS))}use one of {', '.join(MODIFIERS)}",
            )
        elif key == "round" and not (type(v) is int and 0 <= v <= 15):
            problems.add(
                at, f"'round' must be a whole number of decimals in [0, 15], got {v!r}", "write round: 2"
            )
        elif key == "clip" and not (
            isinstance(v, list)
            and len(v) == 2
            and all(x is None or (isinstance(x, int | float) and not isinstance(x, bool)) for x in v)
        ):
            problems.add(
                at, f"'clip' must be [low, high] (null for no bound), got {v!r}", "write clip: [0, 100]"
            )
        elif key == "missing" and not (isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1):
            problems.add(at, f"'missing' must be a share in [0, 1), got {v!r}", "write missing: 0.05")
        elif key == "keep" and not isinstance(v, bool):
            problems.add(at, f"'keep' must be true or false, got {v!r}", "write keep: false")
        elif key == "unit" and v not in OUTPUT_UNITS:
            problems.add(at, f"'unit' must be one of {', '.join(OUTPUT_UNITS)}, got {v!r}", "write unit: s")
        elif key != "description":
            mods[key] = tuple(v) if key == "clip" else v
    return ColumnSpec(name, gen, where, **mods)
