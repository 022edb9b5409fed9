"""The ``synthwise augment`` command: real rows unchanged plus synthetic minority rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthwise.cli._app import app, console, console_err
from synthwise.cli._progress import status
from synthwise.cli.tabular import DataArg, GeneratorOpt, ParamOpt, SchemaOpt, SeedOpt, parse_params


@app.command("augment")
def augment_cmd(
    data: DataArg,
    target: Annotated[str, typer.Option("--target", "-t", help="The class column to balance.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output table (.csv / .tsv / .parquet).")],
    ratio: Annotated[
        float | None,
        typer.Option("--ratio", help="Raise every class to RATIO x the majority count (1.0 = balanced)."),
    ] = None,
    n: Annotated[
        int | None, typer.Option("--n", "-n", help="Add exactly N rows of the minority class.")
    ] = None,
    generator: GeneratorOpt = "cart",
    label_column: Annotated[
        str | None, typer.Option("--label-column", help="Add this boolean column: True on synthetic rows.")
    ] = None,
    seed: SeedOpt = 0,
    boost: Annotated[
        list[str] | None,
        typer.Option(
            "--boost", help="COL=VALUE:FACTOR: multiply VALUE's share among the new rows (repeatable)."
        ),
    ] = None,
    param: ParamOpt = None,
    schema: SchemaOpt = None,
) -> None:
    """Write the real rows, unchanged, followed by synthetic rows of the minority class(es).

    Example: [bold]synthwise augment train.csv --target default --ratio 0.5 --generator cart -o aug.csv[/]

    CSV to CSV copies every real field as the exact input text.

    smote, smotenc and adasyn interpolate between real rows: use them for training data, never to share it.
    """
    from synthwise.imbalance import parse_boost, synthesize_minority, write_augmented
    from synthwise.imbalance.augment import check_output
    from synthwise.io import read_table
    from synthwise.schema import resolve

    check_output(data, output)
    real = read_table(data)
    sch = None if schema is None else resolve(real, schema)
    boosts = parse_boost(boost) if boost else None
    with status(f"Fitting {generator} on {len(real):,} rows and sampling minority rows"):
        synth = synthesize_minority(
            real,
            target=target,
            ratio=ratio,
            n=n,
            generator=generator,
            seed=seed,
            generator_params=parse_params(param),
            schema=sch,
            boost=boosts,
        )
    write_augmented(data, real, synth, output, label_column=label_column)
    before = real[target].value_counts(dropna=True)
    added = synth[target].value_counts(dropna=True)
    shown = ", ".join(f"{c!s}: {int(k):,} -> {int(k) + int(added.get(c, 0)):,}" for c, k in before.items())
    console.print(
        f"Wrote {len(real) + len(synth):,} rows ({len(real):,} real + {len(synth):,} synthetic) to {output}"
    )
    console.print(f"Class counts of {target!r}: {shown}")
    if generator in ("smote", "smotenc", "adasyn", "bootstrap"):
        console_err.print(
            f"[yellow]note:[/] {generator} builds rows from real rows (weak privacy): "
            "fine for training a model, not for sharing the data."
        )
