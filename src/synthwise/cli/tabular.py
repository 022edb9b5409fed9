"""Commands for tables: schema, generators, fit, sample, generate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from synthwise.cli._app import app, console, console_err
from synthwise.cli._progress import status
from synthwise.generators.base import Generator
from synthwise.schema import resolve

DataArg = Annotated[Path, typer.Argument(help="A real table: .csv, .tsv or .parquet.")]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Work in blocks on an existing Dask cluster: tcp://HOST:PORT."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Work in blocks on a local Dask cluster of N worker processes."),
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="Work in blocks: serial (default), processes (a local pool) or dask."),
]
# a str, not a Path: a Path would fold the slashes of sqlite:///in.db
SourceArg = Annotated[
    str,
    typer.Argument(
        help="A real table (.csv, .tsv, .parquet), or a database: a URL (sqlite:///in.db, "
        "duckdb:///in.duckdb, postgresql+psycopg://user@host/db) or a folder of tables with metadata.json."
    ),
]
SchemaOpt = Annotated[
    Path | None,
    typer.Option("--schema", help="A schema file (JSON / YAML): its columns override the inferred ones."),
]
GeneratorOpt = Annotated[
    str, typer.Option("--generator", "-g", help="Generator name (see 'synthwise generators').")
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed: same data, generator and seed give the same bytes.")
]
EntityOpt = Annotated[
    str | None,
    typer.Option("--entity", help="Sequential data: the column keying the entities (e.g. patient id)."),
]
SequenceIndexOpt = Annotated[
    str | None,
    typer.Option(
        "--sequence-index",
        help="Sequential data: the datetime or integer column ordering each entity's steps.",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="Generator hyperparameter KEY=VALUE (repeatable), e.g. -p max_depth=8."
    ),
]


EpsilonOpt = Annotated[
    float | None,
    typer.Option(
        "--epsilon",
        help="Privacy budget of a DP generator (mst, dp_ar); spent at fit. It infers nothing from the data: "
        "its --schema is used as written (public).",
    ),
]
DeltaOpt = Annotated[
    float | None, typer.Option("--delta", help="Delta of a DP generator's (epsilon, delta).")
]
TextGeneratorOpt = Annotated[
    str | None,
    typer.Option(
        "--text-generator",
        help="Model of free-text columns: auto (text_lstm for 1,000+ texts, else text_ngram), text_ngram, "
        "text_lstm or text_transformer; conditioned on the rest of each generated row.",
    ),
]
TextParamOpt = Annotated[
    list[str] | None,
    typer.Option("--text-param", help="A text model parameter KEY=VALUE (repeatable), e.g. max_time_s=60."),
]


def parse_params(items: list[str] | None) -> dict[str, object]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``: values parsed as JSON where possible."""
    from synthwise.errors import InvalidParameterError

    out: dict[str, object] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidParameterError(f"--param {item!r} is not KEY=VALUE. Fix: write e.g. -p max_depth=8.")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


@app.command("schema")
def schema_cmd(
    data: SourceArg,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the schema as JSON to this file.")
    ] = None,
    schema: SchemaOpt = None,
) -> None:
    """Infer and print each column's kind, dtype, missing rate and domain (a database: its tables and keys).

    Example: [bold]synthwise schema data.csv --json schema.json[/]
    Database: [bold]synthwise schema sqlite:///in.db --json meta.json[/] (edit it, pass it back with --schema)
    """
    from synthwise.io import read_table
    from synthwise.relational.source import is_database

    if is_database(data):
        from synthwise.cli.database import show_schema

        return show_schema(data, json_out, schema)
    path = Path(data)
    df = read_table(path)
    sch = resolve(df, schema)
    table = Table(title=f"{path.name}: {len(df):,} rows, {len(sch)} columns")
    for col_name in ("column", "kind", "dtype", "missing", "unique", "details", "why"):
        table.add_column(col_name)
    for c in sch.columns:
        if c.kind == "numeric":
            details = f"[{c.min:g}, {c.max:g}]" + (
                " int" if c.integer else f" {c.decimals} dec" if c.decimals is not None else ""
            )
        elif c.kind in ("categorical", "boolean", "constant"):
            shown = ", ".join(map(str, c.categories[:6])) + (" …" if len(c.categories) > 6 else "")
            details = f"{len(c.categories)} levels: {shown}"
        elif c.kind == "datetime":
            details = (
                f"format {c.datetime_format or 'datetime64'}, tz {c.timezone or 'none'}, per {c.resolution}"
            )
        elif c.kind == "time":
            details = f"format {c.datetime_format}, seconds in [{c.min:g}, {c.max:g}]"
        elif c.kind == "identifier":
            details = f"regenerated as {c.id_template}"
        elif c.kind == "pii":
            details = f"personal data ({c.pii_kind}): regenerated with fakes"
        else:
            details = "word-bigram text model"
        table.add_row(
            c.name, c.kind, c.dtype, f"{c.missing_rate:.1%}", f"{c.n_unique:,}", details, escape(c.why or "")
        )
    console.print(table)
    if json_out is not None:
        sch.to_json(json_out)
        console_err.print(f"Schema written to {json_out}")


