"""Quick quality benchmark: real-vs-synthetic detection ROC-AUC of generators on the bench sets.

For each bench set (train split) and each generator: fit, sample as many rows as the train split, then
train a 5-fold cross-validated HistGradientBoostingClassifier to tell real rows from synthetic ones.
The out-of-fold ROC-AUC is the score: 0.5 is ideal (indistinguishable), 1.0 means every synthetic row
is recognised, and clearly below 0.5 means near-copies of real rows (a real test row whose twin sits in
the training folds labelled "synthetic" is scored synthetic). ``copied`` is the share of synthetic rows
equal to a real row. The pseudo-generator ``holdout`` scores the real holdout split: the reference.
Identifier and text columns are left out of the detection features.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/quality_quick.py                 # cart only
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/quality_quick.py holdout cart    # with the reference
    ... --sets default,covid --seed 1 --param cart.min_samples_leaf=3

Prints a table and writes ``benchmarks/results/quality_quick.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

import synthwise.generators as gens
from synthwise.schema import infer_schema
from synthwise.transforms import TableTransformer

DATA = Path("/work/shared/bench-data")
SETS = ("default", "cps1988", "covid", "diamonds")
# Best rival per set with default settings (synthcity TabDDPM, MOSTLY TabularARGN), for the table.
BEST_RIVAL = {"default": 0.49, "cps1988": 0.61, "covid": 0.97, "diamonds": None}


def detection_auc(real: pd.DataFrame, synth: pd.DataFrame, *, seed: int = 0) -> float:
    """Out-of-fold ROC-AUC of a classifier telling real from synthetic rows (0.5 ideal, 1.0 worst)."""
    schema = infer_schema(real)
    keep = [c.name for c in schema.columns if c.kind not in ("identifier", "text")]
    schema = type(schema)(columns=tuple(schema[c] for c in keep), n_rows=schema.n_rows)
    tt = TableTransformer(schema).fit(real[keep])
    x = detection_features(tt, real[keep], synth[keep])
    y = np.r_[np.zeros(len(real)), np.ones(len(synth))]
    oof = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for tr, te in folds.split(x, y):
        clf = HistGradientBoostingClassifier(random_state=seed).fit(x[tr], y[tr])
        oof[te] = clf.predict_proba(x[te])[:, 1]
    return float(roc_auc_score(y, oof))


def detection_features(tt: TableTransformer, real: pd.DataFrame, synth: pd.DataFrame) -> np.ndarray:
    """Real then synthetic rows as a matrix without NaN: each code (missing filled with the real mean),
    followed by a missing flag for each column with missing values."""
    real_codes, synth_codes = tt.to_codes(real, unseen="nan"), tt.to_codes(synth, unseen="nan")
    blocks: list[np.ndarray] = []
    for col in tt.encoded:
        fill = np.nanmean(real_codes[col.name]) if real_codes[col.name].notna().any() else 0.0
        v = np.r_[real_codes[col.name].to_numpy(), synth_codes[col.name].to_numpy()]
        blocks.append(np.where(np.isnan(v), fill, v))
        if col.missing_rate > 0:
            blocks.append(np.isnan(v).astype(np.float64))
    return np.column_stack(blocks) if blocks else np.zeros((len(real) + len(synth), 0))


def copied_share(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    """Share of synthetic rows equal to some real row on every modelled column (0 ideal for privacy).

    A detection AUC below 0.5 usually means near-copies: a real test row whose twin sits in the
    training folds labelled "synthetic" is scored as synthetic.
    """
    schema = infer_schema(real)
    keep = [c.name for c in schema.columns if c.kind not in ("identifier", "text")]
    key_real = set(map(tuple, real[keep].astype(str).to_numpy()))
    key_synth = map(tuple, synth[keep].astype(str).to_numpy())
    return float(np.mean([k in key_real for k in key_synth])) if len(synth) else 0.0


def parse_params(items: list[str]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for item in items:
        key, _, raw = item.partition("=")
        name, _, param = key.partition(".")
        try:
            value: object = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(name, {})[param] = value
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("generators", nargs="*", default=["cart"])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[], help="gen.param=value (JSON value)")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    params = parse_params(args.param)
    rows = []
    for set_name in args.sets.split(","):
        train = pd.read_csv(DATA / f"{set_name}.train.csv")
        for name in args.generators:
            t0 = time.perf_counter()
            if name == "holdout":  # the reference: real unseen rows, what a perfect generator scores
                synth = pd.read_csv(DATA / f"{set_name}.holdout.csv")
                t1 = t2 = t0
            else:
                gen = gens.create(name, seed=args.seed, **params.get(name, {}))
                gen.fit(train)
                t1 = time.perf_counter()
                synth = gen.sample(len(train))
                t2 = time.perf_counter()
            auc = detection_auc(train, synth, seed=args.seed)
            copied = copied_share(train, synth)
            rows.append(
                {
                    "set": set_name,
                    "generator": name,
                    "params": params.get(name, {}),
                    "auc": round(auc, 4),
                    "copied": round(copied, 4),
                    "best_rival": BEST_RIVAL.get(set_name),
                    "fit_s": round(t1 - t0, 2),
                    "sample_s": round(t2 - t1, 2),
                    "rows": len(train),
                }
            )
            r = rows[-1]
            print(
                f"{set_name:10s} {name:18s} auc={r['auc']:.4f} copied={r['copied']:.3f} "
                f"rival={r['best_rival']} fit={r['fit_s']:.2f}s sample={r['sample_s']:.2f}s",
                flush=True,
            )
    table = pd.DataFrame(rows)
    print()
    cols = ["set", "generator", "auc", "copied", "best_rival", "fit_s", "sample_s", "rows"]
    print(table[cols].to_string(index=False))
    if not args.no_save:
        out = Path(__file__).parent / "results"
        out.mkdir(parents=True, exist_ok=True)
        path = out / "quality_quick.json"
        path.write_text(json.dumps({"seed": args.seed, "rows": rows}, indent=1))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
