"""Commands for personal data: pii (detect) and mask (replace)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from synthwise.cli._app import app, console, console_err


@app.command("pii")
def pii_cmd(
    data: Annotated[Path, typer.Argument(help="A table: .csv, .tsv or .parquet.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed for the value sample.")] = 0,
) -> None:
    """Detect personal data per column, from names and values.

    Example: [bold]synthwise pii customers.csv[/]
    """
    from synthwise.io import read_table
    from synthwise.pii import detect

    df = read_table(data)
    findings = detect(df, seed=seed)
    table = Table(title=f"Personal data in {data.name}")
    for c in ("column", "kind", "matched", "evidence", "contains"):
        table.add_column(c)
    for f in findings:
        table.add_row(f.column, f.kind, f"{f.share:.0%}", f.by, ", ".join(f.contains))
    console.print(table if findings else "No personal data detected.")


@app.command("mask")
def mask_cmd(
    data: Annotated[Path, typer.Argument(help="A table: .csv, .tsv or .parquet (never modified).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Masked table to write.")],
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy YAML (actions per column).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed: same input and seed, same fakes.")] = 0,
    locale: Annotated[str | None, typer.Option("--locale", help="Faker locale, e.g. de_DE.")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping-out", help="Also write the real-to-fake mapping (sensitive).")
    ] = None,
) -> None:
    """Replace detected personal data with consistent realistic fakes, hashes, or drop it.

    Example: [bold]synthwise mask customers.csv -o masked.csv --policy policy.yaml --seed 0[/]
    """
    from synthwise.io import read_table, write_table
    from synthwise.transforms.mask import MaskPolicy, mask

    df = read_table(data)
    pol = MaskPolicy.from_file(policy) if policy else MaskPolicy()
    if locale:
        from dataclasses import replace

        pol = replace(pol, locale=locale)
    result = mask(df, policy=pol, seed=seed)
    write_table(result.frame, output)
    if mapping is not None:
        result.write_mapping(mapping)
        console_err.print(
            f"[yellow]The mapping in {mapping} re-identifies the data: protect or delete it.[/]"
        )
    kinds = {f.column: f.kind for f in result.findings}
    for column, action in result.actions.items():
        console.print(f"{column}: {kinds.get(column, 'declared')} -> {action}")
    console.print(f"Wrote {len(result.frame):,} rows to {output}")
