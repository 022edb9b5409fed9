"""Column values inside the simulator, and the few operations every kind supports.

A value is one of:

* a numpy array: float64 / int64 / bool numbers, or ``datetime64[ns]`` times;
* a :class:`Cat`: integer codes into a small array of strings (categories, fake pools, states): cheap to
  copy, gather and compare;
* a pyarrow string array: free text built per row (ids with a prefix, e-mails, IPs, IBANs, UUIDs);
* a scalar (Python number, string, ``numpy.datetime64``) before it is broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Cat:
    """Strings stored as codes into ``categories`` (an object array of str)."""

    codes: np.ndarray
    categories: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx: np.ndarray) -> Cat:
        return Cat(self.codes[idx], self.categories)

    def code_of(self, value: object) -> int:
        if not isinstance(value, str):
            return -1
        hits = np.flatnonzero(self.categories == value)
        return int(hits[0]) if len(hits) else -1

    def to_arrow(self) -> pa.Array:
        return pa.array(self.categories, type=pa.string()).take(pa.array(self.codes, type=pa.int32()))

    def to_numpy(self) -> np.ndarray:
        return self.categories[self.codes]


Value: TypeAlias = "np.ndarray | Cat | pa.Array"


def is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray | Cat | pa.Array | pa.ChunkedArray) and not (
        isinstance(v, np.ndarray) and v.ndim == 0
    )


def is_stringy(v: Any) -> bool:
    return isinstance(v, Cat | pa.Array | pa.ChunkedArray | str)


def length(v: Any) -> int:
    return len(v)


def broadcast(v: Any, n: int) -> Any:
    """``v`` as a full column of ``n`` rows (scalars repeated)."""
    if is_array(v):
        if len(v) != n:
            raise ValueError(f"a column of {len(v)} rows where {n} were expected")
        return v
    if isinstance(v, str):
        return Cat(np.zeros(n, dtype=np.int32), np.array([v], dtype=object))
    if isinstance(v, np.ndarray):  # 0-d
        return np.full(n, v[()])
    if isinstance(v, np.datetime64):
        return np.full(n, v.astype("datetime64[ns]"))
    return np.full(n, v)


def take(v: Any, idx: np.ndarray) -> Any:
    if not is_array(v):
        return v
    if isinstance(v, Cat):
        return v.take(idx)
    if isinstance(v, pa.Array | pa.ChunkedArray):
        return v.take(pa.array(idx, type=pa.int64()))
    return v[idx]


def to_strings(v: Any) -> pa.Array:
    if isinstance(v, Cat):
        return v.to_arrow()
    if isinstance(v, pa.ChunkedArray):
        return v.combine_chunks()
    if isinstance(v, pa.Array):
        return v if pa.types.is_string(v.type) else v.cast(pa.string())
    if isinstance(v, np.ndarray) and v.dtype.kind == "M":
        return pa.array(v).cast(pa.string())
    return pa.array(np.asarray(v)).cast(pa.string())


def _union_cats(a: Cat, b: Cat) -> tuple[Cat, Cat]:
    if a.categories is b.categories or (
        len(a.categories) == len(b.categories) and np.array_equal(a.categories, b.categories)
    ):
        return a, b
    cats = list(dict.fromkeys([*a.categories.tolist(), *b.categories.tolist()]))
    index = {c: i for i, c in enumerate(cats)}
    arr = np.array(cats, dtype=object)
    map_a = np.array([index[c] for c in a.categories], dtype=np.int32)
    map_b = np.array([index[c] for c in b.categories], dtype=np.int32)
    return Cat(map_a[a.codes], arr), Cat(map_b[b.codes], arr)


def concat(parts: list[Any]) -> Any:
    """Rows of several values of the same kind, one after the other."""
    if parts and all(isinstance(p, Cat) for p in parts):
        cats = list(dict.fromkeys(c for p in parts for c in p.categories.tolist()))
        index = {c: i for i, c in enumerate(cats)}
        codes = [np.array([index[c] for c in p.categories], dtype=np.int32)[p.codes] for p in parts]
        return Cat(np.concatenate(codes).astype(np.int32), np.array(cats, dtype=object))
    if any(is_stringy(p) for p in parts):
        return pa.concat_arrays([to_strings(p) for p in parts])
    return np.concatenate([np.asarray(p) for p in parts])


def assign(base: Any, idx: np.ndarray, new: Any) -> Any:
    """A copy of ``base`` with rows ``idx`` replaced by ``new`` (same length as ``idx``)."""
    n = len(base)
    if isinstance(base, Cat) and isinstance(new, Cat):
        a, b = _union_cats(base, new)
        codes = a.codes.copy()
        codes[idx] = b.codes
        return Cat(codes, a.categories)
    if is_stringy(base) or is_stringy(new):
        combined = pa.concat_arrays([to_strings(base), to_strings(broadcast(new, len(idx)))])
        order = np.arange(n, dtype=np.int64)
        order[idx] = n + np.arange(len(idx), dtype=np.int64)
        return combined.take(pa.array(order))
    new_arr = np.asarray(broadcast(new, len(idx)))
    dtype = np.result_type(base.dtype, new_arr.dtype)
    out = base.astype(dtype, copy=True)
    out[idx] = new_arr
    return out


def select(cond: np.ndarray, a: Any, b: Any, n: int) -> Any:
    """``a`` where ``cond`` is true, else ``b`` (the expression ``where(cond, a, b)``)."""
    cond = np.asarray(broadcast(cond, n), dtype=bool)
    if not is_array(a) and not is_array(b) and not isinstance(a, str) and not isinstance(b, str):
        return np.where(cond, a, b)
    a_full, b_full = broadcast(a, n), broadcast(b, n)
    if isinstance(a_full, np.ndarray) and isinstance(b_full, np.ndarray):
        return np.where(cond, a_full, b_full)
    return assign(b_full, np.flatnonzero(cond), take(a_full, np.flatnonzero(cond)))


def _codes_for(v: Cat, consts: list[Any]) -> np.ndarray:
    return np.array([v.code_of(c) for c in consts if v.code_of(c) >= 0], dtype=np.int64)


def equal(a: Any, b: Any, n: int) -> np.ndarray:
    """Element-wise ``a == b`` for any two values (strings compared as text)."""
    if isinstance(a, str) and isinstance(b, Cat | pa.Array):
        a, b = b, a
    if isinstance(a, Cat) and isinstance(b, str):
        return a.codes == a.code_of(b)
    if isinstance(a, Cat) and isinstance(b, Cat):
        x, y = _union_cats(a, b)
        return np.asarray(x.codes == y.codes)
    if is_stringy(a) or is_stringy(b):
        left = to_strings(broadcast(a, n)) if not isinstance(a, str) else a
        right = to_strings(broadcast(b, n)) if not isinstance(b, str) else b
        return np.asarray(
            pc.fill_null(pc.equal(left, right), False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return np.asarray(np.equal(a, b))


def isin(v: Any, consts: list[Any], n: int) -> np.ndarray:
    """Element-wise ``v in consts``."""
    if isinstance(v, Cat):
        return np.isin(v.codes, _codes_for(v, consts))
    if isinstance(v, pa.Array | pa.ChunkedArray):
        result = pc.is_in(v, value_set=pa.array([str(c) for c in consts], type=pa.string()))
        return np.asarray(result.to_numpy(zero_copy_only=False), dtype=bool)
    arr = np.asarray(broadcast(v, n))
    return np.isin(arr, np.asarray(consts))


def row_hashes(v: Any) -> np.ndarray:
    """A uint64 hash per row (equal values -> equal hashes), for uniqueness checks."""
    import pandas as pd

    from synthwise.simulation.streams import mix

    if isinstance(v, Cat):
        cat_hash = pd.util.hash_array(v.categories.astype(object))
        return cat_hash[v.codes]
    if isinstance(v, pa.Array | pa.ChunkedArray):
        return pd.util.hash_array(np.asarray(v.to_numpy(zero_copy_only=False), dtype=object))
    arr = np.asarray(v)
    if arr.dtype.kind == "f":
        arr = np.where(arr == 0, 0.0, arr)  # -0.0 == 0.0
        return mix(arr.astype(np.float64).view(np.uint64))
    if arr.dtype.kind in "iubM":
        return mix(arr.astype(np.int64).view(np.uint64))
    return pd.util.hash_array(arr.astype(object))
