"""Linear forms inside expressions: find the coefficients of ``a + b * x + c * (y == 'k')`` and refit them.

``linear_terms`` splits an expression into ``coefficient * feature`` terms (a term whose factors read no
column is a coefficient); ``fit_linear`` refits the coefficients on data by least squares, or by
logistic / Poisson regression when the form is wrapped in ``sigmoid(...)`` / ``exp(...)``.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from synthwise.simulation import values as V
from synthwise.simulation.estimators import irls
from synthwise.simulation.expressions import CONSTANTS, Expr, ExprError, check_node
from synthwise.simulation.source import Problems, Where


def fmt(x: float) -> str:
    """A number with 6 significant digits, as written into fitted specs."""
    return f"{float(x):.6g}"


def _const_value(node: ast.expr) -> float | None:
    if any(isinstance(n, ast.Name) and n.id not in CONSTANTS for n in ast.walk(node)):
        return None
    text = ast.unparse(node)
    expr = check_node(ast.parse(text, mode="eval").body, text, Where(""), Problems("fit"))
    try:
        return None if expr is None else float(expr.constant())
    except (ExprError, TypeError, ValueError, KeyError):
        return None


def linear_terms(node: ast.expr) -> list[tuple[float, ast.expr | None]] | None:
    """``node`` as a sum of ``coefficient * feature`` (feature None for the intercept), or None."""
    terms: list[tuple[float, ast.expr | None]] = []

    def walk(n: ast.expr, sign: float) -> None:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub):
            walk(n.left, sign)
            walk(n.right, sign if isinstance(n.op, ast.Add) else -sign)
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            walk(n.operand, -sign)
        else:
            c = _const_value(n)
            if c is not None:
                terms.append((sign * c, None))
            elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
                left, right = _const_value(n.left), _const_value(n.right)
                if left is not None:
                    terms.append((sign * left, n.right))
                elif right is not None:
                    terms.append((sign * right, n.left))
                else:
                    terms.append((sign, n))
            elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _const_value(n.right):
                terms.append((sign / float(_const_value(n.right) or 1.0), n.left))
            else:
                terms.append((sign, n))

    walk(node, 1.0)
    return terms if any(f is not None for _, f in terms) else None


def _design(
    terms: list[tuple[float, ast.expr | None]], lookup: Any, n: int
) -> tuple[np.ndarray, list[str]] | None:
    cols, names = [], []
    for _, feature in terms:
        if feature is None:
            cols.append(np.ones(n))
            names.append("")
            continue
        text = ast.unparse(feature)
        expr = check_node(ast.parse(text, mode="eval").body, text, Where(""), Problems("fit"))
        if expr is None:
            return None
        try:
            value = V.broadcast(expr.evaluate(lookup, n), n)
        except (ExprError, KeyError):
            return None
        if V.is_stringy(value) or np.asarray(value).dtype.kind not in "biuf":
            return None
        cols.append(np.asarray(value, dtype=np.float64))
        names.append(ast.unparse(feature))
    return np.column_stack(cols), names


def _linear_text(coefs: np.ndarray, names: list[str]) -> str:
    out = ""
    for c, name in zip(coefs, names, strict=True):
        piece = fmt(abs(c)) if not name else f"{fmt(abs(c))} * ({name})"
        out += (piece if c >= 0 else f"-{piece}") if not out else (f" + {piece}" if c >= 0 else f" - {piece}")
    return out


def fit_linear(
    expr: Expr, y: np.ndarray, lookup: Any, link: str = "identity"
) -> tuple[str, np.ndarray] | None:
    """Refit the coefficients of a linear ``expr`` (inside ``sigmoid``/``exp`` for link logit/log)."""
    node = ast.parse(expr.source, mode="eval").body  # the written form (date() calls kept as text)
    if link != "identity":
        fn = "sigmoid" if link == "logit" else "exp"
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == fn):
            return None
        node = node.args[0]
    terms = linear_terms(node)
    if terms is None:
        return None
    design = _design(terms, lookup, len(y))
    if design is None:
        return None
    x, names = design
    ok = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    x, y = x[ok], y[ok]
    if len(y) <= x.shape[1]:
        return None
    if link == "identity":
        coefs = np.linalg.lstsq(x, y, rcond=None)[0]
    else:
        coefs = irls(x, y, link)
        if coefs is None:
            return None
    text = _linear_text(coefs, names)
    if link != "identity":
        text = f"{'sigmoid' if link == 'logit' else 'exp'}({text})"
    return text, y - x @ coefs if link == "identity" else np.zeros(0)
