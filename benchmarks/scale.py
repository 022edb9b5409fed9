"""Sampling at scale (issue 18): rows/s per core, serial vs a process pool vs Dask, memory flat in n.

A real table (ggplot2 ``diamonds``: 53,940 rows x 10 columns, 3 categorical, 7 numeric) fits
``gaussian_copula`` and ``cart`` (its default ``privacy="strict"`` guard, and ``privacy="off"``, the
sampler alone); each model then samples ``synthwise sample MODEL -n N -o FOLDER --blocks auto`` through
:func:`synthwise.scale.sample_to_folder` on one engine:

* ``serial``: the default executor, this process;
* ``processes-W``: a local pool of W spawned processes;
* ``dask-W``: a Dask ``LocalCluster`` of W single-threaded worker processes on 127.0.0.1. The cluster is
  started before the clock starts (its start-up is reported apart: a long-lived cluster pays it once).

Each run is its own Python process (so its peak RSS is its own; a Dask or pool worker's peak is the
largest of its children's). Reported per run: seconds, rows/s, rows/s per worker, CPU seconds of the run
and its workers (rows per CPU second is the per-core figure the other work on the shared cores disturbs
least), peak RSS of the driver and of the largest worker, the output size and the SHA-256 of
the manifest (equal for every engine: the manifest holds every block's SHA-256). The Dask overhead is
``dask-2`` against ``processes-2`` (same cores, same blocks, only the engine differs) and ``dask-1``
against ``serial``.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/scale.py                  # the issue's matrix
    ... --rows 1000000 --generators gaussian_copula --engines serial,dask-2           # a subset
    ... --big 100000000                                                               # + one 100M-row run
    ... --append                                        # add runs to the saved ones (same key: replaced)
    ... --report                                                   # print the saved table, summary recomputed

Targets (issue 18): >= 500k rows/s per core for gaussian_copula, >= 100k for cart, Dask overhead
<= 15 % at 2 workers, peak RSS at 1M vs 10M within 20 %. The machine has 2 cores shared with other
work: the load average is recorded before and after each run. Writes ``benchmarks/results/scale.json``
(after every run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale.json"
MODELS = {
    "gaussian_copula": ("gaussian_copula", {}),
    "cart": ("cart", {}),  # its default: privacy="strict" (every row checked against the training rows)
    "cart_privacy_off": ("cart", {"privacy": "off"}),
}
TARGETS = {"gaussian_copula": 500_000, "cart": 100_000, "cart_privacy_off": 100_000}


def _peak_mb(who: int) -> float:
    import resource

    return resource.getrusage(who).ru_maxrss / 1024


def _cpu(who: int) -> float:
    import resource

    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def child(model: str, n: int, engine: str, out: str, seed: int) -> dict[str, Any]:
    """One run in this process (the parent calls ``--child``)."""
    import resource

    from synthwise.scale import DaskExecutor, ProcessExecutor, SerialExecutor, sample_to_folder

    kind, _, w = engine.partition("-")
    workers = int(w) if w else 1
    executor: Any = {
        "serial": SerialExecutor,
        "processes": lambda: ProcessExecutor(workers),
        "dask": lambda: DaskExecutor(workers=workers),
    }[kind]()
    started = time.perf_counter()
    with executor:
        startup = time.perf_counter() - started
        cpu_before = _cpu(resource.RUSAGE_SELF)
        begin = time.perf_counter()
        result = sample_to_folder(model, n, out, seed=seed, blocks="auto", executor=executor)
        seconds = time.perf_counter() - begin
        cpu_self = _cpu(resource.RUSAGE_SELF) - cpu_before
    manifest = Path(out) / "_manifest.json"
    size = sum(p.stat().st_size for p in Path(out).iterdir())
    return {
        "rows": result.rows,
        "blocks": result.n_blocks,
        "block_rows": json.loads(manifest.read_text())["plan"]["block_rows"],
        "engine": engine,
        "workers": workers,
        "startup_s": round(startup, 2),
        "seconds": round(seconds, 3),
        "rows_per_s": round(result.rows / seconds),
        "rows_per_s_per_worker": round(result.rows / seconds / workers),
        "cpu_s_driver": round(cpu_self, 2),
        "cpu_s_workers": round(_cpu(resource.RUSAGE_CHILDREN), 2),  # pool / cluster reaped on exit
        "peak_rss_driver_mb": round(_peak_mb(resource.RUSAGE_SELF), 1),
        "peak_rss_worker_mb": round(_peak_mb(resource.RUSAGE_CHILDREN), 1),
        "output_mb": round(size / 1e6, 1),
        "manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
    }


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def fit_models(folder: Path, names: list[str], seed: int) -> dict[str, dict[str, Any]]:
    import synthwise as sw
    from synthwise.generators import create

    data = sw.datasets.load_frame("diamonds")
    info = {}
    for name in names:
        generator, params = MODELS[name]
        path = folder / f"{name}.synthwise"
        started = time.perf_counter()
        gen = create(generator, seed=seed, **params).fit(data)
        gen.save(str(path))
        info[name] = {
            "path": str(path),
            "generator": generator,
            "params": params,
            "fit_s": round(time.perf_counter() - started, 2),
            "train_rows": len(data),
            "columns": data.shape[1],
        }
        print(
            f"fitted {name} on diamonds ({len(data):,} x {data.shape[1]}) in {info[name]['fit_s']} s",
            flush=True,
        )
    return info


def run_one(model: str, n: int, engine: str, seed: int, work: Path, timeout: float) -> dict[str, Any]:
    out = work / f"out-{engine}-{n}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, __file__, "--child", model, str(n), engine, str(out), str(seed)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    load_before = _load()
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout_s": timeout, "load_before": load_before}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        return {"status": "failed", "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row.update(
        status="ok",
        wall_s=round(time.perf_counter() - started, 2),
        load_before=load_before,
        load_after=_load(),
    )
    return row


def _cpu_total(run: dict[str, Any]) -> float:
    """CPU seconds of a run: the driver's during sampling plus its workers' (start-up included)."""
    return float(run["cpu_s_driver"]) + float(run["cpu_s_workers"])


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    """Targets against the runs: per-core throughput, Dask overhead, memory flat in n, same bytes."""
    runs = [r for r in data["runs"] if r.get("status") == "ok"]

    def find(model: str, engine: str, n: int) -> dict[str, Any] | None:
        hits = [r for r in runs if r["model"] == model and r["engine"] == engine and r["n"] == n]
        return hits[-1] if hits else None

    out: dict[str, Any] = {}
    for model in sorted({r["model"] for r in runs}):
        mine = [r for r in runs if r["model"] == model]
        # engines are compared at the largest n with a serial run; a larger one-engine run is listed apart
        with_serial = [r["n"] for r in mine if r["engine"] == "serial"]
        n_max = max(with_serial) if with_serial else max(r["n"] for r in mine)
        s: dict[str, Any] = {"n": n_max}
        largest = max(mine, key=lambda r: r["n"])
        if largest["n"] > n_max:
            keys = ["n", "engine", "seconds", "rows_per_s", "cpu_s_driver", "cpu_s_workers"]
            keys += ["peak_rss_worker_mb", "output_mb", "load_before", "load_after"]
            s["largest_run"] = {k: largest[k] for k in keys}
            s["largest_run"]["rows_per_cpu_s"] = round(largest["rows"] / _cpu_total(largest))
        serial = find(model, "serial", n_max)
        if serial:
            s["serial_rows_per_s_per_core"] = serial["rows_per_s_per_worker"]
            s["serial_rows_per_cpu_s"] = round(serial["rows"] / _cpu_total(serial))
            s["target_rows_per_s_per_core"] = TARGETS.get(model)
            s["target_met"] = serial["rows_per_s_per_worker"] >= TARGETS.get(model, 0)
            # on cores shared with other work, rows per CPU second stands for a core of its own
            s["target_met_per_cpu_s"] = s["serial_rows_per_cpu_s"] >= TARGETS.get(model, 0)
        d1, d2, p2 = (find(model, e, n_max) for e in ("dask-1", "dask-2", "processes-2"))
        for name, run in (("dask-1", d1), ("dask-2", d2), ("processes-2", p2)):
            if run:
                s[f"{name}_rows_per_cpu_s"] = round(run["rows"] / _cpu_total(run))
        # wall-clock overheads (disturbed by the other work on the shared cores) and CPU overheads
        if serial and d1:
            s["dask1_vs_serial_overhead"] = round(d1["seconds"] / serial["seconds"] - 1, 3)
            s["dask1_vs_serial_cpu_overhead"] = round(_cpu_total(d1) / _cpu_total(serial) - 1, 3)
        if p2 and d2:
            s["dask2_vs_processes2_overhead"] = round(d2["seconds"] / p2["seconds"] - 1, 3)
            s["dask2_vs_processes2_cpu_overhead"] = round(_cpu_total(d2) / _cpu_total(p2) - 1, 3)
        if serial and d2:
            s["dask2_vs_half_serial_overhead"] = round(d2["seconds"] / (serial["seconds"] / 2) - 1, 3)
            s["dask2_vs_serial_cpu_overhead"] = round(_cpu_total(d2) / _cpu_total(serial) - 1, 3)
        small = [r for r in mine if r["engine"] == "serial" and r["n"] < n_max]
        if serial and small:
            ref = min(small, key=lambda r: r["n"])
            s["peak_rss_serial_mb"] = {
                str(ref["n"]): ref["peak_rss_driver_mb"],
                str(n_max): serial["peak_rss_driver_mb"],
            }
            s["peak_rss_growth"] = round(serial["peak_rss_driver_mb"] / ref["peak_rss_driver_mb"] - 1, 3)
        for n in sorted({r["n"] for r in mine}):
            at_n = [r for r in mine if r["n"] == n]
            if len({r["engine"] for r in at_n}) > 1:  # one engine proves nothing
                same = len({r["manifest_sha256"] for r in at_n}) == 1
                s.setdefault("same_bytes_every_engine", {})[str(n)] = same
        out[model] = s
    return out


def report(data: dict[str, Any]) -> str:
    lines = [
        f"scale: sampling to Parquet blocks, {data['meta'].get('table')}, load before/after per run",
        f"{'model':<17} {'n':>11} {'engine':<12} {'blocks':>6} {'s':>8} {'rows/s':>11} {'/worker':>10} "
        f"{'rss MB':>7} {'wrk MB':>7} {'start s':>7} {'load':>9}",
    ]
    for r in data["runs"]:
        if r.get("status") != "ok":
            lines.append(
                f"{r['model']:<17} {r['n']:>11,} {r['engine']:<12} {r.get('status')}: {r.get('error', '')}"
            )
            continue
        lines.append(
            f"{r['model']:<17} {r['n']:>11,} {r['engine']:<12} {r['blocks']:>6} {r['seconds']:>8.1f} "
            f"{r['rows_per_s']:>11,} {r['rows_per_s_per_worker']:>10,} {r['peak_rss_driver_mb']:>7.0f} "
            f"{r['peak_rss_worker_mb']:>7.0f} {r['startup_s']:>7.1f} "
            f"{r['load_before']:>4}/{r['load_after']:<4}"
        )
    lines.append(json.dumps(data.get("summary", {}), indent=1))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--child", nargs=5, metavar=("MODEL", "N", "ENGINE", "OUT", "SEED"), help=argparse.SUPPRESS
    )
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated sizes")
    parser.add_argument("--generators", default="gaussian_copula,cart_privacy_off,cart")
    parser.add_argument("--engines", default="serial,processes-2,dask-1,dask-2")
    parser.add_argument("--cart-rows", default="1000000", help="sizes for cart with its guard (slow)")
    parser.add_argument("--small-engines", default="serial", help="engines at sizes below the largest")
    parser.add_argument("--big", type=int, default=0, help="one more gaussian_copula run of this many rows")
    parser.add_argument("--big-engine", default="dask-2")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None, help="folder for models and outputs (default: a temp dir)")
    parser.add_argument(
        "--append", action="store_true", help="add to the saved runs instead of replacing them"
    )
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    if args.child:
        model, n, engine, out, seed = args.child
        print(json.dumps(child(model, int(n), engine, out, int(seed))))
        return
    if args.report:  # the summary is recomputed (and saved) from the runs
        data = json.loads(RESULTS.read_text())
        data["summary"] = summarize(data)
        RESULTS.write_text(json.dumps(data, indent=1) + "\n")
        print(report(data))
        return
    names = [g for g in args.generators.split(",") if g]
    sizes = sorted(int(x) for x in args.rows.split(","))
    engines = [e for e in args.engines.split(",") if e]
    small_engines = [e for e in args.small_engines.split(",") if e]
    data: dict[str, Any] = {
        "meta": {
            "table": "ggplot2 diamonds (53,940 x 10)",
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "code": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
            ).stdout.strip(),
            "note": "2 cores shared with other work; OMP_NUM_THREADS=1 in every process",
        },
        "runs": [],
    }
    if args.append and RESULTS.exists():  # keep the runs already saved (another session, other sizes)
        saved = json.loads(RESULTS.read_text())
        data["runs"] = saved["runs"]
        data["earlier_runs"] = saved.get("earlier_runs", [])  # runs replaced by a rerun, kept
        data["meta"]["earlier"] = [
            *saved["meta"].get("earlier", []),
            {k: v for k, v in saved["meta"].items() if k != "earlier"},
        ]
    with tempfile.TemporaryDirectory(prefix="synthwise-scale-", dir=args.work) as tmp:
        work = Path(tmp)
        data["models"] = fit_models(work, names, args.seed)
        plan: list[tuple[str, int, str]] = []
        for name in names:
            mine = sorted(int(x) for x in args.cart_rows.split(",")) if name == "cart" else sizes
            for n in mine:
                for engine in engines if n == mine[-1] else small_engines:
                    plan.append((name, n, engine))
        if args.big:
            plan.append(("gaussian_copula", args.big, args.big_engine))
        for name, n, engine in plan:
            print(f"{name} n={n:,} {engine} ...", flush=True)
            row = {"model": name, "n": n, "engine": engine}
            row.update(run_one(data["models"][name]["path"], n, engine, args.seed, work, args.timeout))
            key = (name, n, engine)
            replaced = [r for r in data["runs"] if (r["model"], r["n"], r["engine"]) == key]
            data.setdefault("earlier_runs", []).extend(replaced)
            data["runs"] = [r for r in data["runs"] if (r["model"], r["n"], r["engine"]) != key]
            data["runs"].append(row)
            data["summary"] = summarize(data)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(data, indent=1) + "\n")
            print(report({"meta": data["meta"], "runs": [row]}).splitlines()[-2], flush=True)
    print(report(data))


if __name__ == "__main__":
    main()
