"""Privacy benchmark (issue 6): DP fidelity against epsilon, and attacks on the non-DP generators.

For each bench set (train split; holdout for the attacks and TSTR): fit each generator once (seed 0),
sample as many rows as the train split (seed 1) and run ``synthwise.evaluate`` (seed 0) for

* fidelity: marginals and pairs (1 - KS / TVD, ideal 1), detection AUC (ideal 0.5), alpha-precision and
  beta-recall (ideal 1), TSTR ratio (utility of a model trained on synthetic vs on real rows);
* privacy: distance MIA AUC and DOMIAS density-ratio MIA AUC (ideal 0.5), DCR share (ideal 0.5),
  rare copies (synthetic rows equal to a real row unique in the train, ideal 0), and attribute
  inference: an attacker who knows a person's quasi-identifiers (``QIS``, per set) guesses their secret
  column from the nearest synthetic row; the risk is the excess success on train rows over holdout
  rows (ideal 0), with a Wilson interval.

Generators: ``mst`` at epsilon 0.5, 1, 3, 10 with nothing public (domains, ranges and rounding spent
from the budget); ``mst+cat`` at epsilon 1 with the categorical domains declared public (as rivals read
them); the DP-SGD deep generator ``dp_ar`` at epsilon 1 and 10 (nothing public either); the
non-DP ``bootstrap``, ``noise`` and ``cart`` with a "leaks" flag; and, when ``benchmarks/.venvs/smartnoise``
exists, smartnoise-synth MST and AIM at epsilon 1 run in that venv through a subprocess.

A row is flagged as leaking ("LEAKS") when an attack measures it: rare copies above 1.5 x the holdout's
own rate + 1 point (a fresh real sample of a table with few distinct values matches train rows unique in
the train too: 8.5 % on cps1988), a DCR share above 0.55, either MIA AUC above 0.55, or an attribute
inference risk whose 95 % interval lies above 0 (members' secrets are guessed better than others').
Generators that emit real rows by construction (the ``copies_rows`` capability: ``bootstrap``,
``noise``) are also marked "copies rows by design", whatever the attacks manage to measure on a table.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/privacy.py
    ... --sets default,cps1988 --eps 1,10 --generators mst,bootstrap --max-rows 4000 --merge

Prints a table per set and writes ``benchmarks/results/privacy.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

import synthwise.evaluation.risk  # noqa: F401  (registers domias_auc, rare_copies)
from synthwise.evaluation import evaluate
from synthwise.generators import create, get
from synthwise.schema import infer_schema

DATA = Path("/work/shared/bench-data")
RESULTS = Path(__file__).parent / "results" / "privacy.json"
SETS = {"default": "default", "cps1988": "parttime", "covid": "result", "diamonds": "cut"}
EPS = (0.5, 1.0, 3.0, 10.0)
METRICS = {
    "marginals": "marginals",
    "pairs": "pairs",
    "detection_auc": "detect",
    "alpha_precision": "alpha_p",
    "beta_recall": "beta_r",
    "ratio": "tstr",
    "mia_auc": "mia",
    "domias_auc": "domias",
    "dcr_share": "dcr",
    "rare_copies": "rare",
    "attribute_risk": "attr",
}
QIS = {  # what an attacker may know of a person (quasi-identifiers), and the secret they are after
    "default": (["student", "income"], "balance"),
    "cps1988": (["education", "experience", "ethnicity", "region"], "wage"),
    "covid": (["gender", "age", "clinic_name", "payor_group"], "result"),
    "diamonds": (["carat", "cut", "color", "clarity"], "price"),
}
SMARTNOISE = Path(__file__).parent / ".venvs" / "smartnoise" / "bin" / "python"
SMARTNOISE_SCRIPT = r"""
import sys, time, pandas as pd
from snsynth import Synthesizer
train, out, name, cats, conts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5], sys.argv[6]
eps = float(sys.argv[4])
df = pd.read_csv(train)
cats = [c for c in cats.split(",") if c]; conts = [c for c in conts.split(",") if c]
t = time.perf_counter()
synth = Synthesizer.create(name, epsilon=eps, verbose=False)
synth.fit(df, categorical_columns=cats, continuous_columns=conts, preprocessor_eps=0.1 * eps)
syn = synth.sample(len(df))
syn.to_csv(out, index=False)
print(time.perf_counter() - t)
"""


def public_categories(train: pd.DataFrame) -> Any:
    """A schema declaring only the categorical domains public, n_rows 0. The other columns are left out
    of it, so MST plans them from their dtype and spends budget on their ranges and rounding."""
    schema = infer_schema(train)
    cols = tuple(c for c in schema.columns if c.kind in ("categorical", "boolean", "constant"))
    return replace(schema, columns=cols, n_rows=0)


def dp_deep_available() -> bool:
    try:
        get("dp_ar")
    except Exception:  # the privacy extra (opacus, torch) is not installed
        return False
    return True


def copies_rows(label: str) -> bool:
    try:
        return bool(get(label).capabilities.copies_rows)
    except Exception:
        return False


def run_ours(label: str, train: pd.DataFrame, eps: float | None) -> tuple[pd.DataFrame, float, str]:
    started = time.perf_counter()
    note = ""
    if label.startswith("mst"):
        gen = create("mst", seed=0, epsilon=eps)
        gen.fit(train, public_categories(train) if label == "mst+cat" else None)
        note = f"eps spent {gen.ledger_.spent_epsilon:.3f}"  # type: ignore[attr-defined]
    elif label == "dp_ar":
        gen = create("dp_ar", seed=0, epsilon=eps, verbose=False)
        gen.fit(train)
        note = f"eps spent {gen.ledger_.spent_epsilon:.3f}"  # type: ignore[attr-defined]
    else:
        gen = create(label, seed=0).fit(train)
    out = gen.sample(len(train), seed=1)
    return out, time.perf_counter() - started, note


def run_smartnoise(
    name: str, train_path: Path, train: pd.DataFrame, eps: float
) -> tuple[pd.DataFrame, float, str]:
    schema = infer_schema(train)
    cats = [c.name for c in schema.columns if c.kind in ("categorical", "boolean", "constant")]
    conts = [c.name for c in schema.columns if c.kind in ("numeric", "datetime")]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "syn.csv"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        started = time.perf_counter()
        proc = subprocess.run(
            [
                str(SMARTNOISE),
                "-c",
                SMARTNOISE_SCRIPT,
                str(train_path),
                str(out),
                name,
                str(eps),
                ",".join(cats),
                ",".join(conts),
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            env=env,
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        syn = pd.read_csv(out)
        return syn[train.columns], time.perf_counter() - started, "smartnoise-synth, preprocessor_eps 10 %"


def score(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    syn: pd.DataFrame,
    target: str,
    max_rows: int,
    qis: tuple[list[str], str] | None = None,
) -> dict[str, Any]:
    kw: dict[str, Any] = {"holdout": holdout, "target": target, "seed": 0, "max_rows": max_rows}
    if qis is not None:
        kw |= {"quasi_identifiers": qis[0], "secret": qis[1]}
    kw |= {"n_bootstrap": 50, "baselines": False, "row_flags": False}
    out: dict[str, Any] = {}
    try:
        ev = evaluate(train, syn, metrics=list(METRICS), **kw)
    except Exception as exc:  # one failing metric (e.g. TSTR on an all-missing column) spares the others
        out["eval_error"] = f"{type(exc).__name__}: {exc}"[:200]
        ev = evaluate(train, syn, metrics=[m for m in METRICS if m != "ratio"], **kw)
    for key in METRICS:
        m = ev.get(key)
        out[key] = None if m is None else round(float(m.value), 4)
        if m is not None and m.reference is not None:
            out[key + "_ref"] = round(float(m.reference), 4)
    risk = ev.get("attribute_risk")
    if risk is not None:
        out["attribute_risk_ci"] = [round(float(v), 4) for v in risk.details["risk_ci"]]
    out["skipped"] = ev.manifest.get("skipped", {})
    return out


def leaks(row: dict[str, Any]) -> bool:
    def over(key: str, limit: float) -> bool:
        return row.get(key) is not None and row[key] > limit

    rare_limit = 1.5 * (row.get("rare_copies_ref") or 0.0) + 0.01
    return (
        over("rare_copies", rare_limit)
        or over("dcr_share", 0.55)
        or over("mia_auc", 0.55)
        or over("domias_auc", 0.55)
        or (row.get("attribute_risk_ci") or [0.0])[0] > 0
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--eps", default=",".join(map(str, EPS)))
    parser.add_argument("--generators", default="mst,mst+cat,dp_ar,bootstrap,noise,cart,smartnoise")
    parser.add_argument("--max-rows", type=int, default=5000, help="rows per table for the k-NN metrics")
    parser.add_argument("--merge", action="store_true", help="keep earlier results for runs not redone")
    args = parser.parse_args()
    eps_list = [float(e) for e in args.eps.split(",")]
    wanted = args.generators.split(",")
    runs: list[tuple[str, float | None]] = []
    if "mst" in wanted:
        runs += [("mst", e) for e in eps_list]
    if "mst+cat" in wanted:
        runs.append(("mst+cat", 1.0))
    if "dp_ar" in wanted and dp_deep_available():
        runs += [("dp_ar", e) for e in (1.0, 10.0)]
    runs += [(g, None) for g in ("bootstrap", "noise", "cart") if g in wanted]
    if "smartnoise" in wanted and SMARTNOISE.exists():
        runs += [("smartnoise-mst", 1.0), ("smartnoise-aim", 1.0)]
    results: list[dict[str, Any]] = []
    for name in args.sets.split(","):
        train_path = DATA / f"{name}.train.csv"
        train, holdout = pd.read_csv(train_path), pd.read_csv(DATA / f"{name}.holdout.csv")
        print(
            f"\n== {name}: {len(train):,} train rows, {train.shape[1]} columns, target {SETS[name]}",
            flush=True,
        )
        print(
            f"{'generator':15s} {'eps':>5s} "
            + " ".join(f"{v:>8s}" for v in METRICS.values())
            + "   secs  leaks"
        )
        for label, eps in runs:
            row: dict[str, Any] = {"set": name, "generator": label, "epsilon": eps}
            try:
                if label.startswith("smartnoise"):
                    syn, secs, note = run_smartnoise(label.split("-")[1], train_path, train, eps or 1.0)
                else:
                    syn, secs, note = run_ours(label, train, eps)
                row |= {
                    "seconds": round(secs, 1),
                    "note": note,
                    **score(train, holdout, syn, SETS[name], args.max_rows, QIS.get(name)),
                }
                row["leaks"] = leaks(row)
                row["copies_rows"] = copies_rows(label)
            except Exception as exc:  # a failing generator is a result, not a crash
                row |= {"error": f"{type(exc).__name__}: {exc}"[:300]}
            results.append(row)
            if "error" in row:
                print(f"{label:15s} {eps or '':>5} failed: {row['error']}", flush=True)
                continue
            cells = " ".join(f"{row[k]:8.3f}" if row.get(k) is not None else f"{'-':>8s}" for k in METRICS)
            print(
                f"{label:15s} {eps or '':>5} {cells} {row['seconds']:6.1f}  "
                + ("LEAKS" if row["leaks"] else "-")
                + ("  copies rows by design" if row["copies_rows"] else ""),
                flush=True,
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if args.merge and RESULTS.exists():
        redone = {(r["set"], r["generator"], r["epsilon"]) for r in results}
        earlier = json.loads(RESULTS.read_text(encoding="utf-8"))["results"]
        results = [r for r in earlier if (r["set"], r["generator"], r["epsilon"]) not in redone] + results
    payload = {"python": sys.version.split()[0], "max_rows": args.max_rows, "results": results}
    RESULTS.write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
