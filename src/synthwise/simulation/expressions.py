"""The safe expression language of simulation specs: parsed with :mod:`ast`, never ``eval``-ed.

An expression is checked against a whitelist before anything runs:

* numbers, strings, ``True`` / ``False``, names of columns (no name starting with ``_``);
* ``+ - * / // % **``, comparisons (``== != < <= > >=``, ``in`` / ``not in`` a literal list),
  ``and`` / ``or`` / ``not``, ``a if cond else b``;
* calls to the functions in :data:`FUNCTIONS` only (``min``, ``max``, ``abs``, ``log``, ``exp``,
  ``sqrt``, ``where``, ``clip``, ``sigmoid``, ``days`` ... ``date``), positional arguments only.

Attribute access, subscripts, lambdas, comprehensions, other calls and dunder names are refused with a
:class:`~synthwise.errors.SpecError` naming the line and key. Evaluation is vectorized on numpy arrays
(a whole chunk of rows per call); numbers are numpy scalars, so ``2 ** 10 ** 10`` overflows to
``inf`` instead of building a huge Python integer.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from synthwise.simulation import values as V
from synthwise.simulation.functions import FUNCTIONS, ExprError, as_number
from synthwise.simulation.source import Problems, Where

MAX_LENGTH = 2000
MAX_NODES = 400
CONSTANTS = {"pi": np.pi}


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: lambda a, b: np.power(np.asarray(a, dtype=np.float64), b),
}
_ORDER: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}
_REFUSED = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
}


def parse_date(text: str) -> np.datetime64:
    """A date / datetime string to ``datetime64[ns]``; raises ValueError when it is not one."""
    import pandas as pd

    ts = pd.Timestamp(text)
    if ts is pd.NaT:
        raise ValueError(text)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.datetime64(ts.to_datetime64(), "ns")


@dataclass(frozen=True)
class Expr:
    """A validated expression: its source text, syntax tree, the column names it reads and its place."""

    source: str
    tree: ast.expr
    names: frozenset[str]
    where: Where

    @property
    def is_constant(self) -> bool:
        return not self.names

    def evaluate(self, lookup: Callable[[str], Any], n: int) -> Any:
        """The value for ``n`` rows; ``lookup(name)`` gives a column. Raises ExprError on bad data."""
        try:
            with np.errstate(all="ignore"):
                return _eval(self.tree, lookup, n)
        except ExprError:
            raise
        except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
            raise ExprError(f"cannot evaluate {self.source!r}: {exc}") from exc

    def constant(self) -> Any:
        """The value of an expression that reads no column."""
        return self.evaluate(lambda name: (_ for _ in ()).throw(ExprError(name)), 1)


def literal(value: Any, where: Where) -> Expr:
    """An expression standing for one constant (numbers and strings from YAML)."""
    return Expr(repr(value), ast.Constant(value), frozenset(), where)


def parse_node(text: str, where: Where, problems: Problems) -> ast.expr | None:
    """``text`` as one Python expression node, or None after recording a syntax problem."""
    if len(text) > MAX_LENGTH:
        problems.add(
            where,
            f"the expression is {len(text):,} characters long (at most {MAX_LENGTH:,})",
            "split it into helper columns with keep: false",
        )
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        problems.add(
            where,
            f"{text.strip()!r} is not a valid expression ({msg})",
            "write arithmetic such as '3 + 1.1 * is_fraud' or a call such as 'normal(mu=0, sigma=1)'",
        )
        return None
    return tree


def check_node(node: ast.expr, source: str, where: Where, problems: Problems) -> Expr | None:
    """Validate ``node`` against the whitelist; an :class:`Expr` when it passes, else None."""
    found: list[str] = []
    names: set[str] = set()
    marked: set[int] = set()  # ids of function-name nodes and of the literal lists after 'in'
    count = 0
    for sub in ast.walk(node):  # breadth first: a parent is checked before its children
        count += 1
        problem = _check(sub, names, marked)
        if problem and problem not in found:
            found.append(problem)
    if count > MAX_NODES:
        found.append(f"the expression has {count} parts (at most {MAX_NODES})")
    for problem in found:
        problems.add(
            where,
            f"unsafe or unsupported expression {source.strip()!r}: {problem}",
            "use only numbers, column names, + - * / ** %, comparisons, and/or/not, "
            f"'a if c else b' and the functions {', '.join(sorted(FUNCTIONS))}",
        )
    if found:
        return None
    return Expr(source.strip(), _convert_dates(node), frozenset(names - set(CONSTANTS)), where)


def parse_expression(text: Any, where: Where, problems: Problems) -> Expr | None:
    """An expression from spec text (numbers from YAML become constants)."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        problems.add(
            where,
            f"expected an expression, got {type(text).__name__} {text!r}",
            "write a number or an expression such as '0.3 + 0.5 * is_fraud'",
        )
        return None
    if not isinstance(text, str):
        return literal(text, where)
    node = parse_node(text, where, problems)
    return None if node is None else check_node(node, text, where, problems)


