"""The ``simulate`` command: synthetic tables from a declarative spec, with no real data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from synthwise.cli._app import app, console
from synthwise.cli._progress import status


@app.command("simulate")
def simulate_cmd(
    spec: Annotated[
        Path, typer.Argument(help="A simulation spec (.yaml): tables, columns, rules, processes.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the tables (one file each).")],
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: the same spec and seed give the same bytes.")
    ] = 0,
    rows: Annotated[
        int | None,
        typer.Option("--rows", "-n", help="Rows of the spec's main table (entity tables scale along)."),
    ] = None,
    file_format: Annotated[str, typer.Option("--format", help="Output format: csv or parquet.")] = "csv",
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", "-s", help="Switch a named scenario on (repeatable).")
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows per chunk in memory (output does not depend on it).")
    ] = 200_000,
) -> None:
    """Simulate the tables of SPEC into OUTPUT, chunk by chunk (no real data needed).

    Example: [bold]synthwise simulate examples/card_fraud/spec.yaml -o out/ --seed 0 --rows 1000000[/]
    """
    from synthwise.simulation import simulate

    with status(f"Simulating {spec.name}"):
        result = simulate(
            spec,
            output,
            seed=seed,
            rows=rows,
            format=file_format,
            chunk_rows=chunk_rows,
            scenarios=scenario or (),
        )
    table = Table(
        title=f"{spec.name}: seed {seed}"
        + (f", scenarios {', '.join(result.scenarios)}" if result.scenarios else "")
    )
    for col in ("table", "rows", "columns", "file"):
        table.add_column(col)
    for t in result.tables.values():
        table.add_row(t.name, f"{t.rows:,}", str(len(t.columns)), str(t.path))
    console.print(table)
    rate = result.rows / result.seconds if result.seconds > 0 else float("inf")
    console.print(f"{result.rows:,} rows in {result.seconds:.2f} s ({rate:,.0f} rows/s)")
