"""Work cut into blocks and run on one core, a local process pool or a Dask cluster.

:mod:`~synthwise.scale.plan` (the engine-neutral block plan), :mod:`~synthwise.scale.blocks` (pure
functions over one block), :mod:`~synthwise.scale.executors` (serial, processes, Dask),
:mod:`~synthwise.scale.sampling` (a folder of Parquet blocks with a manifest, resumable) and
:mod:`~synthwise.scale.stats` (column statistics that merge exactly across blocks). Output
depends on the seed and the plan only, never on the executor or the number of workers.
"""

from __future__ import annotations

from synthwise.scale.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor, make_executor
from synthwise.scale.plan import Block, Plan, block_seed, make_plan
from synthwise.scale.sampling import SampleResult, read_manifest, sample_to_folder

__all__ = [
    "Block",
    "DaskExecutor",
    "Executor",
    "Plan",
    "ProcessExecutor",
    "SampleResult",
    "SerialExecutor",
    "block_seed",
    "make_executor",
    "make_plan",
    "read_manifest",
    "sample_to_folder",
]
