"""Deep generators side by side (issue 4's benchmark): quality, speed and memorization on the bench splits.

Each (generator, dataset) pair fits in its own subprocess with one thread (``OMP_NUM_THREADS=1``,
``torch.set_num_threads(1)``), samples as many rows as the training split, and the synthetic table is
scored with ``synthwise.evaluate`` against the train split with the holdout split as reference. Printed
per pair: fit and sample wall time, epochs trained and why training stopped, alpha-precision,
beta-recall, authenticity, detection AUC (ideal 0.5), TSTR ratio (ideal 1) and DCR share (ideal 0.5).

Rivals: SDV's CTGAN and TVAE run with their default settings in their own environment, when
``benchmarks/.venvs/sdv`` exists (see /work/shared/BENCH_ANCHORS.md); ``--sdv`` asks for them.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/deep.py
    .venv/bin/python benchmarks/deep.py -g diffusion -g gaussian_copula -d default --max-time-s 120
    .venv/bin/python benchmarks/deep.py -g sdv_ctgan -g sdv_tvae -d default --sdv
    .venv/bin/python benchmarks/deep.py --device cuda        # GPU timings, where a GPU is present

Writes ``benchmarks/results/deep.json`` (one record per pair, appended by key so partial runs combine).
Fit wall times on a shared machine are noisy: each record keeps the load average seen at its start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1] / "shared" / "bench-data"
RESULTS = HERE / "results" / "deep.json"
SDV_PYTHON = HERE / ".venvs" / "sdv" / "bin" / "python"
TARGETS = {"default": "default", "cps1988": "parttime", "covid": "result", "diamonds": "cut"}
OURS = ("tvae", "ctgan", "diffusion")
METRICS = {
    "alpha_precision": "fidelity.alpha_precision",
    "beta_recall": "diversity.beta_recall",
    "authenticity": "memorization.authenticity",
    "detection_auc": "fidelity.detection_auc",
    "tstr_ratio": "utility.ratio",
    "dcr_share": "privacy.dcr_share",
}

_OURS_CHILD = r"""
import json, sys, time
import pandas as pd, torch
torch.set_num_threads(1)
import synthwise as sw
name, train_path, out_path, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
train = pd.read_csv(train_path)
gen = sw.get_generator(name, seed=0, **params)
t0 = time.perf_counter(); gen.fit(train); t1 = time.perf_counter()
synth = gen.sample(len(train), seed=0); t2 = time.perf_counter()
synth.to_csv(out_path, index=False)
info = getattr(gen, "training_", {})
print(json.dumps({"fit_s": t1 - t0, "sample_s": t2 - t1, "epochs": info.get("epochs"),
                  "stopped_by": info.get("stopped_by"), "best_epoch": info.get("best_epoch"),
                  "guard": [h["dcr_share"] for h in getattr(gen, "guard_history_", [])]}))
"""

_SDV_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd, torch
torch.set_num_threads(1)
from sdv.metadata import Metadata
from sdv.single_table import CTGANSynthesizer, TVAESynthesizer
name, train_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
train = pd.read_csv(train_path)
meta = Metadata.detect_from_dataframe(train, table_name="t")
cls = {"sdv_ctgan": CTGANSynthesizer, "sdv_tvae": TVAESynthesizer}[name]
syn = cls(meta)
t0 = time.perf_counter(); syn.fit(train); t1 = time.perf_counter()
out = syn.sample(len(train)); t2 = time.perf_counter()
out.to_csv(out_path, index=False)
print(json.dumps({"fit_s": t1 - t0, "sample_s": t2 - t1, "epochs": getattr(syn, "epochs", None)}))
"""


