"""Commands that judge synthetic data: evaluate (scores, report, gate) and audit (row filter)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from synthwise.cli._app import app, console, console_err
from synthwise.cli.tabular import EngineOpt, SchedulerOpt, SchemaOpt, WorkersOpt

if TYPE_CHECKING:
    import pandas as pd

    from synthwise.evaluation import Evaluation, MetricResult
    from synthwise.guard import Gate
    from synthwise.schema import Schema

# str, not Path: a Path would fold the slashes of a database URL (sqlite:///real.db)
RealOpt = Annotated[
    str,
    typer.Option("--real", help="The real table (or database URL / folder) the generator was trained on."),
]
SynOpt = Annotated[str, typer.Option("--synthetic", help="The synthetic table (or database) to judge.")]
HoldoutOpt = Annotated[
    str | None,
    typer.Option(
        "--holdout", help="Real rows the generator never saw: enables privacy, utility and references."
    ),
]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Column to predict for the utility metrics.")]
SensitiveOpt = Annotated[
    str | None, typer.Option("--sensitive", help="Column whose groups the bias metrics compare.")
]
QiOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--qi",
        help="Quasi-identifiers: columns an attacker could know (age, sex, zip), comma-separated or "
        "repeated; enables k-anonymity, l-diversity, unique combinations and attribute inference.",
    ),
]
SecretOpt = Annotated[
    str | None,
    typer.Option("--secret", help="The column attribute inference tries to guess (default: --target)."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of every sample, split and bootstrap.")]
MaxRowsOpt = Annotated[
    int, typer.Option("--max-rows", help="Rows per table for the nearest-neighbour metrics.")
]
ExactOpt = Annotated[
    bool, typer.Option("--exact", help="Use every row in the nearest-neighbour metrics (slower).")
]
BootstrapOpt = Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for CIs (0: none).")]
BaselinesOpt = Annotated[
    bool, typer.Option("--baselines/--no-baselines", help="Score the trivial baselines (saturation marks).")
]

# issue 7: sequential tables (the sequence metrics run when the schema has an entity / sequence index)
EntityOpt = Annotated[
    str | None, typer.Option("--entity", help="Sequential data: the column keying the entities.")
]
SequenceIndexOpt = Annotated[
    str | None,
    typer.Option("--sequence-index", help="Sequential data: the column ordering each entity's steps."),
]

_GROUP_ORDER = ("fidelity", "diversity", "memorization", "utility", "privacy", "bias", "validity")


def _schema(
    real: pd.DataFrame, schema: Path | None, entity: str | None = None, sequence_index: str | None = None
) -> Schema | None:
    """--schema / --entity / --sequence-index applied to the real table (None: evaluate infers it)."""
    if schema is None and entity is None and sequence_index is None:
        return None
    from synthwise.schema import resolve

    return resolve(real, schema, entity=entity, sequence_index=sequence_index)


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def _row(m: MetricResult) -> list[str]:
    ideal = f"{m.ideal:g}" if m.direction != "target" else f"≈{m.ideal:g}"
    ci = f"{_fmt(m.ci[0])}–{_fmt(m.ci[1])}" if m.ci else "-"
    note = "[yellow]saturated[/]" if m.saturated else ""
    return [m.name, _fmt(m.value), ideal, _fmt(m.reference), ci, note]


def score_table(ev: Evaluation, title: str = "synthwise evaluation") -> Table:
    """The compact table: a section per group; value, ideal, holdout reference, 95% CI, saturation."""
    table = Table(title=title, caption="ref: the holdout scored against the train (a perfect generator)")
    table.add_column("metric", no_wrap=True)
    for name in ("value", "ideal", "ref", "95% CI"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("note", no_wrap=True)
    first = True
    for group in _GROUP_ORDER:
        rows = [m for m in ev.metrics if m.group == group]
        if not rows:
            continue
        if not first:
            table.add_section()
        first = False
        table.add_row(f"[bold]{group}[/]", "", "", "", "", "")
        for m in rows:
            table.add_row(*_row(m))
    return table


def _gate(fail_under: list[str] | None, gate_file: Path | None) -> Gate | None:
    from synthwise.guard import Gate

    gates = []
    if fail_under:
        gates.append(Gate.from_string(",".join(fail_under)))
    if gate_file is not None:
        gates.append(Gate.from_file(gate_file))
    if not gates:
        return None
    out = gates[0]
    for g in gates[1:]:
        out = out + g
    return out


@app.command("evaluate")
def evaluate_cmd(
    real: RealOpt,
    synthetic: SynOpt,
    holdout: HoldoutOpt = None,
    target: TargetOpt = None,
    sensitive: SensitiveOpt = None,
    qi: QiOpt = None,
    secret: SecretOpt = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every result and the manifest as JSON.")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the self-contained HTML report.")
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            help="Thresholds NAME=VALUE (at least as good as) or NAME>=VALUE, "
            "comma-separated or repeated; exit 1 when one fails.",
        ),
    ] = None,
    gate: Annotated[Path | None, typer.Option("--gate", help="A YAML / TOML file of thresholds.")] = None,
    seed: SeedOpt = 0,
    max_rows: MaxRowsOpt = 10_000,
    exact: ExactOpt = False,
    bootstrap: BootstrapOpt = 200,
    baselines: BaselinesOpt = True,
    schema: SchemaOpt = None,
    entity: EntityOpt = None,
    sequence_index: SequenceIndexOpt = None,
    representation: Annotated[
        str | None,
        typer.Option(
            "--representation",
            help="The space of the distance metrics. Tables: fixed (default) or one_class (the 3D score "
            "paper's learned space; needs torch). Images: effnet (default), encoder or pixels.",
        ),
    ] = None,
    sample_rows: Annotated[
        int | None,
        typer.Option(
            "--sample-rows",
            help="Parquet tables of any size: every metric on seeded samples of N rows per table, the "
            "marginals and pairs exact over every row (read in blocks).",
        ),
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = None,
) -> None:
    """Score synthetic data: fidelity, diversity, memorization, utility, privacy (and bias, validity).

    Sequences: [bold]... --entity id --sequence-index day[/] adds the sequence metrics (seq_*).

    Example: [bold]synthwise evaluate --real train.csv --synthetic syn.csv --holdout holdout.csv --target y[/]

    With a report and a gate: [bold]... --json scores.json --html report.html --fail-under dcr_share=0.6[/]

    Re-identification risk: [bold]... --qi age,sex,zip --secret diagnosis --fail-under k_anonymity=5[/]
    """
    from synthwise.evaluation import evaluate, load_input
    from synthwise.images.io import is_image_source
    from synthwise.relational.source import is_database

    if is_image_source(real):  # image folders / .npz: the image evaluation, same report and gate
        from synthwise.cli.images import evaluate_images_cli

        return evaluate_images_cli(
            real,
            synthetic,
            holdout,
            representation=representation or "effnet",
            seed=seed,
            max_rows=None if exact else max_rows,
            bootstrap=bootstrap,
            json_out=json_out,
            html_out=html_out,
            quality_gate=_gate(fail_under, gate),
        )
    if is_database(real):
        from synthwise.cli.database import evaluate_databases

        return evaluate_databases(real, synthetic, holdout, seed, max_rows, json_out)
    real_path, synthetic_path = Path(real), Path(synthetic)
    hold_path = Path(holdout) if holdout is not None else None
    quality_gate = _gate(fail_under, gate)  # parse first: a typo fails before a long evaluation
    options: dict[str, Any] = {
        "target": target,
        "sensitive": sensitive,
        "seed": seed,
        "max_rows": max_rows,
        "exact": exact,
        "n_bootstrap": bootstrap,
        "baselines": baselines,
        "quasi_identifiers": _names(qi),
        "secret": secret,
        "embedding": representation,
    }
    if any(o is not None for o in (sample_rows, scheduler, workers, engine)):
        from synthwise.cli.scale import evaluate_blocks
        from synthwise.errors import InvalidParameterError

        if entity is not None or sequence_index is not None:
            raise InvalidParameterError(
                "--entity and --sequence-index cannot apply to an evaluation in blocks (the samples "
                "would cut sequences). Fix: drop --sample-rows/--scheduler/--workers/--engine."
            )
        ev = evaluate_blocks(
            real_path,
            synthetic_path,
            hold_path,
            sample_rows=sample_rows,
            scheduler=scheduler,
            workers=workers,
            engine=engine,
            schema_path=schema,
            **options,
        )
        return _show(ev, synthetic_path, real_path, representation, json_out, html_out, quality_gate)
    with console_err.status("Evaluating", spinner="dots") as status:
        real_in = load_input(real_path, "real")  # read once: schema, evaluation and manifest hash
        ev = evaluate(
            real_in,
            synthetic_path,
            hold_path,
            schema=_schema(real_in.frame, schema, entity, sequence_index),
            progress=lambda msg: status.update(msg),
            **options,
        )
    _show(ev, synthetic_path, real_path, representation, json_out, html_out, quality_gate)


def _show(
    ev: Evaluation,
    synthetic_path: Path,
    real_path: Path,
    representation: str | None,
    json_out: Path | None,
    html_out: Path | None,
    quality_gate: Gate | None,
) -> None:
    """Print the scores, write the JSON and the report, apply the gate (exit 1 when it fails)."""
    space = "" if representation in (None, "fixed") else f" ({representation} representation)"
    console.print(score_table(ev, title=f"{synthetic_path.name} vs {real_path.name}{space}"))
    skipped = ev.manifest.get("skipped", {})
    if skipped:
        console.print("[dim]Not computed: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + "[/]")
    scale = ev.manifest.get("scale")
    if scale:
        rows, sampled = scale["rows"], scale["sample_rows"]
        from_samples = scale.get("pairs_from_samples", [])
        console.print(
            "[dim]Marginals and pairs exact over every row ("
            + ", ".join(f"{n:,} {name}" for name, n in rows.items())
            + "); every other metric on seeded samples ("
            + ", ".join(f"{n:,} {name}" for name, n in sampled.items())
            + " rows)"
            + (
                f"; the Spearman of {len(from_samples)} numeric pairs too (columns of too many distinct "
                "values to rank every row)"
                if from_samples
                else ""
            )
            + ".[/]"
        )
    if any(m.saturated for m in ev.metrics):
        console.print(
            "[dim]saturated: a trivial baseline (independent columns or a perturbed copy of the "
            "train) scores as well on this metric.[/]"
        )
    if json_out is not None:
        ev.to_json(json_out)
        console_err.print(f"Scores written to {json_out}")
    if html_out is not None:
        _write_html(ev, html_out)
    if quality_gate is not None:
        result = quality_gate.check(ev)
        console.print(
            ("[green]" if result.passed else "[bold red]") + result.summary() + "[/]", highlight=False
        )
        if not result.passed:
            raise SystemExit(1)  # the only place a failed gate becomes an exit code


def _names(values: list[str] | None) -> list[str]:
    return [v.strip() for text in values or [] for v in text.split(",") if v.strip()]


def _write_html(ev: Evaluation, path: Path) -> None:
    from synthwise.report import write_html

    write_html(ev, path)
    console_err.print(f"Report written to {path}")


@app.command("audit")
def audit_cmd(
    real: RealOpt,
    synthetic: SynOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the kept synthetic rows.")],
    holdout: HoldoutOpt = None,
    target: TargetOpt = None,
    sensitive: SensitiveOpt = None,
    require: Annotated[
        str,
        typer.Option("--require", help="Flags a row must have: typical, authentic, valid (comma-separated)."),
    ] = "typical,authentic",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the counts and score changes as JSON.")
    ] = None,
    seed: SeedOpt = 0,
    max_rows: MaxRowsOpt = 10_000,
    exact: ExactOpt = False,
    bootstrap: BootstrapOpt = 200,
    baselines: BaselinesOpt = True,
    representation: Annotated[
        str,
        typer.Option("--representation", help="Images only: effnet (default), encoder or pixels."),
    ] = "effnet",
) -> None:
    """Drop synthetic rows that are not typical (outliers) or not authentic (memorized); report the change.

    Example: [bold]synthwise audit --real train.csv --synthetic syn.csv --holdout holdout.csv -o clean.csv[/]
    """
    from synthwise.guard import audit
    from synthwise.images.io import is_image_source
    from synthwise.io import write_table

    flags = tuple(f.strip() for f in require.split(",") if f.strip())
    if is_image_source(real):
        from synthwise.cli.images import audit_images_cli

        return audit_images_cli(
            real,
            synthetic,
            output,
            holdout,
            require=flags,
            seed=seed,
            representation=representation,
            max_rows=None if exact else max_rows,
            bootstrap=bootstrap,
            json_out=json_out,
        )
    with console_err.status("Auditing", spinner="dots"):
        result = audit(
            real,
            synthetic,
            holdout,
            target=target,
            sensitive=sensitive,
            seed=seed,
            require=flags,
            max_rows=max_rows,
            exact=exact,
            n_bootstrap=bootstrap,
            baselines=baselines,
        )
    write_table(result.kept, output)
    console.print(result.summary())
    changes = result.changes()
    table = Table(title="How the scores move")
    for name in ("metric", "before", "after", "change"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for row in changes.itertuples(index=False):
        better = row.closer_to_ideal
        mark = (
            ""
            if better is None or row.change is None or abs(row.change) < 5e-4
            else ("[green]" if better else "[red]")
        )
        table.add_row(
            str(row.metric),
            _fmt(row.before),
            _fmt(row.after),
            f"{mark}{_fmt(row.change)}{'[/]' if mark else ''}",
        )
    console.print(table)
    console.print(f"Kept rows written to {output}")
    if json_out is not None:
        from synthwise.io import write_text

        payload = {
            "input_rows": result.n_input,
            "kept_rows": result.n_kept,
            "dropped_by": result.dropped_by,
            "require": list(result.require),
            "changes": json.loads(changes.to_json(orient="records")),
        }
        write_text(json.dumps(payload, indent=2) + "\n", json_out)
