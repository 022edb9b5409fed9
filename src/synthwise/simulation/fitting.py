"""Fit the free parameters of one spec table from a real table (the ``rules`` generator's fit).

The structure stays the user's (which columns depend on which, the families, the cases); the numbers
come from the data. What is estimated, per column present in the data:

* a distribution whose parameters are constants: by maximum likelihood (normal mean / sd, lognormal
  mean / sd of the logs, exponential / poisson / bernoulli means, binomial ``p``, gamma and beta by
  Newton's method on the likelihood, uniform / integers / datetime ranges as min / max);
* ``categorical`` / ``empirical`` with constant weights: the observed frequency of each listed value;
* a location parameter that is *linear* in other columns (``mu = 3 + 1.1 * is_fraud``): the
  coefficients by least squares (on ``log y`` for lognormal), with sigma the residual sd; ``p =
  sigmoid(a + b * x)`` by logistic regression and ``lam = exp(a + b * x)`` by Poisson regression;
* an expression column that is linear in other columns: its coefficients by least squares;
* ``cases``: each case on the rows its condition selects; ``missing``: the observed share of nulls.

Everything else (fakes, sequences, weights that are expressions, non-linear forms, parameters that
read helper columns absent from the data) keeps the spec's values, and a note says why. A fit whose
values would break a parameter's rule on the data (a probability outside [0, 1]) is not used.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise.schema import Schema
from synthwise.simulation import values as V
from synthwise.simulation.distributions import DISTRIBUTIONS, check_rule
from synthwise.simulation.estimators import mle
from synthwise.simulation.expressions import Expr, ExprError, check_node
from synthwise.simulation.linear import fit_linear
from synthwise.simulation.linear import fmt as _fmt
from synthwise.simulation.parse import LIST_COLUMN
from synthwise.simulation.source import Problems, Where, to_plain
from synthwise.simulation.spec import CasesGen, ColumnSpec, DistGen, ExprGen, Gen, Spec

_LOCATION = {"normal": "mu", "lognormal": "mu", "poisson": "lam", "bernoulli": "p", "exponential": "scale"}


@dataclass(frozen=True)
class Estimate:
    """One fitted (or kept) parameter: column, parameter, the spec's value, the fitted value, method."""

    column: str
    parameter: str
    before: str
    after: str
    method: str


