"""Speed and memory of a full evaluation: 50k real x 50k synthetic x 10k holdout rows, 20 columns.

The tables come from one seeded generator of mixed data (12 numeric columns with correlations and
skew, 5 categoricals, a boolean, a datetime and a binary target, some missing values); the
"synthetic" table is drawn with another seed and a small shift, so every metric has work to do.
Each configuration runs in a fresh subprocess so that its peak resident memory (``resource``'s
``ru_maxrss``) is its own.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/evaluate.py            # defaults + exact mode
    .venv/bin/python benchmarks/evaluate.py --rows 20000 --modes default

Prints a table and writes ``benchmarks/results/evaluate.json``. Target (issue 3): under 60 s and
under 4 GB with the defaults on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "evaluate.json"
MODES: dict[str, dict[str, Any]] = {
    "default": {},
    "exact": {"exact": True},
    "no_baselines": {"baselines": False},
}


def make_table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """A mixed table of 20 columns: correlated skewed numerics, categoricals, a datetime, a target."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, 4))
    mix = np.random.default_rng(99).standard_normal((4, 12))
    num = latent @ mix + 0.5 * rng.standard_normal((n, 12)) + shift
    data: dict[str, object] = {}
    for j in range(12):
        col = num[:, j]
        if j % 3 == 1:
            col = np.exp(col / 2)  # skewed
        if j % 4 == 2:
            col = np.round(col * 10)  # integer-valued
        data[f"x{j}"] = col
    levels = [
        list("abc"),
        list("abcde"),
        [f"k{i}" for i in range(8)],
        ["north", "south", "east", "west"],
        [f"c{i}" for i in range(25)],
    ]
    for j, lv in enumerate(levels):
        score = latent[:, j % 4] + 0.7 * rng.standard_normal(n)
        cuts = np.quantile(score, np.linspace(0, 1, len(lv) + 1)[1:-1])
        data[f"cat{j}"] = np.array(lv, dtype=object)[np.searchsorted(cuts, score)]
    data["flag"] = latent[:, 1] + rng.standard_normal(n) > 0.5
    start = np.datetime64("2020-01-01")
    data["when"] = start + (np.abs(latent[:, 2]) * 200 + rng.integers(0, 30, n)).astype("timedelta64[D]")
    logit = latent[:, 0] - latent[:, 3] - 1.5
    data["target"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    df = pd.DataFrame(data)
    for j in (0, 5):
        df.loc[rng.random(n) < 0.05, f"x{j}"] = np.nan
    return df


def run_one(rows: int, holdout_rows: int, mode: str, seed: int) -> dict[str, object]:
    """One evaluation in this process; returns timings and peak memory."""
    import synthwise as sw

    real = make_table(rows, seed)
    synthetic = make_table(rows, seed + 1, shift=0.1)
    holdout = make_table(holdout_rows, seed + 2)
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    options: dict[str, Any] = dict(MODES[mode])
    ev = sw.evaluate(
        real, synthetic, holdout=holdout, target="target", sensitive="cat3", seed=seed, **options
    )
    seconds = time.perf_counter() - started
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = ev.manifest["timings_s"]
    return {
        "mode": mode,
        "rows": {"real": rows, "synthetic": rows, "holdout": holdout_rows, "columns": real.shape[1]},
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "peak_rss_mb": round(peak_mb, 1),
        "metrics": len(ev.metrics),
        "phases_s": {k: round(v, 2) for k, v in timings.items() if isinstance(v, float)},
        "slowest_metrics_s": dict(
            sorted(((k, round(v, 2)) for k, v in timings["metrics"].items()), key=lambda kv: -kv[1])[:5]
        ),
        "samples": ev.manifest["samples"],
        "three_d": {k: round(v, 4) for k, v in ev.three_d.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--holdout-rows", type=int, default=10_000)
    parser.add_argument("--modes", default="default,exact", help=f"comma-separated, from {sorted(MODES)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one mode, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.rows, args.holdout_rows, args.one, args.seed)))
        return
    results = []
    for mode in args.modes.split(","):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            mode,
            "--rows",
            str(args.rows),
            "--holdout-rows",
            str(args.holdout_rows),
            "--seed",
            str(args.seed),
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'mode':<14}{'rows':>8}{'wall s':>8}{'cpu s':>8}{'peak MB':>9}  phases (wall s)")
    for r in results:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases_s"].items() if k != "total")
        print(
            f"{r['mode']:<14}{r['rows']['real']:>8}{r['seconds']:>8.1f}{r['cpu_seconds']:>8.1f}"
            f"{r['peak_rss_mb']:>9.0f}  {phases}"
        )
    report = {
        "benchmark": "evaluate",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "target": {"seconds": 60, "peak_rss_mb": 4096},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
