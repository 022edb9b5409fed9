"""Speed and memory of every generator on the fixed bench splits (issue 2's benchmark).

Each (generator, dataset) pair runs in its own subprocess so its peak RSS is its own. Prints a table and
writes ``benchmarks/results/generators.json``.

    python benchmarks/generators.py                         # every available tabular generator
    python benchmarks/generators.py -g cart -g gaussian_copula -d diamonds
    python benchmarks/generators.py --rate                  # + gaussian_copula rows/s at 200k rows
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1] / "shared" / "bench-data"
DATASETS = ("default", "cps1988", "covid", "diamonds")

_CHILD = r"""
import json, os, resource, sys, time
import pandas as pd
import synthwise as sw
name, path, n_extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
train = pd.read_csv(path)
params = json.loads(sys.argv[4])
t0 = time.perf_counter(); gen = sw.get_generator(name, seed=0, **params).fit(train); t1 = time.perf_counter()
synth = gen.sample(len(train), seed=0); t2 = time.perf_counter()
rate = None
if n_extra:
    t3 = time.perf_counter(); gen.sample(n_extra, seed=1); rate = n_extra / (time.perf_counter() - t3)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"fit_s": t1 - t0, "sample_s": t2 - t1, "rows": len(train), "peak_rss_mb": rss,
                  "rows_per_s": rate}))
"""


def available_generators() -> list[str]:
    import synthwise.generators as g
    from synthwise.errors import MissingDependencyError

    out = []
    for name in g.names():
        try:
            cls = g.get(name)
        except MissingDependencyError:
            continue
        needs_target = "target" in cls._param_names()
        if cls.capabilities.data == "tabular" and not needs_target and not getattr(cls, "needs_spec", False):
            out.append(name)
    return out


def run_one(
    name: str, dataset: str, *, rate_rows: int = 0, params: dict | None = None, timeout: int = 900
) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [
        sys.executable,
        "-c",
        _CHILD,
        name,
        str(BENCH / f"{dataset}.train.csv"),
        str(rate_rows),
        json.dumps(params or {}),
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        return {"generator": name, "dataset": dataset, "error": proc.stderr.strip().splitlines()[-1:]}
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row.update(generator=name, dataset=dataset, wall_s=time.perf_counter() - started)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-g", "--generator", action="append", help="generator name (repeatable)")
    ap.add_argument("-d", "--dataset", action="append", choices=DATASETS)
    ap.add_argument(
        "--rate", action="store_true", help="measure gaussian_copula sampling rows/s at 200k rows"
    )
    ap.add_argument("--out", type=Path, default=HERE / "results" / "generators.json")
    ns = ap.parse_args(argv)
    gens = ns.generator or available_generators()
    sets = ns.dataset or list(DATASETS)
    rows = []
    print(
        f"{'generator':<18} {'dataset':<9} {'rows':>7} {'fit s':>8} {'sample s':>9} {'fit+sample':>10} "
        f"{'peak MB':>8}"
    )
    for name in gens:
        for ds in sets:
            rate_rows = 200_000 if ns.rate and name == "gaussian_copula" and ds == "diamonds" else 0
            r = run_one(name, ds, rate_rows=rate_rows)
            rows.append(r)
            if "error" in r:
                print(f"{name:<18} {ds:<9} ERROR {r['error']}")
                continue
            print(
                f"{name:<18} {ds:<9} {r['rows']:>7,} {r['fit_s']:>8.2f} {r['sample_s']:>9.2f} "
                f"{r['fit_s'] + r['sample_s']:>10.2f} {r['peak_rss_mb']:>8.0f}"
                + (f"   sampling {r['rows_per_s']:,.0f} rows/s" if r.get("rows_per_s") else "")
            )
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps({"machine": {"cores": os.cpu_count()}, "results": rows}, indent=2) + "\n")
    print(f"written {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
