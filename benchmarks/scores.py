"""Key evaluation scores of each generator on the four public bench sets (issue 3's table).

Fits each generator on ``<set>.train.csv``, samples as many rows, and scores them with
``synthwise.evaluate`` against the train and the holdout. Prints a table and writes
``benchmarks/results/scores.json``.

    python benchmarks/scores.py -g cart -g gaussian_copula -d default
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1] / "shared" / "bench-data"
TARGETS = {"default": "default", "cps1988": "parttime", "covid": "result", "diamonds": "cut"}
KEYS = (
    ("alpha", "fidelity.alpha_precision"),
    ("beta", "diversity.beta_recall"),
    ("auth", "memorization.authenticity"),
    ("detect", "fidelity.detection_auc"),
    ("marg", "fidelity.marginals"),
    ("pairs", "fidelity.pairs"),
    ("tstr", "utility.ratio"),
    ("dcr", "privacy.dcr_share"),
    ("copies", "privacy.exact_copies"),
)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import synthwise as sw

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-g", "--generator", action="append")
    ap.add_argument("-d", "--dataset", action="append", choices=sorted(TARGETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-p", "--param", action="append", default=[], help="GEN:KEY=VALUE (JSON value)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "scores.json")
    ns = ap.parse_args(argv)
    gens = ns.generator or ["bootstrap", "noise", "gaussian_copula", "bayesian_network", "cart"]
    params: dict[str, dict[str, object]] = {}
    for item in ns.param:
        gen, _, kv = item.partition(":")
        key, _, value = kv.partition("=")
        params.setdefault(gen, {})[key] = json.loads(value)
    rows = []
    header = f"{'generator':<17}{'dataset':<10}{'fit s':>7}" + "".join(f"{k:>8}" for k, _ in KEYS)
    print(header)
    for ds in ns.dataset or list(TARGETS):
        train = pd.read_csv(BENCH / f"{ds}.train.csv")
        holdout = pd.read_csv(BENCH / f"{ds}.holdout.csv")
        for name in gens:
            started = time.perf_counter()
            gen = sw.get_generator(name, seed=ns.seed, **params.get(name, {})).fit(train)
            fit_s = time.perf_counter() - started
            synth = gen.sample(len(train), seed=ns.seed)
            ev = sw.evaluate(train, synth, holdout=holdout, target=TARGETS[ds], seed=ns.seed)
            scores = ev.scores
            row = {
                "generator": name,
                "dataset": ds,
                "fit_s": fit_s,
                **{k: scores.get(key) for k, key in KEYS},
            }
            refs = {k: (ev.get(key).reference if ev.get(key) else None) for k, key in KEYS}
            row["holdout_reference"] = refs
            rows.append(row)
            print(
                f"{name:<17}{ds:<10}{fit_s:>7.1f}"
                + "".join(f"{row[k]:>8.3f}" if isinstance(row[k], float) else f"{'-':>8}" for k, _ in KEYS)
            )
            sys.stdout.flush()
        ref = rows[-1]["holdout_reference"]
        print(
            f"{'(holdout ref)':<17}{ds:<10}{'':>7}"
            + "".join(f"{ref[k]:>8.3f}" if isinstance(ref[k], float) else f"{'-':>8}" for k, _ in KEYS)
        )
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps({"seed": ns.seed, "rows": rows}, indent=1) + "\n")
    print(f"written {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
