"""Sampling at scale: a folder of Parquet files, one per block, and a manifest written last.

``sample_to_folder(model, n, folder, seed=..., blocks="auto", executor=...)``:

1. reads the model file once (its SHA-256 names it) and makes the plan (:mod:`synthwise.scale.plan`);
2. writes ``_run.json`` (the model's hash, the seed, the plan) before any block, so that a folder
   holding a different run is refused and a half-finished one is recognised;
3. has the executor sample every block not already on disk; each ``part-NNNNN.parquet`` is written
   atomically as soon as it arrives, so a stopped run leaves only whole files;
4. writes ``_manifest.json`` last (the run, every block's rows and SHA-256, the row count).

Rerunning the same command on a half-finished folder samples only the missing blocks; the final files
are byte-identical to an uninterrupted run's, and identical whichever executor and however many workers
ran them. Row-wise generators cut ``n`` rows into blocks; sequential generators cut ``n`` entities (a
block's file then holds those entities' steps).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from synthwise._version import __version__
from synthwise.errors import InvalidParameterError
from synthwise.io import write_bytes, write_text
from synthwise.scale.blocks import (
    BlockOutput,
    BlockTask,
    ModelRef,
    arrow_schema,
    generator_of,
    sample_block_parquet,
)
from synthwise.scale.executors import Executor, SerialExecutor
from synthwise.scale.plan import Block, Plan, make_plan

FORMAT = "synthwise.sample"
RUN_FILE = "_run.json"
MANIFEST_FILE = "_manifest.json"

OnBlock = Callable[[int, int], None]  # (blocks done, blocks in the plan)


@dataclass(frozen=True)
class SampleResult:
    """What a run did: the folder, rows on disk, blocks written now / found finished, and whether the
    manifest is written (False when a time budget stopped it: rerun to resume)."""

    folder: Path
    rows: int
    n_blocks: int
    written: int
    reused: int
    complete: bool
    seconds: float
    executor: str
    workers: int


def part_name(block_id: int) -> str:
    return f"part-{block_id:05d}.parquet"


def sample_to_folder(
    model: str | os.PathLike[str],
    n: int,
    folder: str | os.PathLike[str],
    *,
    seed: int = 0,
    blocks: int | str = "auto",
    executor: Executor | None = None,
    on_block: OnBlock | None = None,
    max_time_s: float | None = None,
) -> SampleResult:
    """Sample ``n`` rows (entities for sequential generators) from the model file into ``folder``;
    resume a half-finished run there. See the module docstring."""
    started = time.perf_counter()
    ref = ModelRef.read(model)
    gen = generator_of(ref)
    if gen.capabilities.data == "image":
        raise InvalidParameterError(
            f"{gen.name} generates images, not rows: blocks of Parquet rows do not apply. "
            "Fix: synthwise generate IMAGES -o FOLDER writes PNG folders."
        )
    out = Path(folder)
    plan = _earlier_plan(out, make_plan(n, seed, blocks, n_columns=len(gen.columns_)))
    from synthwise.generators.sequential.base import SequentialGenerator

    run = {
        "format": FORMAT,
        "format_version": 1,
        "library_version": __version__,
        "generator": gen.name,
        "model_sha256": ref.sha256,
        "unit": "entities" if isinstance(gen, SequentialGenerator) else "rows",
        "plan": plan.to_dict(),
    }
    done = _prepare_folder(out, run, plan)
    executor = executor or SerialExecutor()
    schema = arrow_schema(gen, seed)
    todo = [BlockTask(b, schema) for b in plan.blocks if b.block_id not in done]
    reused = len(done)
    if on_block is not None:
        on_block(len(done), plan.n_blocks)
    complete, workers = True, 0
    if todo:
        with executor:
            results = executor.map_unordered(sample_block_parquet, ref, todo)
            try:
                for result in results:
                    done[result.block_id] = _write_block(out, result)
                    if on_block is not None:
                        on_block(len(done), plan.n_blocks)
                    late = max_time_s is not None and time.perf_counter() - started > max_time_s
                    if late and len(done) < plan.n_blocks:
                        complete = False
                        break
            finally:
                close = getattr(results, "close", None)
                if close is not None:
                    close()  # cancels what is still running
            workers = executor.workers
    if complete:
        _write_manifest(out, run, plan, done)
    return SampleResult(
        folder=out,
        rows=sum(int(d["rows"]) for d in done.values()),
        n_blocks=plan.n_blocks,
        written=len(done) - reused,
        reused=reused,
        complete=complete,
        seconds=time.perf_counter() - started,
        executor=executor.name,
        workers=workers,
    )


def _prepare_folder(out: Path, run: dict[str, Any], plan: Plan) -> dict[int, dict[str, Any]]:
    """Check ``out`` holds nothing or this same run; write ``_run.json``; the finished blocks found."""
    run_path = out / RUN_FILE
    if out.exists() and not out.is_dir():
        raise InvalidParameterError(
            f"{str(out)!r} is a file; sampling in blocks writes a folder. Fix: pass a folder path (-o out/)."
        )
    if run_path.exists():
        try:
            found = json.loads(run_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidParameterError(
                f"{str(run_path)!r} is unreadable ({exc}). Fix: delete the folder."
            ) from exc
        keys = ("format", "model_sha256", "unit", "plan")
        if any(found.get(k) != run[k] for k in keys):
            differs = [k for k in keys if found.get(k) != run[k]]
            raise InvalidParameterError(
                f"Folder {str(out)!r} holds another sampling run (its {' and '.join(differs)}: other model, "
                "seed, -n or --blocks). Fix: write to a new folder, or delete this one to start over."
            )
    elif out.exists() and any(out.iterdir()):
        raise InvalidParameterError(
            f"Folder {str(out)!r} is not empty and holds no sampling run. "
            "Fix: write to a new or empty folder."
        )
    else:
        write_text(json.dumps(run, indent=1) + "\n", run_path)
    for stale in out.glob(".part-*.tmp"):  # a temporary file left by a killed run
        stale.unlink(missing_ok=True)
    return {b.block_id: info for b in plan.blocks if (info := _finished(out, b, run["unit"])) is not None}


def _earlier_plan(out: Path, plan: Plan) -> Plan:
    """The plan of the run already in ``out`` where it differs from ``plan`` only by predating pieces
    (its blocks sampled whole): resuming it goes on as it began, so its bytes stay those of one run."""
    try:
        found = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))["plan"]
        earlier = Plan.from_dict(found)
    except (OSError, ValueError, KeyError, TypeError):
        return plan  # none, or unreadable: _prepare_folder says so
    return earlier if "piece_rows" not in found and earlier == replace(plan, piece_rows=0) else plan


def _finished(out: Path, block: Block, unit: str) -> dict[str, Any] | None:
    """The manifest entry of a block already on disk, or None when it must be (re)sampled."""
    path = out / part_name(block.block_id)
    if not path.is_file():
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        rows = pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException):
        return None
    if unit == "rows" and rows != block.n_rows:
        return None
    return _entry(block.block_id, rows, path.read_bytes())


def _entry(block_id: int, rows: int, data: bytes) -> dict[str, Any]:
    return {
        "block_id": block_id,
        "file": part_name(block_id),
        "rows": rows,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _write_block(out: Path, result: BlockOutput) -> dict[str, Any]:
    write_bytes(result.data, out / part_name(result.block_id))
    return _entry(result.block_id, result.rows, result.data)


def _write_manifest(out: Path, run: dict[str, Any], plan: Plan, done: dict[int, dict[str, Any]]) -> None:
    entries = [done[b.block_id] | {"n": b.n_rows, "offset": b.row_offset} for b in plan.blocks]
    manifest = {**run, "rows": sum(int(e["rows"]) for e in entries), "blocks": entries}
    write_text(json.dumps(manifest, indent=1) + "\n", out / MANIFEST_FILE)


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a finished run in ``folder``, or None when the run is not finished."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
