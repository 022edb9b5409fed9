"""``synthwise sample ... -o out/``: sampling in blocks into a folder of Parquet files, on one core, a
local process pool or a Dask cluster (:mod:`synthwise.scale`). Called by the ``sample`` command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from synthwise.cli._app import console, console_err
from synthwise.cli._progress import BlockProgress, status
from synthwise.errors import InvalidParameterError

if TYPE_CHECKING:
    from synthwise.evaluation import Evaluation
    from synthwise.generators import Generator
    from synthwise.scale import Executor

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


def wants_block_fit(data: Path, *options: object) -> bool:
    """Whether ``fit`` reads its table in blocks: a folder, or a block option given."""
    if data.is_dir() or any(o is not None for o in options):
        _require_parquet(data, "Fitting")
        return True
    return False


def _require_parquet(path: Path, doing: str) -> None:
    """One line with the fix where work in blocks is asked of a table that is not Parquet."""
    if not path.is_dir() and path.suffix.lower() not in (".parquet", ".pq"):
        raise InvalidParameterError(
            f"{doing} in blocks reads Parquet row groups; {str(path)!r} is not Parquet. Fix: convert it to "
            "Parquet (a file or a folder), or drop --scheduler/--workers/--engine/--sample-rows."
        )


def _where(executor: Executor, scheduler: str | None, workers: int | None) -> str:
    """Where the blocks run, for the status line."""
    return scheduler or (f"{workers} local Dask workers" if workers else executor.name)


def fit_blocks(
    data: Path,
    generator: str,
    seed: int,
    params: dict[str, object],
    schema_path: Path | None,
    scheduler: str | None,
    workers: int | None,
    engine: str | None,
    sample_rows: int | None,
) -> Generator:
    """Fit ``generator`` on the Parquet table ``data`` in blocks (:func:`synthwise.scale.fit_table`)."""
    from synthwise.scale import make_executor
    from synthwise.scale.fitting import SAMPLE_ROWS, fit_table

    executor = make_executor(scheduler=scheduler, workers=workers, engine=engine)
    where = _where(executor, scheduler, workers)
    with status(f"Fitting {generator} in blocks of {data} ({where})"):
        gen = fit_table(
            data,
            generator,
            params=params,
            seed=seed,
            schema=schema_path,
            executor=executor,
            sample_size=SAMPLE_ROWS if sample_rows is None else sample_rows,
        )
    facts = gen.fitted_on_ or {}
    console_err.print(
        f"[dim]{generator}: {facts.get('rows', 0):,} rows in {facts.get('blocks', 0)} blocks; "
        f"learned from {facts.get('how', '?')}.[/]"
    )
    return gen


def evaluate_blocks(
    real: Path,
    synthetic: Path,
    holdout: Path | None,
    *,
    sample_rows: int | None,
    scheduler: str | None,
    workers: int | None,
    engine: str | None,
    schema_path: Path | None,
    **options: Any,
) -> Evaluation:
    """Evaluate Parquet tables of any size (:func:`synthwise.scale.evaluating.evaluate_table`)."""
    from synthwise.scale import make_executor
    from synthwise.scale.evaluating import SAMPLE_ROWS, evaluate_table

    for path in (real, synthetic, *([holdout] if holdout is not None else [])):
        _require_parquet(path, "Evaluating")
    executor = make_executor(scheduler=scheduler, workers=workers, engine=engine)
    with status(f"Evaluating {synthetic} against {real} in blocks ({_where(executor, scheduler, workers)})"):
        return evaluate_table(
            real,
            synthetic,
            holdout,
            schema=schema_path,
            executor=executor,
            sample_size=SAMPLE_ROWS if sample_rows is None else sample_rows,
            **options,
        )


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
    where = _where(executor, scheduler, workers)
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
