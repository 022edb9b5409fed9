"""Pure functions over one block, the units every executor schedules.

A block's output depends only on the model, the block and the run's seed: :func:`sample_block` draws
``block.n_rows`` rows (entities for sequential generators) from the block's own stream
(:meth:`Block.seed_sequence`, piece by piece: :meth:`Block.pieces`) with identifiers numbered from
``block.row_offset``, and
:func:`sample_block_parquet` encodes them as Parquet bytes with the run's Arrow schema, so a worker
needs nothing but the model bytes and the task. Workers load a model once per process
(:func:`generator_of` keeps the last ones by their SHA-256).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from synthwise.errors import SamplingError
from synthwise.scale.plan import Block

if TYPE_CHECKING:
    import pyarrow as pa

    from synthwise.generators.base import Generator

# the probe that fixes the Arrow schema of every block: this many rows from a stream no block uses
PROBE_ROWS = 1_000
PROBE_KEY = 2**32
_CACHE_SIZE = 2
_CACHE: OrderedDict[str, Generator] = OrderedDict()


@dataclass(frozen=True)
class ModelRef:
    """A model file's bytes and their SHA-256: what is shipped to every worker once."""

    sha256: str
    data: bytes

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> ModelRef:
        data = Path(path).read_bytes()
        return cls(hashlib.sha256(data).hexdigest(), data)


@dataclass(frozen=True)
class BlockTask:
    """One block to sample and the Arrow schema its Parquet file is written with."""

    block: Block
    schema: pa.Schema


@dataclass(frozen=True)
class BlockOutput:
    """A finished block: its Parquet bytes and the rows they hold."""

    block_id: int
    rows: int
    data: bytes


def generator_of(ref: ModelRef) -> Generator:
    """The fitted generator in ``ref``, loaded once per process (checked by the model file's own
    checksum)."""
    gen = _CACHE.get(ref.sha256)
    if gen is not None:
        _CACHE.move_to_end(ref.sha256)
        return gen
    from synthwise.generators.modelfile import load_generator

    with tempfile.TemporaryDirectory(prefix="synthwise-model-") as tmp:
        path = Path(tmp) / "model.synthwise"
        path.write_bytes(ref.data)
        gen = load_generator(path)
    _CACHE[ref.sha256] = gen
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return gen


def sample_block(gen: Generator, block: Block) -> pd.DataFrame:
    """The rows of ``block``: drawn piece by piece (:meth:`~synthwise.scale.plan.Block.pieces`) from the
    block's own stream, identifiers from its row offset."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # one block per core: the executor runs the blocks in parallel
        parts = [gen.sample(n, seed=stream, id_start=offset) for n, offset, stream in block.pieces()]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def arrow_schema(gen: Generator, seed: int) -> pa.Schema:
    """The Arrow schema every block of a run is written with, from a probe of :data:`PROBE_ROWS` rows
    drawn from a stream of its own: a column that happens to be all missing in one block keeps the
    type of the others (a column missing in the whole probe is written as text)."""
    import pyarrow as pa

    probe = gen.sample(PROBE_ROWS, seed=np.random.SeedSequence(seed, spawn_key=(PROBE_KEY,)))
    schema = pa.Schema.from_pandas(probe, preserve_index=False)
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.string()))
    return schema


def parquet_bytes(df: pd.DataFrame, schema: pa.Schema) -> bytes:
    """``df`` as Parquet bytes with ``schema``; the same frame always gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(df, schema=schema, preserve_index=False, safe=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SamplingError(
            f"A block's columns do not match the run's Parquet schema ({exc}). "
            "Fix: refit the model with this synthwise version and sample again."
        ) from exc
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def sample_block_parquet(ref: ModelRef, task: BlockTask) -> BlockOutput:
    """Sample one block and encode it: the function every executor runs."""
    df = sample_block(generator_of(ref), task.block)
    return BlockOutput(task.block.block_id, len(df), parquet_bytes(df, task.schema))
