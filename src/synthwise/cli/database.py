"""Databases on the command line: what ``schema``, ``generate`` and ``evaluate`` do when they are given a
database URL (``sqlite:///in.db``, ``duckdb:///in.duckdb``, ``postgresql+psycopg://...``) or a folder of
tables instead of one table file. The commands themselves live in ``tabular`` and ``evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from synthwise.cli._app import console, console_err
from synthwise.cli._progress import status

if TYPE_CHECKING:
    from synthwise.relational import RelationalMetadata


def parse_generators(spec: str) -> tuple[str, dict[str, str]]:
    """``"cart"`` / ``"cart,flights=bayesian_network"`` / ``"flights=noise"`` -> (default, per table)."""
    from synthwise.errors import InvalidParameterError

    default, per_table = "cart", {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        table, sep, name = part.partition("=")
        if not sep:
            default = part
        elif table.strip() and name.strip():
            per_table[table.strip()] = name.strip()
        else:
            raise InvalidParameterError(
                f"--generator {spec!r}: {part!r} is not TABLE=GENERATOR. "
                "Fix: write e.g. -g cart,flights=cart."
            )
    return default, per_table


def show_schema(source: str, json_out: Path | None, metadata: Path | None) -> None:
    """Print the tables, keys and foreign keys of a database; check that it can be generated."""
    from synthwise.relational import read_database

    with status(f"Reading {source}"):
        db = read_database(source, metadata)
    meta = db.metadata
    table = Table(title=f"{source}: {len(meta.tables)} tables, {len(meta.foreign_keys)} foreign keys")
    for name in ("table", "rows", "primary key", "columns", "references"):
        table.add_column(name)
    for t in meta.tables:
        refs = "; ".join(
            f"({', '.join(fk.columns)}) -> {fk.parent}({', '.join(fk.parent_columns)})"
            for fk in meta.parents(t.name)
        )
        types = ", ".join(sorted({c.type for c in t.columns}))
        cols = f"{len(t.columns)} ({types})"
        pk = ", ".join(t.primary_key) or "-"
        table.add_row(t.name, f"{len(db.tables[t.name]):,}", pk, escape(cols), escape(refs or "-"))
    console.print(table)
    if json_out is not None:
        meta.to_json(json_out)
        console_err.print(f"Metadata written to {json_out}")
    _check_order(meta)


def _check_order(meta: RelationalMetadata) -> None:
    meta.order()  # a cycle or a self-reference: one error line, exit 2


def generate_database(
    source: str,
    output: str,
    generator: str,
    seed: int | None,
    scale: float,
    params: dict[str, object],
    metadata: Path | None,
    reference: tuple[str, ...] = (),
) -> None:
    """Fit one generator per table and write a synthetic database with the same schema; ``reference``
    tables are copied as they are."""
    from synthwise.relational import RelationalSynthesizer, read_database, write_database

    default, per_table = parse_generators(generator)
    with status(f"Reading {source}"):
        db = read_database(source, metadata)
    synth = RelationalSynthesizer(
        generator=default, generators=per_table, params=params, reference=reference, seed=seed
    )
    rows = sum(db.n_rows.values())
    with status(f"Fitting {len(db.tables)} tables ({rows:,} rows)"):
        synth.fit(db)
    with status(f"Sampling at scale {scale:g}"):
        out = synth.sample(scale=scale, seed=seed)
    with status(f"Writing {output}"):
        write_database(out, output)
    sizes = ", ".join(
        f"{n} {len(df):,}" + (" (kept as it is)" if n in reference else "") for n, df in out.tables.items()
    )
    console.print(f"Fitted {len(db.tables)} tables in {synth.fit_seconds_:.1f} s; wrote {output}: {sizes}")


def evaluate_databases(
    real: str, synthetic: str, holdout: str | None, seed: int, max_rows: int, json_out: Path | None
) -> None:
    """Score a synthetic database against the real one: integrity, children per parent, trends, joins."""
    from synthwise.relational import read_database
    from synthwise.relational.evaluate import evaluate_database

    with status("Reading the databases"):
        real_db = read_database(real)
        syn_db = read_database(synthetic, real_db.metadata)
        hold_db = read_database(holdout, real_db.metadata) if holdout is not None else None
    with status("Evaluating"):
        ev = evaluate_database(real_db, syn_db, holdout=hold_db, seed=seed, max_rows=max_rows)
    table = Table(title=f"{synthetic} vs {real}")
    for name in ("scope", "metric", "value", "ideal"):
        table.add_column(name)
    for row in ev.to_frame().itertuples(index=False):
        table.add_row(escape(str(row.scope)), str(row.metric), f"{row.value:.3f}", f"{row.ideal:g}")
    console.print(table)
    if json_out is not None:
        ev.to_json(json_out)
        console_err.print(f"Scores written to {json_out}")
