"""Augmentation: the real rows, unchanged, plus synthetic rows of the under-represented classes.

>>> out = augment(train, target="default", ratio=1.0, generator="cart", seed=0)  # doctest: +SKIP

* ``ratio`` (default 1.0, ideal in (0, 1]): every class is raised to ``ratio`` times the majority
  class's count (1.0 balances the classes; 0.5 brings a 3% class to a third of the rows). Classes
  already above that are left alone.
* ``n``: exactly ``n`` new rows, all of the minority class (the class with the fewest real rows).

The generator is fitted on the whole real table and asked for rows of each class with
``conditions={target: class}`` (native or by rejection, per generator). SMOTE-family generators get
``target=`` set for them. ``boost={"COL": {"VALUE": FACTOR}}`` raises a value's share among the
synthetic rows of each class by FACTOR relative to the real rows of that class (see
:mod:`synthwise.imbalance.boost`). ``label_column`` adds a boolean column: False for real rows, True for
synthetic ones.

:func:`write_augmented` writes the result for the CLI: CSV / TSV to CSV / TSV copies every field of every
real row as the exact text of the input file (no float reformatting, leading zeros kept).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import ColumnError, DataError, InvalidParameterError
from synthwise.generators.base import Generator
from synthwise.generators.registry import create, get
from synthwise.imbalance.boost import Boost, sample_boosted
from synthwise.io import atomic_path, write_table
from synthwise.random import make_rng
from synthwise.schema import Schema, infer_schema

_DISCRETE = ("categorical", "boolean")


def plan_counts(y: pd.Series, *, ratio: float | None = None, n: int | None = None) -> dict[Any, int]:
    """New rows per class: ``{class: count}`` (classes that get none are left out)."""
    if ratio is not None and n is not None:
        raise InvalidParameterError("Give ratio or n, not both. Fix: drop one of them.")
    counts = y.value_counts(dropna=True, sort=False)
    if len(counts) < 2:
        raise ColumnError.single(
            str(y.name),
            f"holds {len(counts)} class(es); augmentation needs a minority and a majority class",
            "choose a target column with at least two classes",
        )
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise InvalidParameterError.expected("n", "augment", "an int >= 0", n)
        minority = counts.index[int(np.argmin(counts.to_numpy()))]
        return {minority: int(n)} if n > 0 else {}
    ratio = 1.0 if ratio is None else ratio
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1e3:
        raise InvalidParameterError.expected(
            "ratio", "augment", "a float in (0, 1000], ideally (0, 1]", ratio
        )
    goal = math.floor(float(ratio) * int(counts.max()) + 0.5)
    return {c: goal - int(k) for c, k in counts.items() if goal > int(k)}


def target_schema(real: pd.DataFrame, target: str, schema: Schema | None = None) -> Schema:
    """The schema with ``target`` as a categorical column (a 0/1 numeric target becomes categorical)."""
    if target not in real.columns:
        raise ColumnError.single(
            target, "is not a column of the table", f"use one of {list(map(str, real.columns))}"
        )
    sch = infer_schema(real) if schema is None else schema
    if sch[target].kind in _DISCRETE:
        return sch
    fixed = infer_schema(real, overrides={target: {"kind": "categorical"}})[target]
    return sch.with_column(fixed)


def fit_generator(
    real: pd.DataFrame,
    target: str,
    generator: str | Generator = "cart",
    *,
    seed: Seed = None,
    generator_params: Mapping[str, Any] | None = None,
    schema: Schema | None = None,
) -> Generator:
    """A generator fitted on ``real`` for class-conditional sampling (``target=`` set where it takes one)."""
    if isinstance(generator, Generator):
        gen = generator
        if generator_params:
            gen.set_params(**generator_params)
    else:
        params = dict(generator_params or {})
        if "target" in get(generator)._param_names():
            params.setdefault("target", target)
        params.setdefault("seed", seed)
        gen = create(generator, **params)
    if "target" in gen._param_names() and getattr(gen, "target", None) is None:
        gen.set_params(target=target)
    return gen.fit(real, target_schema(real, target, schema))


def synthesize_minority(
    real: pd.DataFrame,
    *,
    target: str,
    ratio: float | None = None,
    n: int | None = None,
    generator: str | Generator = "cart",
    seed: Seed = None,
    generator_params: Mapping[str, Any] | None = None,
    schema: Schema | None = None,
    boost: Boost | None = None,
) -> pd.DataFrame:
    """Only the new synthetic rows (columns and dtypes of ``real``), class by class in plan order."""
    if target not in real.columns:
        raise ColumnError.single(
            target, "is not a column of the table", f"use one of {list(map(str, real.columns))}"
        )
    plan = plan_counts(real[target], ratio=ratio, n=n)
    if boost and target in boost:
        raise InvalidParameterError(
            f"Cannot boost the target {target!r} while augmenting it. Fix: use ratio or n for the target, "
            "and boost another column."
        )
    rng = make_rng(seed)
    if not plan:
        return real.iloc[:0].copy()
    gen = fit_generator(real, target, generator, seed=seed, generator_params=generator_params, schema=schema)
    parts = []
    for cls, count in plan.items():
        s = int(rng.integers(0, 2**31 - 1))
        if boost:
            ref = real[real[target] == cls]
            parts.append(sample_boosted(gen, count, boost, reference=ref, conditions={target: cls}, seed=s))
        else:
            parts.append(gen.sample(count, conditions={target: cls}, seed=s))
    synth = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return conform_dtypes(synth[list(real.columns)], real)


def conform_dtypes(synth: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """Cast each synthetic column to the real column's dtype where that loses nothing."""
    out = synth.copy()
    for col in real.columns:
        if str(out[col].dtype) != str(real[col].dtype):
            try:
                out[col] = out[col].astype(real[col].dtype)
            except (TypeError, ValueError):
                continue
    return out


