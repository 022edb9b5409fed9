"""``synthwise sample ... -o out/``: sampling in blocks into a folder of Parquet files, on one core, a
local process pool or a Dask cluster (:mod:`synthwise.scale`). Called by the ``sample`` command."""

from __future__ import annotations

from pathlib import Path

import typer

from synthwise.cli._app import console, console_err
from synthwise.cli._progress import BlockProgress
from synthwise.errors import InvalidParameterError

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")


def wants_blocks(output: Path, *options: object) -> bool:
    """Whether ``sample`` writes a folder of blocks: a block option is given or ``output`` is no table
    file (a folder)."""
    if output.suffix.lower() not in TABLE_SUFFIXES:
        return True
    if any(o is not None for o in options):
        raise InvalidParameterError(
            f"--blocks, --scheduler, --workers, --engine and --max-time write a folder of Parquet blocks, "
            f"not the single file {str(output)!r}. Fix: pass a folder (-o out/) or drop those options."
        )
    return False


def sample_blocks(
    model: Path,
    n: int,
    output: Path,
    seed: int,
    blocks: str | None,
    scheduler: str | None,
    workers: int | None,
    engine: str | None,
    max_time_s: float | None,
) -> None:
    from synthwise.scale import make_executor, sample_to_folder

    if max_time_s is not None and not max_time_s > 0:
        raise InvalidParameterError(
            f"--max-time must be a number of seconds > 0. Got {max_time_s!r} instead."
        )
    executor = make_executor(scheduler=scheduler, workers=workers, engine=engine)
    where = scheduler or (f"{workers} local Dask workers" if workers else executor.name)
    with BlockProgress(f"Sampling {n:,} into {output} ({where})") as bar:
        result = sample_to_folder(
            model,
            n,
            output,
            seed=seed,
            blocks=blocks or "auto",
            executor=executor,
            on_block=bar,
            max_time_s=max_time_s,
        )
    resumed = f", {result.reused} found finished" if result.reused else ""
    if not result.complete:
        console_err.print(
            f"Stopped at the time budget after {result.written + result.reused} of {result.n_blocks} blocks "
            f"({result.rows:,} rows in {output}); no manifest yet. Fix: rerun the same command to resume."
        )
        raise typer.Exit(1)
    if not result.written:
        console.print(f"{output} already holds this run: {result.rows:,} rows in {result.n_blocks} blocks.")
        return
    rate = result.rows / result.seconds if result.seconds > 0 else 0.0
    console.print(
        f"Wrote {result.rows:,} rows to {output} in {result.n_blocks} Parquet blocks "
        f"({result.written} sampled{resumed}; {result.seconds:.1f} s, {rate:,.0f} rows/s on "
        f"{result.workers} {result.executor} worker{'s' if result.workers != 1 else ''}); manifest "
        f"{output / '_manifest.json'}"
    )
