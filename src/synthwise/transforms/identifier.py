"""Identifier columns are never copied: fresh unique keys in the real column's format.

Templates (inferred by :mod:`synthwise.schema.keys`): ``"int"`` counts up above the real maximum;
``"row"`` is a row index, regenerated as ``min, min + 1, ...``; a prefix + counter + suffix template
(``"17-{:06d}"``) counts up above the real counter's maximum; ``"uuid"`` draws version-4 UUIDs;
``"shape:<mask>"`` draws random characters of each position's class; ``"token"`` draws ``SYN...``
tokens. A key repeated across rows (``col.repeats``) keeps the real distribution of rows per key
(:func:`group_sizes`, stored in the model file) with fresh keys assigned to random rows.
"""

from __future__ import annotations

import re
import uuid

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema

_TEMPLATE = re.compile(r"^(.*?)\{:(0?\d*)d\}(.*)$")
_CLASSES = {
    "9": "0123456789",
    "A": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "a": "abcdefghijklmnopqrstuvwxyz",
    "X": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "x": "abcdefghijklmnopqrstuvwxyz0123456789",
    "*": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
}


def generate_identifiers(col: ColumnSchema, n: int, rng: np.random.Generator, *, start: int = 0) -> pd.Series:
    """``n`` fresh identifiers shaped like the real ones, disjoint from the real key range.

    Integer and prefixed keys count up from above the real maximum (``start`` shifts further, so
    successive batches never collide); a row index counts from its real first value; UUIDs are
    version 4 from the seeded generator.
    """
    template = col.id_template or "token"
    if template in ("int", "row"):
        if template == "row":
            base = int(col.min) if col.min is not None else 1
        else:
            base = int(col.max or 0) + 1 if col.max is not None else 1
        values = np.arange(base + start, base + start + n, dtype=np.int64)
        s = pd.Series(values, name=col.name)
        return s.astype(col.dtype) if col.dtype.lower().startswith(("int", "uint")) else s.astype("int64")
    if template == "uuid":
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        vals = [str(uuid.UUID(bytes=bytes(r), version=4)) for r in raw]
        return _text(vals, col)
    if template.startswith("shape:"):
        return _text(_shaped(template[len("shape:") :], n, rng), col)
    m = _TEMPLATE.match(template)
    if m:
        prefix, width, suffix = m.group(1), m.group(2), m.group(3)
        base = int(col.max or 0) + 1 if col.max is not None else 10 ** max(len(width) - 1, 0)
        fmt = f"{{:{width}d}}" if width else "{:d}"
        return _text([prefix + fmt.format(i) + suffix for i in range(base + start, base + start + n)], col)
    length = 12
    alphabet = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, length))]
    return _text(["SYN" + "".join(r) for r in chars], col)


def _shaped(mask: str, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct random strings of the mask's classes (``\\c``: the literal c)."""
    parts: list[np.ndarray] = []
    i = 0
    while i < len(mask):
        if mask[i] == "\\" and i + 1 < len(mask):
            parts.append(np.full(n, mask[i + 1], dtype=object))
            i += 2
            continue
        pool = np.array(list(_CLASSES.get(mask[i], mask[i])), dtype=object)
        parts.append(pool[rng.integers(0, len(pool), size=n)])
        i += 1
    values = ["".join(row) for row in zip(*parts, strict=True)] if parts else [""] * n
    seen: set[str] = set()
    out = []
    for v in values:  # a rare collision gets a fresh draw; a mask too small to hold n keys repeats
        tries = 0
        while v in seen and tries < 10:
            v = _shaped(mask, 1, rng)[0]
            tries += 1
        seen.add(v)
        out.append(v)
    return out


def group_sizes(values: pd.Series) -> np.ndarray:
    """The real rows-per-key distribution: int64 (m, 2) rows of (group size, number of keys)."""
    per_key = values.dropna().value_counts().to_numpy()
    sizes, counts = np.unique(per_key, return_counts=True)
    return np.stack([sizes, counts], axis=1).astype(np.int64)


def generate_repeated(
    col: ColumnSchema,
    n: int,
    rng: np.random.Generator,
    sizes: np.ndarray | None,
    *,
    mean_size: float = 2.0,
    start: int = 0,
) -> pd.Series:
    """``n`` keys, each repeated over a group of rows whose size is drawn from ``sizes`` (from
    :func:`group_sizes`; None, as for a generator that learned nothing but a public schema: 1 + Poisson
    sizes of mean ``mean_size``), in random row order; missing at the schema's rate."""
    present = rng.random(n) >= col.missing_rate if col.missing_rate > 0 else np.ones(n, dtype=bool)
    m = int(present.sum())
    if sizes is None or len(sizes) == 0:
        draws = 1 + rng.poisson(max(mean_size, 1.0) - 1.0, size=m + 1)
    else:
        p = sizes[:, 1] / sizes[:, 1].sum()
        draws = sizes[rng.choice(len(sizes), size=m + 1, p=p), 0]
    ends = np.cumsum(draws)
    k = int(np.searchsorted(ends, m, side="left")) + 1  # groups needed to cover m rows
    owner = np.repeat(np.arange(k), draws[:k])[:m]
    keys = generate_identifiers(col, k, rng, start=start)
    values = keys.to_numpy(dtype=object)[rng.permutation(owner)]
    out = np.full(n, None, dtype=object)
    out[present] = values
    s = pd.Series(out, name=col.name, dtype=object)
    if col.dtype.lower().startswith(("int", "uint")):
        return s.astype("Int64") if col.missing_rate > 0 else s.astype(col.dtype)
    if col.dtype.lower().startswith("float"):
        return s.astype("float64")
    return s if col.dtype == "object" else _text(list(out), col)


def _text(values: list[str], col: ColumnSchema) -> pd.Series:
    s = pd.Series(values, name=col.name, dtype=object)
    if col.dtype not in ("object",):
        try:
            return s.astype(col.dtype)
        except (TypeError, ValueError):
            return s
    return s
