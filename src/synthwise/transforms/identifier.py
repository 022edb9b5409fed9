"""Identifier columns are never copied: fresh unique keys in the real column's format."""

from __future__ import annotations

import re
import uuid

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema

_TEMPLATE = re.compile(r"^(.*)\{:(0?\d*)d\}$")


def generate_identifiers(col: ColumnSchema, n: int, rng: np.random.Generator, *, start: int = 0) -> pd.Series:
    """``n`` fresh identifiers shaped like the real ones, disjoint from the real key range.

    Integer and prefixed keys count up from above the real maximum (``start`` shifts further, so
    successive batches never collide); UUIDs are version 4 from the seeded generator.
    """
    template = col.id_template or "token"
    if template == "int":
        base = int(col.max or 0) + 1 if col.max is not None else 1
        values = np.arange(base + start, base + start + n, dtype=np.int64)
        s = pd.Series(values, name=col.name)
        return s.astype(col.dtype) if col.dtype.lower().startswith(("int", "uint")) else s.astype("int64")
    if template == "uuid":
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        vals = [str(uuid.UUID(bytes=bytes(r), version=4)) for r in raw]
        return _text(vals, col)
    m = _TEMPLATE.match(template)
    if m:
        prefix, width = m.group(1), m.group(2)
        base = int(col.max or 0) + 1 if col.max is not None else 10 ** max(len(width) - 1, 0)
        fmt = f"{{:{width}d}}" if width else "{:d}"
        return _text([prefix + fmt.format(i) for i in range(base + start, base + start + n)], col)
    length = 12
    alphabet = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, length))]
    return _text(["SYN" + "".join(r) for r in chars], col)


def _text(values: list[str], col: ColumnSchema) -> pd.Series:
    s = pd.Series(values, name=col.name, dtype=object)
    if col.dtype not in ("object",):
        try:
            return s.astype(col.dtype)
        except (TypeError, ValueError):
            return s
    return s
