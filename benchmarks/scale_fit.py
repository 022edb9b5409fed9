"""Fitting at scale (issue 18): gaussian_copula, mst or bayesian_network on a 20M-row Parquet table, in
blocks and in memory.

The table: ``gaussian_copula`` fitted on ggplot2 ``diamonds`` (53,940 x 10) samples ``--rows`` rows into
a folder of Parquet blocks (``synthwise.scale.sample_to_folder``, 500k-row blocks): a large table with
the real one's columns, kinds and dependence. Then, each in its own Python process (so peak RSS is its
own; a pool's or cluster's workers are its children):

* ``blocks-serial``: :func:`synthwise.scale.fit_table` on the folder, every pass in this process;
* ``blocks-dask-2``: the same on a Dask ``LocalCluster`` of 2 single-threaded workers on 127.0.0.1
  (started before the clock);
* ``memory``: ``pd.read_parquet`` of the whole folder and an ordinary ``fit`` (the reference).

Each run saves its model; the script compares the models (a 2,000-row sample; the copula's correlation
matrix and knots, mst's privacy ledger) and prints seconds, CPU seconds, peak RSS of the run and of its
workers. ``--generator mst`` fits under DP (epsilon 1) with no schema: its domains are released too.
``--generator bayesian_network`` learns its states, structure and couplings from a seeded sample of
1,000,000 rows (the same rows in blocks and in memory) and counts every row into its tables.
Target (issue 18): peak memory below 4 GiB in blocks, the model equal to the in-memory one.
The schema is inferred from the in-memory table and passed to every run (the block fit otherwise infers
it from a seeded sample; the model is then the same wherever the sample's kinds agree).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/scale_fit.py            # 20M rows
    ... --rows 2000000 --runs blocks-serial,memory                                   # a smaller check

Writes ``benchmarks/results/scale_fit.json`` (one entry per generator).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale_fit.json"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return round(r.ru_utime + r.ru_stime, 1)


def make_table(folder: Path, rows: int, seed: int) -> dict[str, Any]:
    import synthwise as sw
    from synthwise.generators import create
    from synthwise.scale import ProcessExecutor, sample_to_folder

    model = folder / "source.synthwise"
    create("gaussian_copula", seed=seed).fit(sw.datasets.load_frame("diamonds")).save(str(model))
    started = time.perf_counter()
    result = sample_to_folder(
        model, rows, folder / "table", seed=seed, blocks="auto", executor=ProcessExecutor(2)
    )
    size = sum(p.stat().st_size for p in (folder / "table").glob("*.parquet"))
    return {
        "rows": result.rows,
        "files": result.n_blocks,
        "mb": round(size / 1e6, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def child(run: str, folder: str, schema: str, out: str, seed: int, generator: str) -> dict[str, Any]:
    import pandas as pd

    from synthwise.generators import create
    from synthwise.scale import DaskExecutor, SerialExecutor
    from synthwise.scale.fitting import fit_table
    from synthwise.schema import Schema

    private = generator == "mst"  # a DP fit takes no schema inferred from the data: its domains are released
    sch = None if private else Schema.from_file(schema)
    startup = 0.0
    if run == "memory":
        started = time.perf_counter()
        data = pd.read_parquet(sorted(Path(folder, "table").glob("*.parquet")))
        read_s = time.perf_counter() - started
        gen = create(generator, seed=seed).fit(data, sch)
        extra = {"read_s": round(read_s, 1)}
    else:
        executor: Any = DaskExecutor(workers=2) if run == "blocks-dask-2" else SerialExecutor()
        begin = time.perf_counter()
        with executor:
            startup = time.perf_counter() - begin
            started = time.perf_counter()
            gen = fit_table(Path(folder, "table"), generator, seed=seed, schema=sch, executor=executor)
        extra = {"fitted_on": gen.fitted_on_}
    seconds = time.perf_counter() - started
    gen.save(out)
    return {
        "run": run,
        "seconds": round(seconds, 1),
        "startup_s": round(startup, 1),
        "cpu_s": _cpu(resource.RUSAGE_SELF),
        "cpu_s_workers": _cpu(resource.RUSAGE_CHILDREN),
        "peak_rss_mb": _mb(resource.RUSAGE_SELF),
        "peak_rss_workers_mb": _mb(resource.RUSAGE_CHILDREN),
        **extra,
    }


def compare(a: str, b: str) -> dict[str, Any]:
    """The two models' samples (2,000 rows, one seed) and, per generator, what they learned: the copula's
    correlation and knots, mst's privacy ledger, the network's parents and conditional tables."""
    import numpy as np

    from synthwise.generators import load_generator

    x, y = load_generator(a), load_generator(b)
    out: dict[str, Any] = {"same_sample": bool(x.sample(2000, seed=1).equals(y.sample(2000, seed=1)))}
    if hasattr(x, "corr_"):
        out["corr_max_diff"] = float(np.max(np.abs(x.corr_ - y.corr_)))  # type: ignore[attr-defined]
        knots = 0.0
        for d, e in zip(x.dims_, y.dims_, strict=True):  # type: ignore[attr-defined]
            knots = max(knots, float(np.max(np.abs(d.p - e.p))), float(np.max(np.abs(d.v - e.v))))
        out["knots_max_diff"] = knots
    if hasattr(x, "cpts_"):
        out["same_parents"] = x.parents_ == y.parents_  # type: ignore[attr-defined]
        out["cpt_max_diff"] = max(
            float(np.max(np.abs(c - d)))
            for c, d in zip(x.cpts_, y.cpts_, strict=True)  # type: ignore[attr-defined]
        )
    if hasattr(x, "ledger_"):
        out["same_ledger"] = x.ledger_.to_dict() == y.ledger_.to_dict()  # type: ignore[attr-defined]
    out["equal"] = (
        out["same_sample"]
        and out.get("corr_max_diff", 0.0) == 0.0
        and out.get("knots_max_diff", 0.0) == 0.0
        and out.get("same_ledger", True)
        and out.get("same_parents", True)
        and out.get("cpt_max_diff", 0.0) == 0.0
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--runs", default="blocks-serial,blocks-dask-2,memory")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default=None)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument(
        "--generator", default="gaussian_copula", choices=["gaussian_copula", "mst", "bayesian_network"]
    )
    ap.add_argument("--child", nargs=6, metavar=("RUN", "FOLDER", "SCHEMA", "OUT", "SEED", "GENERATOR"))
    args = ap.parse_args()
    if args.child:
        run, folder, schema, out, seed, generator = args.child
        print(json.dumps(child(run, folder, schema, out, int(seed), generator)))
        return
    import pandas as pd

    from synthwise.schema import infer_schema

    work = Path(args.work or tempfile.mkdtemp(prefix="synthwise-scalefit-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"writing {args.rows:,} rows under {work}", flush=True)
    table = make_table(work, args.rows, args.seed)
    print(f"table: {table}", flush=True)
    first = sorted((work / "table").glob("*.parquet"))[0]
    (work / "schema.json").write_text(json.dumps(infer_schema(pd.read_parquet(first)).to_dict()))
    results: dict[str, Any] = {
        "meta": {
            "generator": args.generator,
            "rows": args.rows,
            "table": table,
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "note": "2 shared cores; OMP_NUM_THREADS=1; each run its own process",
        },
        "runs": {},
    }
    for run in args.runs.split(","):
        out = work / f"{run}.synthwise"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            run,
            str(work),
            str(work / "schema.json"),
            str(out),
            str(args.seed),
            args.generator,
        ]
        load = round(os.getloadavg()[0], 2)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=args.timeout)
        if proc.returncode:
            row: dict[str, Any] = {
                "status": "failed",
                "error": (proc.stderr or proc.stdout).strip().splitlines()[-3:],
            }
        else:
            row = json.loads(proc.stdout.strip().splitlines()[-1]) | {"status": "ok"}
        row["load_before"] = load
        results["runs"][run] = row
        print(json.dumps(row), flush=True)
    models = {r: str(work / f"{r}.synthwise") for r, v in results["runs"].items() if v["status"] == "ok"}
    if "memory" in models:
        results["equal_to_memory"] = {
            r: compare(p, models["memory"]) for r, p in models.items() if r != "memory"
        }
        print("equal to the in-memory fit:", json.dumps(results["equal_to_memory"]), flush=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "runs" in saved:  # the first layout held gaussian_copula's runs alone
        saved = {saved["meta"].get("generator", "gaussian_copula"): saved}
    saved[args.generator] = results
    RESULTS.write_text(json.dumps(saved, indent=1) + "\n")
    print(f"{'run':16s} {'seconds':>8s} {'CPU s':>7s} {'peak MB':>8s} {'workers MB':>10s}")
    for run, r in results["runs"].items():
        if r["status"] == "ok":
            cpu = r["cpu_s"] + r["cpu_s_workers"]
            peak, workers = r["peak_rss_mb"], r["peak_rss_workers_mb"]
            print(f"{run:16s} {r['seconds']:8.1f} {cpu:7.1f} {peak:8.0f} {workers:10.0f}")
    shutil.rmtree(work / "table", ignore_errors=True)


if __name__ == "__main__":
    main()