def data_env(df: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """Columns of a real table as simulator values (numbers, Cat for text, datetime64[ns])."""
    from synthwise.transforms.datetime import to_timestamps

    env: dict[str, Any] = {}
    for col in schema.columns:
        s = df[col.name]
        if col.kind == "datetime":
            ts = to_timestamps(s, col)
            if ts.dt.tz is not None:
                ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
            env[col.name] = ts.to_numpy(dtype="datetime64[ns]")
        elif col.kind == "boolean" and not col.bool_labels:  # booleans written as words stay words (Cat)
            env[col.name] = s.map({True: 1.0, False: 0.0}).to_numpy(dtype=np.float64, na_value=np.nan)
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            env[col.name] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            codes, cats = pd.factorize(s.astype(object).where(s.notna(), None), use_na_sentinel=True)
            cats = np.array([str(c) for c in cats], dtype=object)
            env[col.name] = V.Cat(
                np.where(codes < 0, len(cats), codes).astype(np.int32), np.append(cats, "\x00missing")
            )
    return env


def _present(value: Any) -> np.ndarray:
    if isinstance(value, V.Cat):
        return (
            value.codes < len(value.categories) - 1
            if len(value.categories) and value.categories[-1] == "\x00missing"
            else np.ones(len(value), dtype=bool)
        )
    arr = np.asarray(value)
    return ~np.isnat(arr) if arr.dtype.kind == "M" else ~np.isnan(arr.astype(np.float64))


def _call(dist: str, args: dict[str, Any]) -> str:
    parts = []
    for p in DISTRIBUTIONS[dist].params:
        v = args.get(p.name)
        if v is None:
            continue
        if isinstance(v, Expr):
            parts.append(f"{p.name}={v.source}")
        elif isinstance(v, list) and v and isinstance(v[0], Expr):
            parts.append(f"{p.name}=[{', '.join(w.source for w in v)}]")
        elif isinstance(v, str) and not isinstance(v, Expr):
            parts.append(f"{p.name}={v}" if p.kind == "expr" else f"{p.name}={v!r}")
        else:
            parts.append(f"{p.name}={v!r}")
    return f"{dist}({', '.join(parts)})"


# -- one generator --------------------------------------------------------------------------------------
class _Fit:
    """Fits the generators of one table on one real table, collecting :class:`Estimate` notes."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.notes: list[Estimate] = []

    def note(self, column: str, parameter: str, before: str, after: str, method: str) -> None:
        self.notes.append(Estimate(column, parameter, before, after, method))

    def lookup(self, rows: np.ndarray) -> Any:
        def get(name: str) -> Any:
            if name not in self.env:
                raise ExprError(f"{name!r} is not in the data")
            return V.take(self.env[name], rows)

        return get

    def gen(self, column: str, gen: Gen, rows: np.ndarray) -> str | None:
        """New text for ``gen`` fitted on ``rows`` of the data (None: keep the spec's)."""
        y = V.take(self.env[column], rows)
        present = _present(y)
        rows, y = rows[present], V.take(y, np.flatnonzero(present))
        if len(rows) < 2:
            self.note(column, "*", "", "", "kept: fewer than 2 non-missing rows")
            return None
        if isinstance(gen, ExprGen):
            return self._expr(column, gen, y, rows)
        if isinstance(gen, DistGen):
            return self._dist(column, gen, y, rows)
        return None  # cases are handled by table()

    def _expr(self, column: str, gen: ExprGen, y: Any, rows: np.ndarray) -> str | None:
        if gen.expr.is_constant or V.is_stringy(y) or np.asarray(y).dtype.kind not in "biuf":
            return None
        fitted = fit_linear(gen.expr, np.asarray(y, dtype=np.float64), self.lookup(rows))
        if fitted is None:
            self.note(column, "expr", gen.expr.source, gen.expr.source, "kept: not linear in data columns")
            return None
        self.note(column, "expr", gen.expr.source, fitted[0], "least squares")
        return fitted[0]

    def _dist(self, column: str, gen: DistGen, y: Any, rows: np.ndarray) -> str | None:
        dist, args = gen.dist, dict(gen.args)
        if dist in ("sequence", "fake", "uuid"):
            return None
        if dist in ("categorical", "empirical"):
            return self._choice(column, dist, args, y)
        exprs = {k: v for k, v in args.items() if isinstance(v, Expr)}
        if any(not v.is_constant for v in exprs.values()):
            return self._regression(column, dist, args, y, rows)
        if V.is_stringy(y):
            return None
        arr = np.asarray(y)
        if dist == "datetime":
            if arr.dtype.kind != "M":
                return None
            new = {"start": str(pd.Timestamp(arr.min())), "end": str(pd.Timestamp(arr.max()))}
            return self._finish(column, dist, args, {k: f"'{v}'" for k, v in new.items()}, "min / max")
        fitted = mle(dist, arr.astype(np.float64), args)
        if fitted is None:
            self.note(
                column, "*", _call(dist, args), _call(dist, args), f"kept: {dist} has no estimator here"
            )
            return None
        return self._finish(column, dist, args, {k: _fmt(v) for k, v in fitted.items()}, "maximum likelihood")

    def _finish(self, column: str, dist: str, args: dict[str, Any], new: dict[str, str], method: str) -> str:
        out = dict(args)
        for key, text in new.items():
            before = args[key].source if isinstance(args[key], Expr) else str(args[key])
            self.note(column, key, before, text, method)
            out[key] = text
        return _call(dist, out)

    def _choice(self, column: str, dist: str, args: dict[str, Any], y: Any) -> str | None:
        weights = args.get("weights")
        if weights is not None and any(not w.is_constant for w in weights):
            self.note(column, "weights", "(expressions)", "(expressions)", "kept: weights read other columns")
            return None
        values = list(args["values"])
        if isinstance(y, V.Cat):
            counts = [float(np.sum(y.codes == y.code_of(str(v)))) for v in values]
        else:
            arr = np.asarray(y, dtype=np.float64)
            counts = [float(np.sum(arr == float(v))) if isinstance(v, int | float) else 0.0 for v in values]
        if sum(counts) == 0:
            self.note(column, "weights", "", "", "kept: no listed value occurs in the data")
            return None
        new = {**args, "weights": [_fmt(c) for c in counts]}
        self.note(column, "weights", "", ", ".join(_fmt(c) for c in counts), "frequencies")
        return f"{dist}(values={values!r}, weights=[{', '.join(new['weights'])}])"

    def _regression(
        self, column: str, dist: str, args: dict[str, Any], y: Any, rows: np.ndarray
    ) -> str | None:
        loc = _LOCATION.get(dist)
        others = [k for k, v in args.items() if isinstance(v, Expr) and k != loc and not v.is_constant]
        if loc is None or others or V.is_stringy(y):
            self.note(
                column,
                "*",
                _call(dist, args),
                _call(dist, args),
                "kept: only a linear location parameter (mu, lam, p, scale) is refitted",
            )
            return None
        target = np.asarray(y, dtype=np.float64)
        if dist == "lognormal":
            target = np.log(np.where(target > 0, target, np.nan))
        link = "identity"
        node = args[loc].tree
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("sigmoid", "exp")
        ):
            link = "logit" if node.func.id == "sigmoid" else "log"
        fitted = fit_linear(args[loc], target, self.lookup(rows), link)
        if fitted is None:
            self.note(column, loc, args[loc].source, args[loc].source, "kept: not linear in data columns")
            return None
        text, resid = fitted
        new = {loc: text}
        if (
            dist in ("normal", "lognormal")
            and isinstance(args["sigma"], Expr)
            and args["sigma"].is_constant
            and len(resid) > 2
        ):
            new["sigma"] = _fmt(float(np.sqrt(np.mean(resid**2))))
        if not self._valid(dist, loc, text, rows):
            self.note(
                column, loc, args[loc].source, text, "kept: the fitted values break the parameter's rule"
            )
            return None
        method = {"identity": "least squares", "logit": "logistic regression", "log": "Poisson regression"}[
            link
        ]
        return self._finish(column, dist, args, new, method)

    def _valid(self, dist: str, loc: str, text: str, rows: np.ndarray) -> bool:
        expr = check_node(ast.parse(text, mode="eval").body, text, Where(""), Problems("fit"))
        rule = next(p.rule for p in DISTRIBUTIONS[dist].params if p.name == loc)
        try:
            if expr is None:
                return False
            finite = np.asarray(expr.evaluate(self.lookup(rows), len(rows)), dtype=np.float64)
            check_rule(loc, finite[np.isfinite(finite)], rule)
        except ExprError:
            return False
        return True


# -- a whole table --------------------------------------------------------------------------------------
def raw_columns(node: Any) -> dict[str, Any]:
    """The columns of a plain table tree as {name: definition}, from either written form."""
    if isinstance(node, dict):
        return dict(node)
    out: dict[str, Any] = {}
    for entry in node or []:
        m = LIST_COLUMN.match(entry) if isinstance(entry, str) else None
        if m:
            out[m.group(1)] = m.group(3) if m.group(2) == "~" else f"({m.group(3)})"
        elif isinstance(entry, dict) and len(entry) == 1:
            out.update(entry)
    return out


def _with_gen(raw: Any, text: str, is_expr: bool) -> Any:
    key = "expr" if is_expr else "dist"
    if isinstance(raw, dict):
        from synthwise.simulation.parse_columns import GEN_KEYS

        kept = {k: v for k, v in raw.items() if k not in GEN_KEYS and k not in ("weights", "locale", "pool")}
        return {key: text, **kept}
    return {key: text}


def fit_table(
    spec: Spec, table: str, df: pd.DataFrame, schema: Schema
) -> tuple[dict[str, Any], list[Estimate]]:
    """The spec (a plain dict) with ``table``'s parameters fitted on ``df``, and notes on each estimate."""
    tspec = spec.tables[table]
    env = data_env(df, schema)
    fit = _Fit(env)
    tree = to_plain(spec.tree)
    tree.pop("scenarios", None)
    t_tree = tree["tables"][table]
    raw = raw_columns(t_tree.get("columns", {}))
    everything = np.arange(len(df))
    new_columns: dict[str, Any] = {}
    for col in tspec.columns:
        definition = raw.get(col.name)
        if col.name in env:
            definition = _fit_column(fit, col, definition, everything)
            missing = float(np.mean(~_present(env[col.name])))
            if missing > 0:
                definition = _as_mapping(definition)
                definition["missing"] = float(_fmt(min(missing, 0.99)))
                fit.note(col.name, "missing", str(col.missing), _fmt(missing), "share of nulls")
        new_columns[col.name] = definition
    t_tree["columns"] = new_columns
    return tree, fit.notes


def _as_mapping(definition: Any) -> dict[str, Any]:
    if isinstance(definition, dict):
        return dict(definition)
    return {"dist": definition} if _is_call(definition) else {"expr": definition}


def _is_call(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DISTRIBUTIONS


def _fit_column(fit: _Fit, col: ColumnSpec, raw: Any, rows: np.ndarray) -> Any:
    if isinstance(col.gen, CasesGen):
        cases = []
        left = np.ones(len(rows), dtype=bool)
        raw_cases = raw.get("cases", []) if isinstance(raw, dict) else []
        for i, (when, gen) in enumerate(col.gen.cases):
            mask = left.copy()
            if when is not None:
                try:
                    cond = V.broadcast(when.evaluate(fit.lookup(rows), len(rows)), len(rows))
                    mask &= np.asarray(cond, dtype=bool)
                except ExprError:
                    fit.note(
                        col.name, "cases", "", "", "kept: a condition reads columns absent from the data"
                    )
                    return raw
            left &= ~mask
            text = fit.gen(col.name, gen, rows[mask]) if mask.any() else None
            item = dict(raw_cases[i]) if i < len(raw_cases) else {}
            if text is not None:
                item = {
                    **({"when": item["when"]} if "when" in item else {}),
                    ("expr" if isinstance(gen, ExprGen) else "dist"): text,
                }
            cases.append(item)
        return {**(raw if isinstance(raw, dict) else {}), "cases": cases}
    text = fit.gen(col.name, col.gen, rows)
    return raw if text is None else _with_gen(raw, text, isinstance(col.gen, ExprGen))
