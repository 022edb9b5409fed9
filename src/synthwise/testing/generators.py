"""Conformance checks for tabular generators and their fixtures.

``check_generator(name)`` runs the contract every registered tabular generator must keep: output has the
real columns, order and dtypes; categories come from the real domain; numerics stay in range; missing
rates are kept; identifiers are fresh; the same seed gives the same bytes; save/load gives the same
samples; the input frame is never modified; ``__init__`` only stores. A generator that needs a spec
(``Capabilities.needs_spec``: ``rules``) is checked on :func:`spec_table`, a table simulated from
:data:`CONFORMANCE_SPEC`. ``tests/test_conformance.py`` runs the checks over every registered generator,
sequential ones with :func:`synthwise.testing.sequential.check_sequential_generator`; a new generator
gets them by being registered.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise.generators import create, get, load_generator
from synthwise.schema import Schema
from synthwise.schema.numbers import parse_number

# ---------------------------------------------------------------------------------------------------
# fixtures


def mixed_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small mixed table with every column kind the transforms support, missing values included."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    x = rng.normal(10, 2, size=n) + (group == "b") * 3
    df = pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "group": group,
            "x": np.round(x, 2),
            "count": rng.poisson(3, size=n).astype("int64"),
            "flag": rng.random(n) < 0.3,
            "when": pd.Timestamp("2024-01-01", tz="Europe/Berlin")
            + pd.to_timedelta(rng.integers(0, 365 * 24, size=n), unit="h"),
            "day": (
                pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, size=n), unit="D")
            ).strftime("%Y-%m-%d"),
            "maybe": np.where(rng.random(n) < 0.2, np.nan, np.round(rng.gamma(2, 3, size=n), 1)),
            "cat_missing": pd.Series(
                [
                    None if m else v
                    for m, v in zip(rng.random(n) < 0.15, rng.choice(["u", "v"], size=n), strict=True)
                ],
                dtype=object,
            ),
        }
    )
    return df


# ---------------------------------------------------------------------------------------------------
# checks


def _fast_params(name: str) -> dict[str, Any]:
    """Small settings so the conformance suite stays fast for slow (deep) generators."""
    cls = get(name)
    params: dict[str, Any] = {}
    names = cls._param_names()
    for key, value in (
        ("max_epochs", 2),
        ("epochs", 2),
        ("max_time_s", 20.0),
        ("verbose", False),
        ("n_steps", 20),
    ):
        if key in names:
            params[key] = value
    if "epsilon" in names and cls.capabilities.differential_privacy:
        params["epsilon"] = 1000.0  # the 300-row conformance table releases nothing at small epsilon
    if "target" in names:  # class-imbalance generators (smote family) learn one categorical target
        params["target"] = "group"
    if cls.capabilities.needs_spec:
        params["spec"] = CONFORMANCE_SPEC
    return params


# A spec over mixed columns (categorical, numeric with missing values, boolean, a rule between columns)
# for generators that learn a spec (``rules``): :func:`spec_table` simulates the conformance data from it.
CONFORMANCE_SPEC: dict[str, Any] = {
    "tables": {
        "people": {
            "rows": 300,
            "columns": {
                "id": "sequence(start = 1000)",
                "group": {"categorical": {"a": 6, "b": 3, "c": 1}},
                "x": {"dist": "normal(mu = 10 + 3 * (group == 'b'), sigma = 2)", "round": 2},
                "maybe": {"dist": "gamma(shape = 2, scale = 3)", "round": 1, "missing": 0.2},
                "flag": "bernoulli(p = 0.3)",
            },
            "constraints": ["x > 0"],
        }
    }
}


def spec_table(seed: int = 0) -> pd.DataFrame:
    """The conformance table of spec-learning generators: simulated from :data:`CONFORMANCE_SPEC`."""
    from synthwise.simulation import simulate_frames

    return simulate_frames(CONFORMANCE_SPEC, seed=seed, tables=["people"])["people"]


def tabular_generator(name: str) -> Any:
    """The class registered as ``name``, for a test over plain tables: skips (pytest) a generator whose
    extra is not installed, a sequential one and one that needs a spec (each has its own conformance)."""
    import pytest

    from synthwise.errors import MissingDependencyError

    try:
        cls = get(name)
    except MissingDependencyError:
        pytest.skip(f"{name}: optional extra not installed")
    if cls.capabilities.data != "tabular" or cls.capabilities.needs_spec:
        pytest.skip(
            "sequential, image and spec generators learn long tables / images / specs (own conformance)"
        )
    return cls


def check_generator(
    name: str,
    data: pd.DataFrame | None = None,
    *,
    n: int = 200,
    params: dict[str, Any] | None = None,
    schema: Schema | None = None,
) -> None:
    """Assert the generator contract for the registered generator ``name`` (``params`` are added to
    the fast settings; ``schema``, when given, is passed to ``fit``: a public schema for DP generators)."""
    spec = get(name).capabilities.needs_spec
    df = (spec_table() if spec else mixed_table()) if data is None else data
    before = df.copy(deep=True)
    params = {**_fast_params(name), **(params or {})}
    gen = create(name, seed=0, **params)
    # __init__ only stores
    for key, value in params.items():
        assert getattr(gen, key) == value, f"{name}: __init__ must store {key!r} unchanged"
    assert not gen.is_fitted
    fitted = gen.fit(df, schema)
    assert fitted is gen, f"{name}: fit must return self"
    pd.testing.assert_frame_equal(df, before, obj=f"{name}: the input frame was modified by fit")

    out = gen.sample(n, seed=1)
    check_faithful(df, out, gen.schema_, name=name)

    again = gen.sample(n, seed=1)
    if gen.capabilities.deterministic:
        pd.testing.assert_frame_equal(out, again, obj=f"{name}: same seed must give the same rows")
        other = gen.sample(n, seed=2)
        assert not out.equals(other), f"{name}: another seed should give other rows"

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.synthwise"
        gen.save(str(path))
        loaded = load_generator(str(path))
        assert type(loaded) is type(gen)
        if gen.capabilities.deterministic:
            pd.testing.assert_frame_equal(
                loaded.sample(n, seed=1), out, obj=f"{name}: a loaded model must sample the same rows"
            )
    pd.testing.assert_frame_equal(df, before, obj=f"{name}: the input frame was modified by sampling")
    assert len(gen.sample(0)) == 0


def check_faithful(
    real: pd.DataFrame,
    synth: pd.DataFrame,
    schema: Any,
    *,
    name: str = "generator",
    missing_tolerance: float = 0.15,
) -> None:
    """Columns, order, dtypes, domains, ranges, missing rates and fresh identifiers."""
    assert list(synth.columns) == list(real.columns), f"{name}: columns or their order differ"
    for col in schema.columns:
        r, s = real[col.name], synth[col.name]
        assert str(s.dtype) == str(r.dtype) or (r.isna().any() or s.isna().any()), (
            f"{name}: column {col.name!r} has dtype {s.dtype}, the real data {r.dtype}"
        )
        if col.kind == "categorical" and col.min_count is not None:  # long tail: no once-seen value copied
            counts = r.dropna().astype(str).value_counts()
            once = set(counts.index[counts.to_numpy() == 1]) - {str(v) for v in col.categories}
            copied = once & set(s.dropna().astype(str))
            assert not copied, f"{name}: long-tail {col.name!r} copies once-seen values {sorted(copied)[:3]}"
        elif col.kind in ("categorical", "boolean", "constant"):
            if col.dtype.startswith("datetime64"):  # a constant timestamp: compare as timestamps
                allowed = {str(pd.Timestamp(v)) for v in col.categories}
                seen = {str(pd.Timestamp(v)) for v in s.dropna().unique()}
            else:
                allowed = {str(v) for v in (col.bool_labels or col.categories)}
                seen = {str(v) for v in s.dropna().unique()}
            assert seen <= allowed, (
                f"{name}: column {col.name!r} has values outside the domain: {seen - allowed}"
            )
        if col.kind == "numeric" and (col.special_values or col.number_format):  # codes, formatted numbers
            parsed = s.map(lambda v, f=col.number_format: v if pd.isna(v) else parse_number(v, f))
            codes = s[s.notna() & parsed.isna()].astype(str)
            assert set(codes) <= set(col.special_values), (
                f"{name}: column {col.name!r} has values that are neither numbers nor its special values"
            )
            s = parsed.astype("float64")
        if col.kind == "numeric" and s.notna().any():
            v = pd.to_numeric(s.dropna())
            assert v.min() >= col.min - 1e-9 and v.max() <= col.max + 1e-9, (
                f"{name}: column {col.name!r} leaves the real range [{col.min}, {col.max}]"
            )
            if col.integer:
                assert np.all(np.mod(v.to_numpy(dtype=float), 1) == 0), (
                    f"{name}: {col.name!r} must stay integral"
                )
        if col.kind == "identifier":  # unique fresh keys; a repeated key fresh; a row index unique
            assert col.repeats or s.is_unique, f"{name}: identifier {col.name!r} must be unique"
            assert col.id_template == "row" or not set(map(str, s.dropna())) & set(map(str, r.dropna())), (
                f"{name}: identifier {col.name!r} copies real keys"
            )
        if col.kind == "pii" and col.pii_kind != "name":  # fakes; a common name may match by chance
            copied = set(map(str, s.dropna())) & set(map(str, r.dropna()))
            assert not copied, (
                f"{name}: personal-data column {col.name!r} emits real values, e.g. {sorted(copied)[:2]}"
            )
        if col.kind not in ("identifier",):
            s = synth[col.name]  # the whole column (a numeric one was filtered to its numbers above)
            gap = abs(float(s.isna().mean()) - float(r.isna().mean()))
            assert gap <= missing_tolerance, (
                f"{name}: column {col.name!r} missing rate {s.isna().mean():.2f} "
                f"vs real {r.isna().mean():.2f}"
            )


def marginal_error(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    """Mean over columns of the worst CDF gap on the real deciles (numerics) or the total variation
    distance of the category shares (others, missing counted as a category in ``synth``). 0 = equal."""
    errs = []
    for col in real.columns:
        if pd.api.types.is_numeric_dtype(real[col]):
            grid = np.quantile(real[col].dropna(), np.linspace(0.05, 0.95, 19))
            r = (real[col].to_numpy()[:, None] <= grid).mean(0)
            s = (synth[col].to_numpy()[:, None] <= grid).mean(0)
            errs.append(float(np.abs(r - s).max()))
        else:
            a = real[col].value_counts(normalize=True)
            b = synth[col].value_counts(normalize=True, dropna=False)
            errs.append(0.5 * float(a.sub(b, fill_value=0).abs().sum()))
    return float(np.mean(errs))