@app.command("generators")
def generators_cmd() -> None:
    """List the registered generators, one line each.

    Example: [bold]synthwise generators[/]
    """
    from rich.markup import escape

    from synthwise.generators import list_generators

    rows = [("name", "conditions", "needs", "what it does")]
    for g in list_generators():
        needs = f"synthwise[{g.extra}]" if g.extra else "-"
        what = g.summary if g.available else f"not installed: {g.note}"
        rows.append((g.name, g.conditions or "-", needs, what))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for k, row in enumerate(rows):
        line = "  ".join(v.ljust(w) for v, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
        console.print(escape(line), style="bold" if k == 0 else None, soft_wrap=True, highlight=False)


def _fit(
    data_path: Path,
    generator: str,
    seed: int | None,
    params: list[str] | None,
    schema: Path | None,
    entity: str | None = None,
    sequence_index: str | None = None,
    dp: dict[str, float | None] | None = None,
    text_choice: tuple[str | None, list[str] | None] = (None, None),
) -> Generator:
    from synthwise.generators import create
    from synthwise.io import read_table

    gen = create(generator, seed=seed, **parse_params(params))
    extra = {k: v for k, v in (dp or {}).items() if v is not None}
    if extra and not (gen.capabilities.differential_privacy or "epsilon" in gen._param_names()):
        from synthwise.errors import InvalidParameterError

        raise InvalidParameterError(
            f"--epsilon / --delta apply to differentially private generators; {generator!r} is not one. "
            "Fix: use a DP generator (--generator mst or dp_ar, text_lstm on a corpus), or drop the options."
        )
    gen.set_params(**extra)
    if text_choice[0] is not None or text_choice[1]:
        gen.set_text_model(text_choice[0] or "auto", **parse_params(text_choice[1]))
    df = read_table(data_path)
    private = gen.capabilities.differential_privacy or getattr(gen, "epsilon", None) is not None
    sch = resolve(df, schema, differential_privacy=private, entity=entity, sequence_index=sequence_index)
    if sch is not None and not private:
        for c in sch.of_kind("constant"):
            value = c.categories[0] if c.categories else None
            console_err.print(
                f"[yellow]note:[/] Column {c.name!r}: every value is {value!r} "
                "(constant); it is reproduced as a constant. Drop it if it carries no information."
            )
    under_dp = " under differential privacy" if private else ""
    with status(f"Fitting {generator} on {len(df):,} rows{under_dp}"):
        gen.fit(df, sch)
    for name, model in (getattr(gen, "text_models_", None) or {}).items():
        console_err.print(f"[dim]text column {name!r}: {escape(model.describe())}[/]", soft_wrap=True)
    ledger = getattr(gen, "ledger_", None)
    if private and ledger is not None:
        text = ledger.table() if hasattr(ledger, "table") else str(ledger)
        console.print(text, soft_wrap=True, highlight=False, markup=False)
    elif not private:
        console_err.print(
            f"[dim]{generator}: no formal privacy guarantee (not differentially private); "
            "measure the risk with 'synthwise evaluate --holdout'.[/]"
        )
    return gen


def _input_size(gen: Generator) -> int:
    """The ``n`` that makes ``gen.sample(n)`` as large as its training table: its rows, or its entities
    for sequential data. A DP generator's count is the one it released (mst: a noisy estimate)."""
    from synthwise.generators.sequential.base import SequentialGenerator

    return gen.n_entities_ if isinstance(gen, SequentialGenerator) else int(gen.n_rows_)


@app.command("fit")
def fit_cmd(
    data: DataArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.synthwise).")],
    generator: GeneratorOpt = "cart",
    seed: SeedOpt = 0,
    param: ParamOpt = None,
    schema: SchemaOpt = None,
    entity: EntityOpt = None,
    sequence_index: SequenceIndexOpt = None,
    epsilon: EpsilonOpt = None,
    delta: DeltaOpt = None,
    text_generator: TextGeneratorOpt = None,
    text_param: TextParamOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    sample_rows: Annotated[
        int | None,
        typer.Option(
            "--sample-rows",
            help="In blocks: rows of the seeded sample the schema is inferred from (and that generators "
            "other than gaussian_copula, bayesian_network and mst are fitted on). Default 100,000.",
        ),
    ] = None,
) -> None:
    """Fit a generator and save it as a safe model file (no pickle).

    Example: [bold]synthwise fit data.csv --generator cart -o model.synthwise[/]
    Sequences: [bold]synthwise fit visits.csv -g sequential_ar --entity id --sequence-index day
    -o m.synthwise[/]
    Larger than memory: [bold]synthwise fit big/ -g gaussian_copula -o m.synthwise --workers 8[/] (a Parquet
    file or folder, read in row groups; or [bold]--scheduler tcp://HOST:8786[/]): gaussian_copula,
    bayesian_network and mst learn from every row through merged statistics, other generators from a
    seeded sample, as the model file says.
    """
    from synthwise.cli.scale import fit_blocks, wants_block_fit

    if wants_block_fit(data, scheduler, workers, engine, sample_rows):
        from synthwise.errors import InvalidParameterError

        unsupported = {
            "--entity": entity,
            "--sequence-index": sequence_index,
            "--text-generator": text_generator,
            "--text-param": text_param,
        }
        given = [name for name, value in unsupported.items() if value]
        if given:
            raise InvalidParameterError(
                f"Fitting in blocks takes neither sequences nor a text-model choice (text columns get the "
                f"default text model, fitted on the seeded sample); {', '.join(given)} cannot apply. Fix: "
                "fit a file in memory for those, or drop the options."
            )
        params = parse_params(param) | {
            k: v for k, v in {"epsilon": epsilon, "delta": delta}.items() if v is not None
        }
        gen = fit_blocks(data, generator, seed or 0, params, schema, scheduler, workers, engine, sample_rows)
        gen.save(str(output))
        console.print(f"Fitted {generator} in {gen.fit_seconds_:.1f} s; model written to {output}")
        return
    gen = _fit(
        data,
        generator,
        seed,
        param,
        schema,
        entity,
        sequence_index,
        {"epsilon": epsilon, "delta": delta},
        (text_generator, text_param),
    )
    gen.save(str(output))
    console.print(f"Fitted {generator} in {gen.fit_seconds_:.1f} s; model written to {output}")


