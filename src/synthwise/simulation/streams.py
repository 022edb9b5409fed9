"""Counter-based random streams: every random value is a pure function of (seed, stream, row id, attempt).

Why not one ``numpy.random.Generator`` per chunk: then the output would depend on where chunks start.
Here a stream key is derived from the seed and stable *names* (table, column, purpose) with
``numpy.random.SeedSequence``; the value for a row is a SplitMix64 hash of ``row_id * golden + key +
attempt * step(key)``. So any chunk size, any order of work and any subset (resampling only the rows
that violate a constraint) gives the same bytes, and adding a column does not change the others.

A row id is a ``uint64``: the row number for entity tables, and ``hash(parent row id, origin) + j``
for the j-th event of an entity, so an injected burst does not change the values of the other events.
"""

from __future__ import annotations

import zlib

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53


def _mix_inplace(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finalizer, in place on a uint64 array (wrapping arithmetic)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def mix(z: np.ndarray | int) -> np.ndarray:
    """SplitMix64 finalizer of a uint64 array (a copy) or of one integer (a 0-d array)."""
    arr = np.array(z, dtype=np.uint64, copy=True)
    with np.errstate(over="ignore"):
        return _mix_inplace(arr)


def _name_word(name: str | int) -> int:
    return name if isinstance(name, int) else zlib.crc32(str(name).encode("utf-8"))


def stream_key(entropy: int, *names: str | int) -> np.uint64:
    """A 64-bit stream key from the run's entropy and stable names, via ``numpy.random.SeedSequence``."""
    ss = np.random.SeedSequence(entropy, spawn_key=tuple(_name_word(n) for n in names))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


def bits(key: np.uint64, ids: np.ndarray, attempt: np.ndarray | int = 0) -> np.ndarray:
    """64 random bits per row id (uint64), for stream ``key`` at the given per-row attempt."""
    ids = np.asarray(ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = ids * GOLDEN
        z += key
        att = np.asarray(attempt)
        if att.ndim or int(att) != 0:
            step = np.uint64(int(mix(int(key) ^ 0x5851F42D4C957F2D)) | 1)
            z += att.astype(np.uint64) * step
        return _mix_inplace(z)


def uniforms(key: np.uint64, ids: np.ndarray, attempt: np.ndarray | int = 0) -> np.ndarray:
    """Uniform floats in the open interval (0, 1), one per row id."""
    z = bits(key, ids, attempt)
    z >>= _S11
    u = z.astype(np.float64)
    u += 0.5
    u *= _TO_UNIT
    return u


def child_ids(origin_key: np.uint64, parent_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row ids for ``counts[i]`` events of each parent: ``mix(key + parent id) + j`` for j < count."""
    parent_ids = np.asarray(parent_ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        base = mix(parent_ids * GOLDEN + origin_key)
        rep = np.repeat(base, counts)
        rep += within_group_index(counts).astype(np.uint64)
    return rep


def within_group_index(counts: np.ndarray) -> np.ndarray:
    """``[0..c0-1, 0..c1-1, ...]`` for group sizes ``counts`` (int64), without a Python loop."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
