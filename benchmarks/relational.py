"""Relational benchmark (issue 19): nycflights13 as a database, synthwise against SDV's HMASynthesizer.

The database (``synthwise.relational.nycflights13``: airlines, airports, planes, weather, flights with
their keys declared; dangling references dropped or set to NULL as its docstring says) is split by whole
weather hours (``split_database``: a held-out hour takes all its flights), each synthesizer is fitted
on the train side and samples a database of the same scale, and our evaluator scores it:

* fit + sample seconds and the peak memory of the process that ran it;
* referential integrity (the lowest share over the foreign keys);
* children-per-parent distance (KS statistic; 0 ideal) for flights per plane, per origin and per
  destination airport and per day;
* detection AUC per table and on the joined (denormalized) flights; DCR share on the joined flights
  against the held-out hours. The joined view's detection keeps each weather hour's flights in one fold
  (see :mod:`synthwise.relational.evaluate`): with row folds, held-out real hours scored 0.997.

``--reference airlines,airports,planes`` also runs each variant with those tables kept as they are
(public lookup data, ``RelationalSynthesizer(reference=...)``): synthesized airports put the three New
York origins at made-up coordinates, which a joined-view detector sees at once.

Controls, scored the same way: the real held-out hours as they are, and with the airports' coordinates
moved by about 11 m (``controls``). The second shows what the joined view measures when a parent has
thousands of children: its exact values, which no generator that does not copy the busiest real parents
can match.

HMA runs in its own venv (``benchmarks/.venvs/sdv``, or ``--sdv-python``) in a subprocess, reading CSV
(that venv has no Parquet engine). It takes
single-column keys only, so it gets the tables without ``weather`` (whose key and the flights' link to
it are composite); that is reported. Without the venv HMA is reported as skipped.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/relational.py                 # the full flights table
    ... --days 30                                                                # a seeded subset of days
    ... --report                                                                 # print the saved table
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise.relational import Database, RelationalSynthesizer, nycflights13, read_database
from synthwise.relational.evaluate import evaluate_database, split_database
from synthwise.relational.metadata import RelationalMetadata

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results" / "relational.json"
SDV_PYTHON = ROOT / ".venvs" / "sdv" / "bin" / "python"
if not SDV_PYTHON.exists():  # a worktree: the venv lives in the main checkout
    SDV_PYTHON = Path("/work/main/benchmarks/.venvs/sdv/bin/python")

HMA_SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from sdv.metadata import Metadata
from sdv.multi_table import HMASynthesizer

folder = Path(sys.argv[1]); spec = json.loads((folder / "spec.json").read_text())
tables = {t: pd.read_csv(folder / f"{t}.csv", parse_dates=spec["dates"].get(t, [])) for t in spec["tables"]}
meta = Metadata.detect_from_dataframes(tables)
for t, pk in spec["primary_keys"].items():
    meta.update_column(column_name=pk, table_name=t, sdtype="id")
    meta.set_primary_key(column_name=pk, table_name=t)
for rel in list(meta.relationships):
    meta.remove_relationship(
        parent_table_name=rel["parent_table_name"], child_table_name=rel["child_table_name"]
    )
for fk in spec["foreign_keys"]:
    meta.update_column(column_name=fk["column"], table_name=fk["child"], sdtype="id")
    meta.add_relationship(parent_table_name=fk["parent"], child_table_name=fk["child"],
                          parent_primary_key=fk["parent_column"], child_foreign_key=fk["column"])
started = time.perf_counter()
synth = HMASynthesizer(meta)
synth.fit(tables)
fit_s = time.perf_counter() - started
out = synth.sample(int(spec["main_rows"]), main_table_name=spec["main_table"])
total_s = time.perf_counter() - started
for t, df in out.items():
    df.to_csv(folder / f"out_{t}.csv", index=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
(folder / "hma.json").write_text(json.dumps({"fit_s": fit_s, "seconds": total_s, "peak_mb": peak}))
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_synthwise(
    train: Database, generator: str, seed: int, reference: tuple[str, ...] = ()
) -> tuple[Database, dict[str, float]]:
    default, _, rest = generator.partition(",")
    per_table = dict(p.split("=") for p in rest.split(",") if p)
    started = time.perf_counter()
    synth = RelationalSynthesizer(
        generator=default, generators=per_table, reference=reference, seed=seed
    ).fit(train)
    fit_s = time.perf_counter() - started
    syn = synth.sample(seed=seed)
    return syn, {"fit_s": fit_s, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def without_weather(db: Database) -> Database:
    """The tables HMA can take: weather and the composite link to it left out."""
    meta = db.metadata
    tables = tuple(t for t in meta.tables if t.name != "weather")
    fks = tuple(fk for fk in meta.foreign_keys if "weather" not in (fk.parent, fk.child))
    sub = RelationalMetadata(tables, fks)
    return Database({t.name: db.tables[t.name] for t in tables}, sub)


def run_hma(train: Database, python: Path, timeout: int) -> tuple[Database | None, dict[str, Any]]:
    if not python.exists():
        return None, {"status": f"skipped: no SDV venv at {python}"}
    sub = without_weather(train)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, df in sub.tables.items():
            df.to_csv(folder / f"{name}.csv", index=False)
        spec = {
            "main_table": "flights",
            "main_rows": len(sub.tables["flights"]),
            "dates": {
                t.name: [c.name for c in t.columns if c.type in ("datetime", "date")]
                for t in sub.metadata.tables
            },
            "tables": sub.metadata.names,
            "primary_keys": {t.name: t.primary_key[0] for t in sub.metadata.tables if t.primary_key},
            "foreign_keys": [
                {
                    "child": fk.child,
                    "column": fk.columns[0],
                    "parent": fk.parent,
                    "parent_column": fk.parent_columns[0],
                }
                for fk in sub.metadata.foreign_keys
            ],
        }
        (folder / "spec.json").write_text(json.dumps(spec))
        (folder / "hma.py").write_text(HMA_SCRIPT)
        try:
            proc = subprocess.run(
                [str(python), str(folder / "hma.py"), str(folder)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None, {"status": f"timed out after {timeout} s"}
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return None, {"status": f"failed: {last}"}
        info = json.loads((folder / "hma.json").read_text())
        frames = {t: pd.read_csv(folder / f"out_{t}.csv") for t in sub.metadata.names}
    from synthwise.relational.database import conform

    syn = Database({t.name: conform(frames[t.name], t) for t in sub.metadata.tables}, sub.metadata)
    return syn, {"status": "ok (without weather: composite keys)", **info}


def per_day_ks(real: Database, syn: Database) -> float:
    from scipy.stats import ks_2samp

    def counts(db: Database) -> pd.Series:
        return db.tables["flights"].groupby(["year", "month", "day"]).size()

    return float(ks_2samp(counts(real), counts(syn)).statistic)


def score(
    train: Database, hold: Database, syn: Database, seed: int, max_rows: int, reference: tuple[str, ...] = ()
) -> dict[str, Any]:
    names = set(syn.metadata.names)
    real = train if names == set(train.metadata.names) else without_weather(train)
    held = hold if names == set(hold.metadata.names) else without_weather(hold)
    ev = evaluate_database(real, syn, holdout=held, seed=seed, max_rows=max_rows)
    by = {fk: d["ks"] for fk, d in ev.children.items()}
    return {
        "rows": {n: len(df) for n, df in syn.tables.items()},
        "integrity": min(ev.integrity.values()),
        "ks_per_plane": by.get("flights(tailnum) -> planes(tailnum)"),
        "ks_per_origin": by.get("flights(origin) -> airports(faa)"),
        "ks_per_dest": by.get("flights(dest) -> airports(faa)"),
        "ks_per_day": per_day_ks(real, syn),
        "joined_detection_auc": ev.joined["flights"]["detection_auc"],
        "joined_dcr_share": ev.joined["flights"].get("dcr_share"),
        "table_detection_auc": {
            t: e["detection_auc"].value
            for t, e in ev.tables.items()
            if e.get("detection_auc") and t not in reference  # a reference table is the real one
        },
        "reference_tables": list(reference),
        "trends": ev.trends,
    }


def moved(db: Database, table: str, columns: tuple[str, ...], sd: float, seed: int) -> Database:
    """``db`` with ``table``'s ``columns`` moved by Gaussian noise of ``sd`` (every other value real)."""
    rng = np.random.default_rng(seed)
    tables = {n: df.copy() for n, df in db.tables.items()}
    for c in columns:
        v = tables[table][c].astype(float)
        tables[table][c] = v + rng.normal(0.0, sd, len(v))
    return Database(tables, db.metadata)