@app.command("sample")
def sample_cmd(
    model: Annotated[Path, typer.Argument(help="A model file written by 'synthwise fit'.")],
    n: Annotated[int, typer.Option("-n", "--rows", help="Number of rows to generate.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Output table (.csv / .parquet), or a folder: Parquet blocks + manifest."
        ),
    ],
    seed: SeedOpt = 0,
    blocks: Annotated[
        str | None,
        typer.Option(
            "--blocks", help="Folder output: 'auto' (default) or a number of blocks (one file each)."
        ),
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
    max_time: Annotated[
        float | None,
        typer.Option("--max-time", help="Folder output: stop after this many seconds (rerun to resume)."),
    ] = None,
) -> None:
    """Sample rows from a saved model (sequential models: entities).

    Example: [bold]synthwise sample model.synthwise -n 1000 -o synthetic.csv --seed 1[/]
    At scale: [bold]synthwise sample model.synthwise -n 100000000 -o out/ --blocks auto --workers 8[/]
    (or [bold]--scheduler tcp://HOST:8786[/]): one Parquet file per block, the manifest last; rerun a
    stopped run to resume it. Same seed and blocks, same bytes, whichever engine and workers.
    """
    from synthwise.cli.scale import sample_blocks, wants_blocks
    from synthwise.generators import load_generator
    from synthwise.io import write_table

    if wants_blocks(output, blocks, scheduler, workers, engine, max_time):
        return sample_blocks(model, n, output, seed or 0, blocks, scheduler, workers, engine, max_time)
    gen = load_generator(str(model))
    with status(f"Sampling {n:,} rows"):
        out = gen.sample(n, seed=seed)
    write_table(out, output)
    console.print(f"Wrote {len(out):,} rows to {output}")
    ledger = getattr(gen, "ledger_", None)
    if ledger is not None:  # a DP model: its guarantee was paid at fit; sampling is post-processing
        console.print(
            f"[dim]{gen.name}: ({ledger.spent_epsilon:.4g}, {ledger.delta:.3g})-DP, paid at fit; "
            "sampling spends no privacy budget.[/]"
        )


@app.command("generate")
def generate_cmd(
    data: SourceArg,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Output table (.csv / .parquet); for a database, a URL or a folder."
        ),
    ],
    n: Annotated[
        int | None,
        typer.Option(
            "-n", "--rows", help="Rows to generate (entities for sequential data); default: as many as DATA."
        ),
    ] = None,
    generator: GeneratorOpt = "cart",
    seed: SeedOpt = 0,
    param: ParamOpt = None,
    schema: SchemaOpt = None,
    entity: EntityOpt = None,
    sequence_index: SequenceIndexOpt = None,
    epsilon: EpsilonOpt = None,
    delta: DeltaOpt = None,
    scale: Annotated[
        float | None,
        typer.Option(
            "--scale",
            help="Size relative to DATA (0.1 shrinks, 3 grows); a database keeps its parent-child shape.",
        ),
    ] = None,
    text_generator: TextGeneratorOpt = None,
    text_param: TextParamOpt = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="Database: tables kept as they are, comma-separated (public lookup data such as airports;"
            " their rows are published unchanged, never give tables of people).",
        ),
    ] = None,
) -> None:
    """Fit a generator on DATA and write N synthetic rows (fit + sample in one step; N: DATA's size).

    Example: [bold]synthwise generate data.csv -n 5000 -o synthetic.csv --generator cart --seed 0[/]
    Sequences (N = entities): [bold]synthwise generate visits.csv -g sequential_ar --entity id
    --sequence-index day -n 300 -o synthetic.csv[/]
    Database (one generator per table, -g cart,flights=bayesian_network for a per-table choice; --schema:
    relational metadata): [bold]synthwise generate sqlite:///in.db -o sqlite:///out.db -g cart --scale 0.5[/]
    """
    from synthwise.images.io import is_image_source
    from synthwise.io import write_table
    from synthwise.relational.source import is_database

    if is_image_source(data):  # a folder of images, an .npz: PNGs in class sub-folders + manifest.csv
        from synthwise.cli.images import generate_images

        return generate_images(data, output, n, generator, seed, parse_params(param))
    if scale is not None and not scale > 0:
        from synthwise.errors import InvalidParameterError

        raise InvalidParameterError(f"--scale must be a number > 0. Got {scale!r} instead.")
    if is_database(data):
        from synthwise.cli.database import generate_database

        if n is not None or entity is not None or sequence_index is not None or epsilon is not None:
            from synthwise.errors import InvalidParameterError

            raise InvalidParameterError(
                "-n, --entity, --sequence-index and --epsilon apply to one table, not a database. "
                "Fix: size a database with --scale."
            )
        kept = tuple(t.strip() for t in (reference or "").split(",") if t.strip())
        return generate_database(
            data, output, generator, seed, scale or 1.0, parse_params(param), schema, kept
        )
    if reference is not None:
        from synthwise.errors import InvalidParameterError

        raise InvalidParameterError(
            "--reference keeps tables of a database; DATA is one table. Fix: drop --reference."
        )
    gen = _fit(
        Path(data),
        generator,
        seed,
        param,
        schema,
        entity,
        sequence_index,
        {"epsilon": epsilon, "delta": delta},
        (text_generator, text_param),
    )
    if n is None:
        n = _input_size(gen) if scale is None else max(1, round(scale * _input_size(gen)))
    with status(f"Sampling {n:,} rows"):
        out = gen.sample(n, seed=seed)
    write_table(out, output)
    console.print(f"Fitted {generator} in {gen.fit_seconds_:.1f} s; wrote {len(out):,} rows to {output}")
