"""The distributions a column can follow, each sampled by its inverse CDF from counter-based uniforms.

Every sampler is a pure function of its (vectorized) parameters and the uniforms of its rows, so the
value of a row never depends on the chunk it was drawn in. Parameters may be expressions of other
columns (``lognormal(mu = 3 + 1.1 * is_fraud, sigma = 0.8)``); they are checked per row (``sigma > 0``,
``0 <= p <= 1``, weights >= 0) with an error naming the column when a row breaks the rule.

Speed: normal / lognormal / uniform / exponential / bernoulli / integers / categorical cost a few
vector operations per row; poisson and binomial search their CDF from a normal guess (a few passes);
gamma and beta call scipy's inverse incomplete gamma / beta functions (about 1 s per million rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special

from synthwise.simulation import values as V
from synthwise.simulation.expressions import ExprError, parse_date

REQUIRED: Any = object()


class Rand(Protocol):
    """What a sampler may ask of the engine for the rows it draws."""

    n: int

    def uniform(self, j: int = 0) -> np.ndarray: ...
    def bits(self, j: int = 0) -> np.ndarray: ...
    def positions(self) -> np.ndarray: ...
    def pool(self, kind: str, locale: str, size: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Param:
    """One parameter: its name, default, kind ("expr" per-row value, "values" a literal list, "weights"
    a list of expressions, "text" a literal string, "int" a literal whole number) and its rule."""

    name: str
    default: Any = REQUIRED
    kind: str = "expr"
    rule: str | None = None  # "positive", "nonnegative", "probability"


@dataclass(frozen=True)
class Distribution:
    name: str
    params: tuple[Param, ...]
    sample: Callable[[dict[str, Any], Rand], Any]
    summary: str

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _f(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64) if V.is_array(x) or isinstance(x, np.ndarray) else float(x)


def check_rule(name: str, value: Any, rule: str | None) -> None:
    """Raise ExprError when a parameter breaks its rule on any row."""
    if rule is None:
        return
    if V.is_stringy(value):
        raise ExprError(f"parameter {name!r} must be a number, not text")
    arr = np.asarray(value, dtype=np.float64)
    if rule == "positive":
        bad, want = ~(arr > 0), "> 0"
    elif rule == "nonnegative":
        bad, want = ~(arr >= 0), ">= 0"
    else:
        bad, want = ~((arr >= 0) & (arr <= 1)), "in [0, 1]"
    if np.any(bad):
        example = arr.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]]
        rows = f" on {int(np.sum(bad)):,} of {bad.size:,} rows" if bad.ndim and bad.size > 1 else ""
        raise ExprError(f"parameter {name!r} is {example:g}{rows}; it must be {want}")


# -- continuous ---------------------------------------------------------------------------------------
def _normal(p: dict[str, Any], r: Rand) -> Any:
    return p["mu"] + _f(p["sigma"]) * special.ndtri(r.uniform())


def _lognormal(p: dict[str, Any], r: Rand) -> Any:
    z = special.ndtri(r.uniform())
    z *= _f(p["sigma"])
    z += _f(p["mu"])
    return np.exp(z, out=z)


def _uniform(p: dict[str, Any], r: Rand) -> Any:
    low, high = _f(p["low"]), _f(p["high"])
    if np.any(np.asarray(high) < np.asarray(low)):
        raise ExprError("'high' is below 'low' on some rows")
    return low + (high - low) * r.uniform()


def _exponential(p: dict[str, Any], r: Rand) -> Any:
    return -_f(p["scale"]) * np.log(r.uniform())


def _gamma(p: dict[str, Any], r: Rand) -> Any:
    return special.gammaincinv(_f(p["shape"]), r.uniform()) * _f(p["scale"])


def _beta(p: dict[str, Any], r: Rand) -> Any:
    return special.betaincinv(_f(p["a"]), _f(p["b"]), r.uniform())


# -- discrete -----------------------------------------------------------------------------------------
def _search(u: np.ndarray, k: np.ndarray, cdf: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """The smallest k with cdf(k) >= u, starting from a guess ``k`` (adjusted up, then down)."""
    idx = np.arange(len(u))
    for _ in range(10_000):
        low = cdf(k[idx], idx) < u[idx]
        if not low.any():
            break
        idx = idx[low]
        k[idx] += 1
    idx = np.flatnonzero(k > 0)
    for _ in range(10_000):
        if not len(idx):
            break
        high = cdf(k[idx] - 1, idx) >= u[idx]
        idx = idx[high]
        k[idx] -= 1
        idx = idx[k[idx] > 0]
    return k


def poisson_ppf(u: np.ndarray, lam: Any) -> np.ndarray:
    """Poisson quantiles: a sequential CDF walk for small means, a normal guess plus search otherwise."""
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    small = lam < 30
    if small.any():
        s_idx = np.flatnonzero(small)
        lam_s, u_s = lam[s_idx], u[s_idx]
        term = np.exp(-lam_s)
        cdf = term.copy()
        k = np.zeros(len(s_idx), dtype=np.int64)
        active = np.flatnonzero(u_s > cdf)
        step = 0
        while len(active) and step < 1000:
            step += 1
            term[active] *= lam_s[active] / step
            cdf[active] += term[active]
            k[active] = step
            active = active[u_s[active] > cdf[active]]
        out[s_idx] = k
    big = np.flatnonzero(~small)
    if len(big):
        lb, ub = lam[big], u[big]
        z = special.ndtri(ub)
        guess = np.maximum(np.floor(lb + np.sqrt(lb) * z + (z * z - 1) / 6), 0).astype(np.int64)
        out[big] = _search(ub, guess, lambda k, i: special.pdtr(k, lb[i]))
    return out


def _poisson(p: dict[str, Any], r: Rand) -> Any:
    return poisson_ppf(r.uniform(), p["lam"])


def _binomial(p: dict[str, Any], r: Rand) -> Any:
    u = r.uniform()
    n = np.broadcast_to(np.asarray(p["n"], dtype=np.float64), u.shape)
    prob = np.broadcast_to(np.asarray(p["p"], dtype=np.float64), u.shape)
    if np.any(n < 0) or np.any(n != np.floor(n)):
        raise ExprError("parameter 'n' must be a whole number >= 0")
    whole = n.astype(np.int64)  # scipy deprecates a float n in bdtr
    mean, sd = n * prob, np.sqrt(n * prob * (1 - prob))
    guess = np.clip(np.floor(mean + sd * special.ndtri(u)), 0, n).astype(np.int64)
    k = _search(u, guess, lambda k, i: np.where(k >= n[i], 1.0, special.bdtr(k, whole[i], prob[i])))
    return np.minimum(k, whole)


def _bernoulli(p: dict[str, Any], r: Rand) -> Any:
    return (r.uniform() < _f(p["p"])).astype(np.int64)


def _integers(p: dict[str, Any], r: Rand) -> Any:
    low, high = np.floor(_f(p["low"])), np.floor(_f(p["high"]))
    if np.any(np.asarray(high) < np.asarray(low)):
        raise ExprError("'high' is below 'low' on some rows")
    return (low + np.floor(r.uniform() * (high - low + 1))).astype(np.int64)


# -- choices ------------------------------------------------------------------------------------------
def choose(values: list[Any], weights: list[Any], u: np.ndarray) -> Any:
    """Pick ``values[i]`` with probability proportional to ``weights[i]`` (scalars or per-row arrays)."""
    n, k = len(u), len(values)
    for i, w in enumerate(weights):
        check_rule(f"weight of {values[i]!r}", w, "nonnegative")
    if all(not V.is_array(w) for w in weights):
        w = np.asarray(weights, dtype=np.float64)
        if w.sum() <= 0:
            raise ExprError("the weights sum to 0")
        cum = np.cumsum(w / w.sum())
        idx = np.minimum(np.searchsorted(cum, u, side="right"), k - 1)
    else:
        # running sums column by column: the chosen index is the number of partial sums below u * total,
        # so a zero weight is never chosen (the total is the last partial sum, exactly)
        ws = [np.asarray(w, dtype=np.float64) for w in weights]
        partial = [ws[0]]
        for w in ws[1:]:
            partial.append(partial[-1] + w)
        total = np.broadcast_to(partial[-1], (n,))
        if np.any(~(total > 0)):
            raise ExprError(f"the weights sum to 0 on {int(np.sum(~(total > 0))):,} rows")
        target = u * total
        idx = np.zeros(n, dtype=np.int64)
        for cum in partial[:-1]:
            idx += cum < target
    return pick(values, idx.astype(np.int32))


def pick(values: list[Any], idx: np.ndarray) -> Any:
    """``values[idx]`` as the natural column kind: numbers -> numpy array, text -> Cat."""
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)[idx]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        arr = np.asarray(values)
        return arr.astype(np.int64 if arr.dtype.kind in "iu" else np.float64)[idx]
    return V.Cat(idx, np.asarray([str(v) for v in values], dtype=object))


def _categorical(p: dict[str, Any], r: Rand) -> Any:
    return choose(list(p["values"]), list(p["weights"]), r.uniform())


def _empirical(p: dict[str, Any], r: Rand) -> Any:
    values = list(p["values"])
    weights = list(p["weights"]) if p["weights"] is not None else [1.0] * len(values)
    return choose(values, weights, r.uniform())


# -- time and ids -------------------------------------------------------------------------------------
def as_time(value: Any, name: str) -> Any:
    """A datetime64[ns] scalar or array from a date string, a datetime value or a datetime column."""
    if isinstance(value, str):
        try:
            return parse_date(value)
        except (ValueError, TypeError) as exc:
            raise ExprError(f"{name} {value!r} is not a date") from exc
    arr = np.asarray(value)
    if arr.dtype.kind != "M":
        raise ExprError(f"{name} must be a date or a datetime column, not {arr.dtype}")
    return arr.astype("datetime64[ns]") if arr.ndim else arr.astype("datetime64[ns]")[()]


def _datetime(p: dict[str, Any], r: Rand) -> Any:
    start, end = as_time(p["start"], "start"), as_time(p["end"], "end")
    span = (np.asarray(end).astype(np.int64) - np.asarray(start).astype(np.int64)).astype(np.float64)
    if np.any(span < 0):
        raise ExprError("'end' is before 'start' on some rows")
    offset = np.floor(r.uniform() * span).astype(np.int64)
    return (np.asarray(start).astype(np.int64) + offset).astype("datetime64[ns]")


def _sequence(p: dict[str, Any], r: Rand) -> Any:
    ids = r.positions() * int(p["step"]) + int(p["start"])
    if not p["prefix"] and not p["width"]:
        return ids
    text = pc.cast(pa.array(ids), pa.string())
    if p["width"]:
        text = pc.utf8_lpad(text, width=int(p["width"]), padding="0")
    if p["prefix"]:
        text = pc.binary_join_element_wise(pa.scalar(str(p["prefix"])), text, "")
    return text


def _uuid(p: dict[str, Any], r: Rand) -> Any:
    hi, lo = r.bits(0), r.bits(1)
    raw = np.empty((r.n, 16), dtype=np.uint8)
    raw[:, :8] = hi.astype(">u8").view(np.uint8).reshape(-1, 8)
    raw[:, 8:] = lo.astype(">u8").view(np.uint8).reshape(-1, 8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((r.n, 32), dtype=np.uint8)
    chars[:, 0::2] = hexdigits[raw >> 4]
    chars[:, 1::2] = hexdigits[raw & 0x0F]
    dash = np.full((r.n, 1), ord("-"), dtype=np.uint8)
    full = np.hstack(
        [
            chars[:, :8],
            dash,
            chars[:, 8:12],
            dash,
            chars[:, 12:16],
            dash,
            chars[:, 16:20],
            dash,
            chars[:, 20:],
        ]
    )
    return pa.array(np.ascontiguousarray(full).view("S36").reshape(-1)).cast(pa.string())


def _fake(p: dict[str, Any], r: Rand) -> Any:
    from synthwise.simulation.fakes import sample_fake

    return sample_fake(str(p["kind"]), str(p["locale"]), int(p["pool"]), r)


_E, _N, _NN, _P = "expr", "nonnegative", "positive", "probability"
DISTRIBUTIONS: dict[str, Distribution] = {
    d.name: d
    for d in (
        Distribution(
            "normal",
            (Param("mu", 0.0), Param("sigma", 1.0, rule=_NN)),
            _normal,
            "Gaussian with mean mu and standard deviation sigma",
        ),
        Distribution(
            "lognormal",
            (Param("mu", 0.0), Param("sigma", 1.0, rule=_NN)),
            _lognormal,
            "exp(normal(mu, sigma)): positive, right-skewed amounts",
        ),
        Distribution("uniform", (Param("low", 0.0), Param("high", 1.0)), _uniform, "flat on [low, high)"),
        Distribution(
            "exponential", (Param("scale", 1.0, rule=_NN),), _exponential, "waiting times, mean scale"
        ),
        Distribution(
            "gamma",
            (Param("shape", REQUIRED, rule=_NN), Param("scale", 1.0, rule=_NN)),
            _gamma,
            "gamma with shape and scale (mean shape * scale)",
        ),
        Distribution(
            "beta",
            (Param("a", REQUIRED, rule=_NN), Param("b", REQUIRED, rule=_NN)),
            _beta,
            "proportions in (0, 1)",
        ),
        Distribution("poisson", (Param("lam", REQUIRED, rule=_N),), _poisson, "counts with mean lam"),
        Distribution(
            "binomial",
            (Param("n", REQUIRED, rule=_N), Param("p", REQUIRED, rule=_P)),
            _binomial,
            "successes out of n trials",
        ),
        Distribution(
            "bernoulli", (Param("p", REQUIRED, rule=_P),), _bernoulli, "1 with probability p, else 0"
        ),
        Distribution(
            "integers",
            (Param("low", REQUIRED), Param("high", REQUIRED)),
            _integers,
            "whole numbers from low to high, both included",
        ),
        Distribution(
            "categorical",
            (Param("values", REQUIRED, "values"), Param("weights", REQUIRED, "weights")),
            _categorical,
            "one of values, with (per-row) weights",
        ),
        Distribution(
            "empirical",
            (Param("values", REQUIRED, "values"), Param("weights", None, "weights")),
            _empirical,
            "one of a given list of values (equally likely unless weighted)",
        ),
        Distribution(
            "datetime",
            (Param("start", REQUIRED), Param("end", REQUIRED)),
            _datetime,
            "a time uniform between start and end (dates or datetime columns)",
        ),
        Distribution(
            "sequence",
            (
                Param("start", 1, "int"),
                Param("step", 1, "int"),
                Param("prefix", "", "text"),
                Param("width", 0, "int"),
            ),
            _sequence,
            "row number ids: start, start + step, ...; optional text prefix and zero padding",
        ),
        Distribution("uuid", (), _uuid, "random version-4 UUIDs"),
        Distribution(
            "fake",
            (Param("kind", REQUIRED, "text"), Param("locale", "", "text"), Param("pool", 0, "int")),
            _fake,
            "realistic values (name, email, address, iban, ipv4, ...) in a locale",
        ),
    )
}
RANDOMLESS = {"sequence"}