def _check(node: ast.AST, names: set[str], marked: set[int]) -> str | None:
    for kind, message in _REFUSED.items():
        if isinstance(node, kind):
            return message
    if isinstance(node, ast.Name) and id(node) in marked:
        return None
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return f"the name {node.id!r} starts with '_' (dunder and private names are refused)"
        names.add(node.id)
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            return "only calls of the listed functions by name are allowed"
        name = node.func.id
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"calling {name!r} is not allowed{hint}"
        if node.keywords:
            return f"{name}() takes positional arguments only"
        lo, hi, _ = FUNCTIONS[name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} to {hi or 'any number of'}"
            return f"{name}() takes {want} arguments, got {len(node.args)}"
        if name == "date" and not (
            isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
        ):
            return "date() takes one quoted date such as date('2024-01-01')"
        if name == "date":
            try:
                parse_date(node.args[0].value)  # type: ignore[attr-defined]
            except (ValueError, TypeError):
                return f"date({node.args[0].value!r}) is not a date"  # type: ignore[attr-defined]
        if (
            name == "round"
            and len(node.args) == 2
            and not (isinstance(node.args[1], ast.Constant) and type(node.args[1].value) is int)
        ):
            return "round()'s second argument must be a whole number of decimals"
        marked.add(id(node.func))
        return None
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool | str | float):
            return None
        if isinstance(value, int):
            return None if abs(value) < 2**63 else f"the number {value} is too large"
        return f"the constant {value!r} is not allowed"
    if isinstance(node, ast.Compare):
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn) and not (
                isinstance(right, ast.List | ast.Tuple | ast.Set)
                and all(isinstance(e, ast.Constant) for e in right.elts)
            ):
                return "'in' needs a literal list such as country in ['US', 'GB']"
            if isinstance(op, ast.In | ast.NotIn):
                marked.add(id(right))
            if isinstance(op, ast.Is | ast.IsNot):
                return "'is' is not allowed; use =="
        return None
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return None if id(node) in marked else "lists are only allowed after 'in'"
    allowed = (
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.IfExp,
        ast.operator,
        ast.unaryop,
        ast.boolop,
        ast.cmpop,
        ast.expr_context,
        ast.Load,
    )
    if isinstance(node, allowed):
        if isinstance(
            node, ast.MatMult | ast.BitAnd | ast.BitOr | ast.BitXor | ast.LShift | ast.RShift | ast.Invert
        ):
            return f"the operator {type(node).__name__} is not allowed"
        return None
    return f"{type(node).__name__} is not allowed"


def _convert_dates(node: ast.expr) -> ast.expr:
    """Replace ``date('...')`` calls by datetime64 constants (validated already)."""

    class _Dates(ast.NodeTransformer):
        def visit_Call(self, call: ast.Call) -> Any:
            self.generic_visit(call)
            if isinstance(call.func, ast.Name) and call.func.id == "date":
                when = parse_date(call.args[0].value)  # type: ignore[attr-defined]
                return ast.copy_location(ast.Constant(when), call)  # type: ignore[arg-type]
            return call

    out: ast.expr = _Dates().visit(node)
    return out


def _const(value: Any) -> Any:
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    return value


def _eval(node: ast.expr, lookup: Callable[[str], Any], n: int) -> Any:
    if isinstance(node, ast.Constant):
        return _const(node.value)
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id] if node.id in CONSTANTS else lookup(node.id)
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, lookup, n), _eval(node.right, lookup, n)
        return _BINOPS[type(node.op)](as_number(left), as_number(right))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, lookup, n)
        if isinstance(node.op, ast.Not):
            return np.logical_not(as_number(value))
        return np.negative(as_number(value)) if isinstance(node.op, ast.USub) else as_number(value)
    if isinstance(node, ast.BoolOp):
        parts = [np.asarray(as_number(_eval(v, lookup, n)), dtype=bool) for v in node.values]
        fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return reduce(fn, parts)
    if isinstance(node, ast.IfExp):
        cond = np.asarray(as_number(_eval(node.test, lookup, n)), dtype=bool)
        return V.select(cond, _eval(node.body, lookup, n), _eval(node.orelse, lookup, n), n)
    if isinstance(node, ast.Compare):
        return _compare(node, lookup, n)
    if isinstance(node, ast.Call):
        name = node.func.id  # type: ignore[attr-defined]
        args = [_eval(a, lookup, n) for a in node.args]
        return FUNCTIONS[name][2](args, n)
    raise ExprError(f"{type(node).__name__} cannot be evaluated here")


def _compare(node: ast.Compare, lookup: Callable[[str], Any], n: int) -> Any:
    left = _eval(node.left, lookup, n)
    result: Any = None
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.In | ast.NotIn):
            consts = [e.value for e in right_node.elts]  # type: ignore[attr-defined]
            part: Any = V.isin(left, consts, n)
            right: Any = left
            if isinstance(op, ast.NotIn):
                part = ~part
        else:
            right = _eval(right_node, lookup, n)
            if isinstance(op, ast.Eq | ast.NotEq):
                part = V.equal(left, right, n)
                part = np.logical_not(part) if isinstance(op, ast.NotEq) else part
            else:
                if V.is_stringy(left) or V.is_stringy(right):
                    raise ExprError("text can only be compared with ==, != and in")
                part = _ORDER[type(op)](as_number(left), as_number(right))
        result = part if result is None else np.logical_and(result, part)
        left = right
    return result
