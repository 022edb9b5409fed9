"""Does synthetic minority data help a classifier? Real holdout scores with and without augmentation.

On each bench set (``default``: target ``default``, 3.3% "Yes"; ``cps1988``: target ``parttime``,
9% "yes") and each seed:

1. the train split is cut (stratified, by the seed) into a FIT part (80%) and a VALIDATION part (20%);
2. each method builds a training table from the FIT part only:
   ``real`` (as is), ``real+weights`` (as is, with ``class_weight="balanced"``: the free alternative to
   augmentation), ``smotenc``, ``adasyn``, ``cart`` and the best deep generator (real rows plus
   synthetic minority rows up to the same ``--ratio`` of the majority count; generators are fitted
   on the FIT part and sampled with ``conditions={target: minority}``);
3. the same HistGradientBoostingClassifier is trained on it and scored on the REAL holdout:
   PR-AUC (average precision), minority-class F1 at the threshold that maximises F1 on the validation
   part, balanced accuracy at that threshold, and balanced accuracy at the default 0.5 threshold.

The best deep generator is chosen per set on seed 0 by VALIDATION PR-AUC among ``--deep`` candidates
(never by the holdout), then run on every seed. Results: mean and standard deviation over the seeds,
plus the paired difference to ``real`` (mean and sd of per-seed differences).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/imbalance.py
    ... --sets default --seeds 0,1 --deep tvae --deep-time 30 --ratio 0.5

Prints a table and writes ``benchmarks/results/imbalance.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, balanced_accuracy_score, f1_score, precision_recall_curve
from sklearn.model_selection import train_test_split

from synthwise.imbalance import synthesize_minority
from synthwise.io import write_text

DATA = Path("/work/shared/bench-data")
OUT = Path(__file__).resolve().parent / "results" / "imbalance.json"
SETS = {"default": ("default", "Yes"), "cps1988": ("parttime", "yes")}
METRICS = ("pr_auc", "f1", "bal_acc", "bal_acc_05")


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(DATA / f"{name}.train.csv"), pd.read_csv(DATA / f"{name}.holdout.csv")


def features(
    df: pd.DataFrame, target: str, positive: str, cats: dict[str, list[Any]]
) -> tuple[pd.DataFrame, np.ndarray]:
    X = df.drop(columns=target).copy()
    for col, levels in cats.items():
        X[col] = pd.Categorical(X[col].astype(object), categories=levels)
    return X, (df[target].astype(str) == positive).to_numpy(dtype=int)


def score(
    train: pd.DataFrame,
    val: pd.DataFrame,
    hold: pd.DataFrame,
    target: str,
    positive: str,
    seed: int,
    *,
    weighted: bool = False,
) -> dict[str, float]:
    cats = {
        c: sorted(pd.concat([train[c], val[c]]).astype(str).unique())
        for c in train.columns
        if c != target and not pd.api.types.is_numeric_dtype(train[c])
    }
    Xt, yt = features(train, target, positive, cats)
    Xv, yv = features(val, target, positive, cats)
    Xh, yh = features(hold, target, positive, cats)
    clf = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        early_stopping=False,
        categorical_features="from_dtype",
        class_weight="balanced" if weighted else None,
        random_state=seed,
    ).fit(Xt, yt)
    pv, ph = clf.predict_proba(Xv)[:, 1], clf.predict_proba(Xh)[:, 1]
    prec, rec, thr = precision_recall_curve(yv, pv)
    f1v = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0.0)[:-1]
    t = float(thr[int(np.argmax(f1v))]) if len(thr) else 0.5
    return {
        "pr_auc": float(average_precision_score(yh, ph)),
        "f1": float(f1_score(yh, ph >= t)),
        "bal_acc": float(balanced_accuracy_score(yh, ph >= t)),
        "bal_acc_05": float(balanced_accuracy_score(yh, ph >= 0.5)),
        "val_pr_auc": float(average_precision_score(yv, pv)),
        "threshold": t,
    }


def augmented(
    fit: pd.DataFrame, target: str, generator: str, seed: int, ratio: float, params: dict[str, Any]
) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    synth = synthesize_minority(
        fit, target=target, ratio=ratio, generator=generator, seed=seed, generator_params=params
    )
    return pd.concat([fit, synth], ignore_index=True), time.perf_counter() - started


def deep_params(deep_time: float) -> dict[str, Any]:
    return {"max_time_s": deep_time, "verbose": False}


def run_method(
    method: str,
    fit: pd.DataFrame,
    val: pd.DataFrame,
    hold: pd.DataFrame,
    target: str,
    positive: str,
    seed: int,
    ratio: float,
    deep_time: float,
) -> dict[str, Any]:
    if method == "real":
        return {**score(fit, val, hold, target, positive, seed), "seconds": 0.0}
    if method == "real+weights":
        return {**score(fit, val, hold, target, positive, seed, weighted=True), "seconds": 0.0}
    params = deep_params(deep_time) if method in ("tvae", "ctgan", "diffusion") else {}
    train, secs = augmented(fit, target, method, seed, ratio, params)
    return {**score(train, val, hold, target, positive, seed), "seconds": secs, "rows": len(train)}


def run(sets: list[str], seeds: list[int], ratio: float, deep: list[str], deep_time: float) -> dict[str, Any]:
    results: dict[str, Any] = {"ratio": ratio, "seeds": seeds, "deep_time_s": deep_time, "sets": {}}
    for name in sets:
        target, positive = SETS[name]
        train_all, hold = load(name)
        entry: dict[str, Any] = {
            "target": target,
            "positive": positive,
            "positive_share": float((train_all[target].astype(str) == positive).mean()),
            "runs": {},
            "deep_selection": {},
            "errors": {},
        }
        best_deep: str | None = None
        for seed in seeds:
            fit, val = train_test_split(
                train_all, test_size=0.2, stratify=train_all[target], random_state=seed
            )
            fit, val = fit.reset_index(drop=True), val.reset_index(drop=True)
            methods = ["real", "real+weights", "smotenc", "adasyn", "cart"]
            if best_deep is None and deep:
                for cand in deep:  # choose on the validation part of the first seed
                    try:
                        res = run_method(cand, fit, val, hold, target, positive, seed, ratio, deep_time)
                    except Exception as exc:  # a missing extra or a failed fit: report, do not hide
                        entry["errors"][f"{cand}/{seed}"] = f"{type(exc).__name__}: {exc}"
                        print(f"  {name} seed {seed} {cand}: FAILED {type(exc).__name__}: {exc}", flush=True)
                        continue
                    entry["deep_selection"][cand] = res
                    print(
                        f"  {name} seed {seed} {cand} (selection): val PR-AUC {res['val_pr_auc']:.4f} "
                        f"in {res['seconds']:.0f} s",
                        flush=True,
                    )
                if entry["deep_selection"]:
                    best_deep = max(
                        entry["deep_selection"], key=lambda k: entry["deep_selection"][k]["val_pr_auc"]
                    )
                    entry["best_deep"] = best_deep
                    entry["runs"].setdefault(f"deep:{best_deep}", []).append(
                        {"seed": seed, **entry["deep_selection"][best_deep]}
                    )
            elif best_deep is not None:
                methods.append(best_deep)
            for method in methods:
                key = f"deep:{method}" if method == best_deep else method
                try:
                    res = run_method(method, fit, val, hold, target, positive, seed, ratio, deep_time)
                except Exception as exc:
                    entry["errors"][f"{method}/{seed}"] = f"{type(exc).__name__}: {exc}"
                    print(f"  {name} seed {seed} {method}: FAILED {type(exc).__name__}: {exc}", flush=True)
                    continue
                entry["runs"].setdefault(key, []).append({"seed": seed, **res})
                print(
                    f"  {name} seed {seed} {key}: PR-AUC {res['pr_auc']:.4f} F1 {res['f1']:.4f} "
                    f"({res['seconds']:.1f} s)",
                    flush=True,
                )
        entry["summary"] = summarize(entry["runs"])
        results["sets"][name] = entry
    return results


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    base = {r.get("seed", 0): r for r in runs.get("real", [])}
    out: dict[str, dict[str, float]] = {}
    order = ["real", "real+weights", "smotenc", "adasyn", "cart"]
    rank = {m: i for i, m in enumerate(order)}
    for method, rs in sorted(runs.items(), key=lambda kv: rank.get(kv[0], len(order))):
        row: dict[str, float] = {"n_seeds": len(rs), "seconds": float(np.mean([r["seconds"] for r in rs]))}
        for m in METRICS:
            vals = np.array([r[m] for r in rs])
            row[f"{m}_mean"], row[f"{m}_sd"] = (
                float(vals.mean()),
                float(vals.std(ddof=1)) if len(vals) > 1 else 0.0,
            )
            diffs = np.array([r[m] - base[r.get("seed", 0)][m] for r in rs if r.get("seed", 0) in base])
            if len(diffs):
                row[f"{m}_diff_mean"] = float(diffs.mean())
                row[f"{m}_diff_sd"] = float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0
        out[method] = row
    return out


def _cell(s: dict[str, float], m: str, diff: bool = False) -> str:
    if diff:
        return f"{s.get(f'{m}_diff_mean', 0):+.4f}±{s.get(f'{m}_diff_sd', 0):.4f}"
    return f"{s[f'{m}_mean']:.4f}±{s[f'{m}_sd']:.4f}"


def table(results: dict[str, Any]) -> str:
    cols = ("PR-AUC", "dPR-AUC", "F1@val-thr", "dF1", "bal.acc@thr", "bal.acc@0.5")
    head = f"{'set':9} {'method':16} " + " ".join(f"{c:>16}" for c in cols) + f" {'sec':>6}"
    lines = [head, "-" * len(head)]
    for name, entry in results["sets"].items():
        for method, s in entry["summary"].items():
            cells = [
                _cell(s, "pr_auc"),
                _cell(s, "pr_auc", True),
                _cell(s, "f1"),
                _cell(s, "f1", True),
                _cell(s, "bal_acc"),
                _cell(s, "bal_acc_05"),
            ]
            lines.append(
                f"{name:9} {method:16} " + " ".join(f"{c:>16}" for c in cells) + f" {s['seconds']:6.1f}"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="default,cps1988")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument(
        "--ratio", type=float, default=1.0, help="minority count after augmentation / majority count"
    )
    ap.add_argument("--deep", default="tvae,ctgan,diffusion", help="deep candidates ('' for none)")
    ap.add_argument("--deep-time", type=float, default=90.0, help="max_time_s of each deep fit")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    started = time.perf_counter()
    results = run(
        [s for s in args.sets.split(",") if s],
        [int(s) for s in args.seeds.split(",")],
        args.ratio,
        [d for d in args.deep.split(",") if d],
        args.deep_time,
    )
    results["wall_seconds"] = time.perf_counter() - started
    print(table(results))
    write_text(json.dumps(results, indent=1) + "\n", args.out)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
