"""Infer a :class:`Schema` from a DataFrame and validate data against one.

Inference looks at the values, not only the dtype: numbers stored as text, datetimes stored as strings
(their exact format is kept so output is written the same way), unique keys (identifiers, regenerated
and never copied), free text and constant columns. Every problem found is gathered and raised at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem, DataError
from synthwise.pii import detect_column
from synthwise.schema import codes, datetimes, keys, tails
from synthwise.schema.model import REGENERATED, ColumnSchema, Schema
from synthwise.schema.numbers import bool_labels, parse_number, split_special
from synthwise.schema.values import round_decimals

MIN_ROWS = 2
DEFAULT_MAX_CATEGORIES = 1000


def infer_schema(
    df: pd.DataFrame,
    *,
    overrides: Schema | Mapping[str, Mapping[str, Any]] | None = None,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    entity: str | None = None,
    sequence_index: str | None = None,
) -> Schema:
    """Infer each column's kind and facts from ``df``.

    ``overrides`` may be a full :class:`Schema` (used for the columns it names) or a mapping
    ``{column: {"kind": "categorical", ...}}`` whose entries replace the inferred fields.
    Raises :class:`ColumnError` listing every unusable column.
    """
    check_table(df)
    problems: list[ColumnProblem] = []
    cols: list[ColumnSchema] = []
    override_map = _override_map(overrides)
    for name in df.columns:
        ov = override_map.get(str(name), {})
        try:
            col = _infer_column(
                str(name), df[name], max_categories=max_categories, forced_kind=ov.get("kind")
            )
        except ColumnError as exc:
            problems.extend(exc.problems)
            continue
        if ov:
            col = ColumnSchema.from_dict({**col.to_dict(), **ov, "name": str(name)})
        if ov.get("min_count") is not None and "categories" not in ov:  # a declared tail threshold
            col = tails.with_min_count(col, df[name].dropna(), max_categories=max_categories)
        cols.append(col)
    if problems:
        raise ColumnError(problems)
    if entity is not None or sequence_index is not None:
        from dataclasses import replace

        cols = [replace(c, role="entity") if c.name == entity else c for c in cols]
        cols = [replace(c, role="sequence_index") if c.name == sequence_index else c for c in cols]
    return Schema(columns=tuple(cols), n_rows=len(df), entity=entity, sequence_index=sequence_index)


def check_table(df: pd.DataFrame, *, min_rows: int = MIN_ROWS) -> None:
    """Table-level checks: a DataFrame, unique string column names, enough rows."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame, got {type(df).__name__}. Fix: pass a DataFrame.")
    if df.shape[1] == 0:
        raise DataError("The table has no columns. Fix: give a table with a header row and data.")
    names = [str(c) for c in df.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(f"Duplicate column names {dupes}. Fix: give every column a unique name.")
    if len(df) == 0:
        raise DataError("The table has a header but no rows. Fix: give at least 2 data rows.")
    if len(df) < min_rows:
        raise DataError(
            f"The table has {len(df)} row(s); at least {min_rows} are needed to learn anything. "
            "Fix: give more rows."
        )


def _override_map(overrides: Schema | Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    if overrides is None:
        return {}
    if isinstance(overrides, Schema):
        return {c.name: c.to_dict() for c in overrides.columns}
    return {str(k): dict(v) for k, v in overrides.items()}


def _infer_column(name: str, s: pd.Series, *, max_categories: int, forced_kind: str | None) -> ColumnSchema:
    n = len(s)
    nonnull = s.dropna()
    missing_rate = float(1.0 - len(nonnull) / n) if n else 0.0
    dtype = str(s.dtype)
    base: dict[str, Any] = {"name": name, "dtype": dtype, "missing_rate": missing_rate}
    if len(nonnull) == 0:  # kept: an all-missing column is reproduced as all missing
        if forced_kind in (None, "constant"):
            return ColumnSchema(kind="constant", why=f"all {n:,} values are missing: kept as missing", **base)
        raise ColumnError.single(
            name,
            f"all {n:,} values are null",
            'drop the column, or mark it kind="constant" in the schema',
        )
    n_unique = int(nonnull.nunique())
    base["n_unique"] = n_unique
    kind = forced_kind

    if kind in (None, "constant") and n_unique == 1:
        return ColumnSchema(kind="constant", categories=(_py(nonnull.iloc[0]),), **base)
    if kind in (None, "boolean") and (
        pd.api.types.is_bool_dtype(s.dtype) or (s.dtype == object and _all_bool(nonnull))
    ):
        return ColumnSchema(kind="boolean", categories=(False, True), **base)
    labels = bool_labels(nonnull) if kind in (None, "boolean") and n_unique == 2 else None
    if labels is not None:
        why = f"two values written {labels[1]} / {labels[0]}"
        return ColumnSchema(kind="boolean", categories=(False, True), bool_labels=labels, why=why, **base)
    if kind in (None, "datetime") and isinstance(s.dtype, pd.DatetimeTZDtype | np.dtypes.DateTime64DType):
        tz = str(s.dt.tz) if s.dt.tz is not None else None
        return ColumnSchema(
            kind="datetime",
            timezone=tz,
            resolution=datetime_resolution(nonnull),
            min=_ts(nonnull.min()),
            max=_ts(nonnull.max()),
            **base,
        )
    if kind is None:
        pii = _pii_kind(s, n_unique, len(nonnull))
        if pii is not None:
            return ColumnSchema(kind="pii", pii_kind=pii, **base)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        if kind in (None, "datetime") and datetimes.integer_dates(name, nonnull):  # 20170105
            when = datetimes.column_schema(name, datetimes.integer_text(nonnull), base, "datetime")
            if when is not None:
                return when
        return _numeric_or_id(name, s, nonnull, base, kind, max_categories)

    # text-like (object / str / category)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = tuple(_py(c) for c in s.cat.categories)
        if kind in (None, "categorical"):
            return ColumnSchema(kind="categorical", categories=cats, **base)
    values = nonnull.astype(str) if not _all_strings(nonnull) else nonnull
    code = kind is None and codes.is_code(nonnull)  # 02134, 98115-4820: strings, never numbers
    split = split_special(s) if kind == "numeric" or (kind is None and not code) else None
    if split is not None:  # numbers plus a few codes: numeric, the codes learned through a side channel
        nums = split.numbers.dropna().to_numpy()
        return ColumnSchema(
            kind="numeric",
            integer=bool(np.all(np.mod(nums, 1) == 0)),
            min=float(nums.min()),
            max=float(nums.max()),
            decimals=_decimals(nums),
            special_values=split.codes,
            number_format=split.number_format,
            why=split.why(),
            **base,
        )
    if kind in (None, "datetime", "time"):
        when = datetimes.column_schema(name, values, base, kind)
        if when is not None:
            return when
        if kind in ("datetime", "time"):
            raise ColumnError.single(
                name, f"marked {kind} but no date/time format reads all its values", "convert it first"
            )
    if kind in (None, "identifier"):
        key = keys.string_key(name, values, forced=kind == "identifier")  # ids, repeated keys
        if key is not None:
            return ColumnSchema(kind="identifier", **key, **base)
    if kind in (None, "text") and (kind == "text" or _looks_like_text(values, n_unique)):
        return ColumnSchema(kind="text", **base)
    if kind == "numeric":
        num = pd.to_numeric(nonnull, errors="coerce")
        if num.isna().any():
            bad = nonnull[num.isna()].iloc[0]
            raise ColumnError.single(name, f"marked numeric but holds text such as {bad!r}", "clean it first")
        return _numeric_or_id(name, s, num, base, "numeric", max_categories)
    tail = tails.long_tail(values, max_categories=max_categories) if kind is None else None
    if tail is not None:  # thousands of levels: frequent values + one tail category (schema/tails.py)
        return ColumnSchema(kind="categorical", **tail, **base)
    cats = tuple(sorted((_py(v) for v in nonnull.unique()), key=_sort_key))
    return ColumnSchema(kind="categorical", categories=cats, **base)


def _pii_kind(s: pd.Series, n_unique: int, n: int) -> str | None:
    """The personal-data kind of a column regenerated with fakes (:mod:`synthwise.transforms.pii`), or None.

    Needs most sampled values to match a recognizer, or the column name and a fair share of values to
    agree; names must be many distinct values, and a national id named as such nearly unique per row."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return None
    found = detect_column(s)
    if found is None or found.kind not in REGENERATED:
        return None
    if found.kind == "name" and n_unique < max(20, 0.2 * n):
        return None  # a few repeated words ("White", "Male", "Boston") are categories, not people
    if found.share >= 0.5 or (found.by == "both" and found.share >= 0.3):
        return found.kind
    if found.kind == "national_id" and found.by == "name" and n_unique >= 0.9 * n:
        return found.kind
    return None


def _numeric_or_id(
    name: str,
    s: pd.Series,
    nonnull: pd.Series,
    base: dict[str, Any],
    kind: str | None,
    max_categories: int,
) -> ColumnSchema:
    values = nonnull.astype(float).to_numpy()
    if not np.isfinite(values).all():
        raise ColumnError.single(name, "holds infinite values", "replace inf / -inf with a number or null")
    integral = bool(np.all(np.mod(values, 1) == 0))
    key = keys.integer_key(name, values) if kind is None and integral else None
    if key is not None:  # a row index, a unique id, a repeated id (schema/keys.py)
        return ColumnSchema(kind="identifier", **key, **base)
    if kind == "identifier":
        return ColumnSchema(
            kind="identifier",
            id_template="int",
            integer=True,
            min=float(values.min()),
            max=float(values.max()),
            **base,
        )
    if kind == "categorical":
        cats = tuple(sorted(_py(v) for v in nonnull.unique()))
        return ColumnSchema(kind="categorical", categories=cats, **base)
    return ColumnSchema(
        kind="numeric",
        integer=integral,
        min=float(values.min()),
        max=float(values.max()),
        decimals=_decimals(values),
        **base,
    )


def _decimals(values: np.ndarray, max_decimals: int = 10) -> int | None:
    """Smallest number of decimals that represents every value exactly; None when there is none."""
    for d in range(max_decimals + 1):
        if np.array_equal(round_decimals(values, d), values):
            return d
    return None


def _all_bool(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) == "boolean"


def _all_strings(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) == "string"


def _looks_like_text(values: pd.Series, n_unique: int) -> bool:
    sample = values.iloc[:2000].astype(str)
    words = sample.str.split().str.len().mean()
    return bool(n_unique > 0.5 * len(values) and (words >= 3 or sample.str.len().mean() > 40))


def _py(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def datetime_resolution(values: pd.Series) -> str:
    """The coarsest unit that every timestamp is a whole multiple of."""
    return datetimes.resolution(values)


def _ts(value: Any) -> float:
    """A timestamp as float seconds since the epoch (UTC)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return float((ts - pd.Timestamp(0)) / pd.Timedelta(seconds=1))


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool | np.bool_):
        return (0, int(value))
    if isinstance(value, int | float | np.number):
        return (1, float(value))
    return (2, str(value))


def validate_data(df: pd.DataFrame, schema: Schema, *, check_domains: bool = False) -> None:
    """Check that ``df`` has the schema's columns with compatible values; gather all problems."""
    check_table(df)
    problems: list[ColumnProblem] = []
    missing = [c for c in schema.names if c not in df.columns]
    extra = [str(c) for c in df.columns if c not in schema]
    for name in missing:
        problems.append(
            ColumnProblem(name, "is in the schema but not in the data", "add it or regenerate the schema")
        )
    for name in extra:
        problems.append(
            ColumnProblem(name, "is in the data but not in the schema", "add it to the schema or drop it")
        )
    for col in schema.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        nonnull = s.dropna()
        if col.kind == "numeric" and not pd.api.types.is_numeric_dtype(s.dtype):
            num = pd.to_numeric(nonnull, errors="coerce")
            if col.number_format is not None:  # numbers written in a format ($1,234.50; 12,5; 7 %)
                parsed = [parse_number(v, col.number_format) for v in nonnull]
                num = pd.Series([np.nan if p is None else p for p in parsed], index=nonnull.index)
            if col.special_values:  # the declared codes are values too (any other text is a problem)
                num = num.where(~nonnull.astype(str).isin(col.special_values), 0.0)
            if num.isna().any():
                problems.append(
                    ColumnProblem(
                        col.name,
                        f"is numeric in the schema but holds text such as {nonnull[num.isna()].iloc[0]!r}",
                        "clean the column or change its kind in the schema",
                    )
                )
        if col.kind == "constant" and len(nonnull) == 0 and col.categories:
            continue
        if check_domains and col.kind == "categorical" and col.min_count is None:  # a long tail takes any
            unseen = set(map(str, nonnull.unique())) - set(map(str, col.categories))
            if unseen:
                ex = sorted(unseen)[:3]
                problems.append(
                    ColumnProblem(
                        col.name,
                        f"holds {len(unseen):,} categories not in the schema (e.g. {ex})",
                        "add them to the schema's categories or refit",
                    )
                )
        if col.kind not in ("constant",) and len(nonnull) == 0 and col.missing_rate < 1.0:
            problems.append(
                ColumnProblem(
                    col.name,
                    f"all {len(s):,} values are null",
                    'drop the column, or mark it kind="constant" in the schema',
                )
            )
    if problems:
        raise ColumnError(problems)