def run_pair(name: str, dataset: str, params: dict[str, Any], workdir: Path, timeout: int) -> dict[str, Any]:
    """Fit and sample in a subprocess; return its timings and the synthetic CSV's path."""
    train_path = BENCH / f"{dataset}.train.csv"
    out_path = workdir / f"{name}-{dataset}.csv"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if name.startswith("sdv_"):
        cmd = [str(SDV_PYTHON), "-c", _SDV_CHILD, name, str(train_path), str(out_path)]
    else:
        cmd = [sys.executable, "-c", _OURS_CHILD, name, str(train_path), str(out_path), json.dumps(params)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s", "load_avg": load}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1], "load_avg": load}
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row.update(wall_s=time.perf_counter() - started, load_avg=load, synthetic=str(out_path))
    return row


def score(dataset: str, synthetic_path: str) -> dict[str, float | None]:
    """The issue's metrics through ``synthwise.evaluate`` (train vs synthetic, holdout as reference)."""
    import pandas as pd

    import synthwise as sw

    train = pd.read_csv(BENCH / f"{dataset}.train.csv")
    holdout = pd.read_csv(BENCH / f"{dataset}.holdout.csv")
    synth = pd.read_csv(synthetic_path)
    schema = sw.infer_schema(train)
    ev = sw.evaluate(
        train,
        synth,
        holdout=holdout,
        target=TARGETS[dataset],
        seed=0,
        schema=schema,
        metrics=list(METRICS.values()),
        baselines=False,
        row_flags=False,
        n_bootstrap=0,
    )
    values = {m.key: m.value for m in ev.metrics}
    return {
        short: (None if values.get(key) is None else round(float(values[key]), 4))
        for short, key in METRICS.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "-g",
        "--generator",
        action="append",
        help="tvae, ctgan, diffusion, gaussian_copula, "
        "sdv_ctgan, sdv_tvae (repeatable; default: ours, plus SDV's with --sdv)",
    )
    ap.add_argument(
        "-d",
        "--dataset",
        action="append",
        choices=sorted(TARGETS),
        help="repeatable; default: default, cps1988, covid",
    )
    ap.add_argument("--max-time-s", type=float, default=None, help="time bound per fit for our generators")
    ap.add_argument("--params", default="{}", help="JSON of extra parameters for our generators")
    ap.add_argument("--device", default="cpu", help="device for our generators (cpu, cuda, auto)")
    ap.add_argument(
        "--sdv", action="store_true", help="add SDV's CTGAN and TVAE (needs benchmarks/.venvs/sdv)"
    )
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per pair before giving up")
    args = ap.parse_args()

    generators = args.generator or [*OURS, *(("sdv_ctgan", "sdv_tvae") if args.sdv else ())]
    datasets = args.dataset or ["default", "cps1988", "covid"]
    if any(g.startswith("sdv_") for g in generators) and not SDV_PYTHON.exists():
        sys.exit(
            f"SDV's environment is missing: create it at {SDV_PYTHON.parent.parent} (see BENCH_ANCHORS.md)"
        )
    extra = json.loads(args.params)
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    header = (
        f"{'generator':<16}{'dataset':<10}{'fit s':>8}{'sample s':>9}{'epochs':>8}  {'stop':<19}"
        + "".join(f"{k[:11]:>12}" for k in METRICS)
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in datasets:
            for name in generators:
                params: dict[str, Any] = {}
                if name in OURS:
                    params = {"verbose": False, "device": args.device, **extra}
                    if args.max_time_s:
                        params["max_time_s"] = args.max_time_s
                row = run_pair(name, dataset, params, Path(tmp), args.timeout)
                if "error" not in row:
                    row.update(score(dataset, row.pop("synthetic")))
                row.update(
                    generator=name, dataset=dataset, params=params, when=time.strftime("%Y-%m-%d %H:%M")
                )
                results[f"{name}/{dataset}"] = row
                RESULTS.parent.mkdir(exist_ok=True)
                RESULTS.write_text(json.dumps(results, indent=1))
                print(_line(row), flush=True)


def _line(row: dict[str, Any]) -> str:
    head = f"{row['generator']:<16}{row['dataset']:<10}"
    if "error" in row:
        return head + f"  error: {row['error']}"
    fmt = "".join(f"{row[k]:>12.3f}" if row.get(k) is not None else f"{'-':>12}" for k in METRICS)
    epochs = "-" if row.get("epochs") is None else str(row["epochs"])
    return (
        head
        + f"{row['fit_s']:>8.1f}{row['sample_s']:>9.1f}{epochs:>8}  {row.get('stopped_by') or '-':<19}"
        + fmt
    )


if __name__ == "__main__":
    main()
