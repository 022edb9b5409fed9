"""Shared parsing helpers and the arguments of distribution calls (from a call or from YAML).

``dist_from_call`` reads ``lognormal(mu = 3 + 1.1 * is_fraud, sigma = 0.8)``; ``finish_args`` converts
raw arguments to their kinds (expressions, literal lists, weights, texts, whole numbers), fills the
defaults and checks constant values against the parameter's rule (``sigma > 0``) at parse time.
"""

from __future__ import annotations

import ast
import datetime as _dt
import difflib
import re
from typing import Any

import numpy as np

from synthwise.simulation.distributions import DISTRIBUTIONS, REQUIRED, check_rule
from synthwise.simulation.expressions import (
    FUNCTIONS,
    Expr,
    ExprError,
    check_node,
    literal,
    parse_date,
    parse_expression,
)
from synthwise.simulation.source import Problems, Where
from synthwise.simulation.spec import DistGen

_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*$")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def check_name(name: str, where: Where, problems: Problems, what: str = "column") -> bool:
    if not _IDENT.match(name) or name in FUNCTIONS:
        problems.add(
            where,
            f"{name!r} cannot be a {what} name",
            "use letters, digits and '_', starting with a letter, and not a function name",
        )
        return False
    return True


def time_expr(value: Any, where: Where, problems: Problems) -> Expr | None:
    """A time: a YAML date, a date string ('2024-01-01 08:00') or an expression giving a datetime."""
    if isinstance(value, _dt.date):
        return literal(np.datetime64(value, "ns"), where)
    if isinstance(value, str) and _DATE.match(value):
        try:
            return literal(parse_date(value), where)
        except (ValueError, TypeError):
            problems.add(
                where, f"{value!r} is not a valid date", "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"
            )
            return None
    return parse_expression(value, where, problems)


def dist_from_call(dist: str, node: ast.Call, text: str, where: Where, problems: Problems) -> DistGen | None:
    spec = DISTRIBUTIONS[dist]
    raw: dict[str, Any] = {}
    ok = True
    if len(node.args) > len(spec.params):
        problems.add(
            where,
            f"{dist}() takes at most {len(spec.params)} positional arguments",
            f"name them: {', '.join(p.name for p in spec.params)}",
        )
        ok = False
    for param, arg in zip(spec.params, node.args, strict=False):
        raw[param.name] = arg
    for kw in node.keywords:
        if kw.arg is None or spec.param(kw.arg) is None:
            problems.add(
                where,
                f"{dist}() has no argument {kw.arg!r}",
                f"{suggest(kw.arg or '', [p.name for p in spec.params])}use "
                f"{', '.join(p.name for p in spec.params) or 'no arguments'}",
            )
            ok = False
        elif kw.arg in raw:
            problems.add(where, f"{dist}() got {kw.arg!r} twice", "give each argument once")
            ok = False
        else:
            raw[kw.arg] = kw.value
    args = finish_args(dist, raw, where, problems, source=text) if ok else None
    return None if args is None else DistGen(dist, args, where)


def finish_args(
    dist: str, raw: dict[str, Any], where: Where, problems: Problems, source: str = ""
) -> dict[str, Any] | None:
    """Convert raw arguments (AST nodes from a call, or YAML values) to their kinds and check them."""
    spec = DISTRIBUTIONS[dist]
    args: dict[str, Any] = {}
    ok = True
    for param in spec.params:
        if param.name not in raw:
            if param.default is REQUIRED:
                problems.add(
                    where,
                    f"{dist}() needs the argument {param.name!r}",
                    f"add {param.name}=... ({spec.summary})",
                )
                ok = False
            else:
                args[param.name] = literal(param.default, where) if param.kind == "expr" else param.default
            continue
        value = _convert_arg(dist, param.kind, param.name, raw[param.name], where, problems, source)
        if value is _BAD:
            ok = False
            continue
        if param.kind == "expr" and isinstance(value, Expr) and value.is_constant:
            try:
                check_rule(param.name, value.constant(), param.rule)
            except ExprError as exc:
                problems.add(where, f"{dist}(): {exc}", "change the value")
                ok = False
        args[param.name] = value
    if not ok:
        return None
    weights = args.get("weights") if dist in ("categorical", "empirical") else None
    if weights is not None and len(weights) != len(args["values"]):
        problems.add(
            where,
            f"{dist}() has {len(args['values'])} values but {len(weights)} weights",
            "give one weight per value",
        )
        return None
    if dist == "fake":
        return args if _check_fake(args, where, problems) else None
    return args


_BAD = object()


def _convert_arg(
    dist: str, kind: str, name: str, value: Any, where: Where, problems: Problems, source: str
) -> Any:
    is_node = isinstance(value, ast.AST)
    if kind == "expr":
        if is_node:
            expr = check_node(value, ast.unparse(value), where, problems)
            if (
                expr is not None
                and dist == "datetime"
                and expr.is_constant
                and isinstance(value, ast.Constant)
            ):
                return time_expr(value.value, where, problems) or _BAD
            return _BAD if expr is None else expr
        if dist == "datetime":
            return time_expr(value, where, problems) or _BAD
        return parse_expression(value, where, problems) or _BAD
    if kind == "values":
        try:
            items = ast.literal_eval(value) if is_node else value
        except (ValueError, SyntaxError):
            items = None
        if (
            not isinstance(items, list | tuple)
            or not items
            or not all(isinstance(v, str | int | float | bool) for v in items)
        ):
            problems.add(
                where,
                f"{dist}(): {name!r} must be a non-empty list of numbers or texts",
                f"write e.g. {name}: [a, b, c]",
            )
            return _BAD
        return list(items)
    if kind == "weights":
        if value is None:
            return None
        nodes = value.elts if is_node and isinstance(value, ast.List | ast.Tuple) else value
        if not isinstance(nodes, list | tuple):
            problems.add(where, f"{dist}(): 'weights' must be a list", "write e.g. weights: [0.7, 0.3]")
            return _BAD
        out = []
        for item in nodes:
            expr = (
                check_node(item, ast.unparse(item), where, problems)
                if isinstance(item, ast.expr)
                else parse_expression(item, where, problems)
            )
            if expr is None:
                return _BAD
            out.append(expr)
        return out
    literal_value = (
        value.value if is_node and isinstance(value, ast.Constant) else (None if is_node else value)
    )
    want = str if kind == "text" else int
    if type(literal_value) is not want:
        problems.add(
            where,
            f"{dist}(): {name!r} must be a {'text' if want is str else 'whole number'}",
            f"write e.g. {name}={'name' if want is str else 1}",
        )
        return _BAD
    return literal_value


def _check_fake(args: dict[str, Any], where: Where, problems: Problems) -> bool:
    from synthwise.simulation.fakes import check_kind

    problem = check_kind(args["kind"], args["locale"] or "en_US")
    if problem:
        problems.add(
            where,
            problem,
            "use a Faker provider method such as name, email, address, iban, "
            "ipv4, phone_number, company, city, and a locale such as en_US or de_DE",
        )
        return False
    return True