def controls(train: Database, hold: Database, seed: int, max_rows: int) -> dict[str, float]:
    """Joined-view detection AUC of real data the synthesizers never saw, as is and with the airports'
    coordinates moved by about 11 m (0.0001 degrees; everything else real). A flight's joined row holds
    its airports' exact values, shared by thousands of flights: unless the busiest generated parents
    repeat real parents' values exactly, the joined view is told apart whatever the children look like."""
    cases = {
        "real holdout": hold,
        "real holdout, airport coordinates moved 0.0001 degrees": moved(
            hold, "airports", ("lat", "lon"), 1e-4, seed
        ),
    }
    return {
        name: float(
            evaluate_database(train, db, seed=seed, max_rows=max_rows, tables=False).joined["flights"][
                "detection_auc"
            ]
        )
        for name, db in cases.items()
    }


def report(results: dict[str, Any]) -> None:
    print(f"nycflights13, {results['setup']}")
    cols = (
        "seconds",
        "peak_mb",
        "integrity",
        "ks_per_plane",
        "ks_per_origin",
        "ks_per_dest",
        "ks_per_day",
        "joined_detection_auc",
        "joined_dcr_share",
    )
    print("synthesizer".ljust(28) + "".join(c[:12].rjust(13) for c in cols))
    for name, r in results["runs"].items():
        if "integrity" not in r:
            print(name.ljust(28) + "  " + r.get("status", "?"))
            continue
        cells = [r.get(c) for c in cols]
        print(
            name.ljust(28) + "".join((f"{v:13.3f}" if isinstance(v, float) else f"{v!s:>13}") for v in cells)
        )
        print(
            " " * 28
            + "per-table detection AUC: "
            + ", ".join(f"{t} {v:.3f}" for t, v in r["table_detection_auc"].items())
            + f"  [{r.get('status', 'ok')}]"
        )
    for name, auc in results.get("controls", {}).items():
        print(f"control, joined detection AUC: {name}: {auc:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--days", type=int, default=None, help="A seeded subset of whole days (default: all)."
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "-g", "--generator", action="append", help="synthwise variants, e.g. cart or cart,airports=bootstrap"
    )
    parser.add_argument(
        "--reference",
        default="",
        help="Comma-separated tables kept as they are (public lookup data); each variant also runs so.",
    )
    parser.add_argument("--sdv-python", type=Path, default=SDV_PYTHON)
    parser.add_argument("--hma-timeout", type=int, default=3600)
    parser.add_argument("--max-rows", type=int, default=10_000)
    parser.add_argument("--source", help="Read the database from this URL instead of building it.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="Print the saved results and exit.")
    parser.add_argument(
        "--controls-only",
        action="store_true",
        help="Score only the controls (real held-out data, as is and with airports moved) into --out.",
    )
    args = parser.parse_args()
    if args.report:
        report(json.loads(args.out.read_text()))
        return
    db = read_database(args.source) if args.source else nycflights13(n_days=args.days, seed=args.seed)
    train, hold = split_database(db, holdout=0.2, seed=args.seed)
    if args.controls_only:
        saved = json.loads(args.out.read_text()) if args.out.exists() else {"runs": {}}
        saved["controls"] = controls(train, hold, args.seed, args.max_rows)
        _save(saved, args.out)
        report(saved)
        return
    setup = (
        f"{'all days' if args.days is None else f'{args.days} days'}: "
        + ", ".join(f"{n} {len(df):,}" for n, df in train.tables.items())
        + " (train rows; holdout: 20 % of weather hours with their flights)"
    )
    results: dict[str, Any] = {"setup": setup, "runs": {}}
    kept = tuple(t for t in args.reference.split(",") if t)
    for variant in args.generator or ["cart"]:
        for reference in ((), kept) if kept else ((),):
            syn, info = run_synthwise(train, variant, args.seed, reference)
            name = f"synthwise {variant}" + (f" (kept: {'+'.join(reference)})" if reference else "")
            results["runs"][name] = {
                **info,
                **score(train, hold, syn, args.seed, args.max_rows, reference),
            }
            _save(results, args.out)
    syn, info = run_hma(train, args.sdv_python, args.hma_timeout)
    results["runs"]["SDV HMASynthesizer"] = (
        info if syn is None else {**info, **score(train, hold, syn, args.seed, args.max_rows)}
    )
    results["controls"] = controls(train, hold, args.seed, args.max_rows)
    _save(results, args.out)
    report(results)


def _save(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