def augment(
    real: pd.DataFrame,
    *,
    target: str,
    ratio: float | None = None,
    n: int | None = None,
    generator: str | Generator = "cart",
    label_column: str | None = None,
    seed: Seed = None,
    generator_params: Mapping[str, Any] | None = None,
    schema: Schema | None = None,
    boost: Boost | None = None,
) -> pd.DataFrame:
    """The real rows (first, unchanged, in order) followed by the synthetic minority rows.

    See the module docstring for ``ratio``, ``n``, ``boost`` and ``label_column``. ``real`` is never
    modified; the index of the result is a fresh ``RangeIndex``.
    """
    _check_label(real, label_column)
    synth = synthesize_minority(
        real,
        target=target,
        ratio=ratio,
        n=n,
        generator=generator,
        seed=seed,
        generator_params=generator_params,
        schema=schema,
        boost=boost,
    )
    out = pd.concat([real.reset_index(drop=True), synth], ignore_index=True)
    if label_column is not None:
        out[label_column] = np.r_[np.zeros(len(real), dtype=bool), np.ones(len(synth), dtype=bool)]
    return out


def _check_label(real: pd.DataFrame, label_column: str | None) -> None:
    if label_column is not None and (not isinstance(label_column, str) or not label_column):
        raise InvalidParameterError.expected(
            "label_column", "augment", "a non-empty column name", label_column
        )
    if label_column is not None and label_column in real.columns:
        raise ColumnError.single(
            label_column,
            "already exists in the table, so it cannot flag the synthetic rows",
            "pick another --label-column name",
        )


_TEXT = {".csv": ",", ".tsv": "\t"}


def check_output(real_path: str | os.PathLike[str], output: str | os.PathLike[str]) -> None:
    """Refuse to write the augmented table over its own input."""
    if Path(real_path).resolve() == Path(output).resolve():
        raise InvalidParameterError(
            f"The output {str(output)!r} is the input file. Fix: write to a new file."
        )


def write_augmented(
    real_path: str | os.PathLike[str],
    real: pd.DataFrame,
    synth: pd.DataFrame,
    output: str | os.PathLike[str],
    *,
    label_column: str | None = None,
) -> Path:
    """Write the real rows then ``synth`` to ``output`` atomically; the real rows are never altered.

    Text to text (CSV / TSV): the header and every real field are copied as the exact text of
    ``real_path`` (quoting may be normalised to minimal quoting; line endings become ``\\n``). Otherwise
    the concatenated frame is written by :func:`synthwise.io.write_table` (values kept, dtypes too).
    """
    _check_label(real, label_column)
    check_output(real_path, output)
    src, dst = Path(real_path), Path(output)
    if src.suffix.lower() not in _TEXT or dst.suffix.lower() not in _TEXT:
        out = pd.concat([real.reset_index(drop=True), synth[list(real.columns)]], ignore_index=True)
        if label_column is not None:
            out[label_column] = np.r_[np.zeros(len(real), dtype=bool), np.ones(len(synth), dtype=bool)]
        return write_table(out, dst)
    sep_in, sep_out = _TEXT[src.suffix.lower()], _TEXT[dst.suffix.lower()]
    extra = [] if label_column is None else [label_column]
    synth_text = synth[list(real.columns)].to_csv(index=False, header=False, sep=sep_out, lineterminator="\n")
    with (
        atomic_path(dst) as tmp,
        src.open(newline="", encoding="utf-8-sig") as fin,
        tmp.open("w", newline="", encoding="utf-8") as fout,
    ):
        writer = csv.writer(fout, delimiter=sep_out, lineterminator="\n")
        n_real = -1  # the first record is the header
        for record in csv.reader(fin, delimiter=sep_in):
            if not record:
                continue  # blank lines, as pandas skips them
            flag = extra if n_real < 0 else ["False"] * len(extra)
            writer.writerow(record + flag)
            n_real += 1
        if n_real != len(real):
            raise DataError(
                f"File {str(src)!r}: read {n_real:,} raw rows but {len(real):,} parsed rows. "
                "Fix: write to .parquet, which keeps the values without the raw-text copy."
            )
        for record in csv.reader(io.StringIO(synth_text), delimiter=sep_out):
            writer.writerow(record + ["True"] * len(extra))
    return dst
