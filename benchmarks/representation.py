"""Do the verdicts depend on the representation? (issue 15): the 3D score in the fixed and the learned space.

The 3D score's paper computes alpha-precision, beta-recall and authenticity in a one-class network's
output space learned on the real data; synthwise's default is a fixed embedding
(:mod:`synthwise.evaluation.embed`). This scores the same synthetic files as ``agreement.py`` (our
generators at one seed, the rivals' cached outputs where they exist, the holdout as fresh real data,
and the train itself as the known copy case) in both (``Evaluator(embedding="fixed" | "one_class")``)
and prints, per set:

* each file's alpha-precision, beta-recall and authenticity in both spaces;
* whether the **ranking** of the generators by each metric is the same (Kendall's tau between the two
  orders, and the pairs that swap with a difference over 0.01 in both spaces);
* whether the **verdict** of a gate flips: ``alpha_precision >= 0.9``, ``beta_recall >= 0.8``,
  ``authenticity >= holdout's - 0.05`` (issue 14's privacy rule), each file pass / fail in each space.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/representation.py [-d covid] [--report]

Writes ``benchmarks/results/representation.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement import BENCH, GENERATORS, SEED, TARGETS, THREAD_VARS, files, save

OUT = Path(__file__).resolve().parent / "results" / "representation.json"
METRICS = ("alpha_precision", "beta_recall", "authenticity")
SPACES = ("fixed", "one_class")
GATE = {"alpha_precision": 0.9, "beta_recall": 0.8}
AUTH_SLACK = 0.05
SWAP_MARGIN = 0.01


def score_set(ds: str, gens: list[str], rivals: bool) -> dict[str, Any]:
    import pandas as pd

    import synthwise as sw

    train = pd.read_csv(BENCH / f"{ds}.train.csv")
    holdout = pd.read_csv(BENCH / f"{ds}.holdout.csv")
    entries = [*files(ds, [*gens, "holdout"], rivals), ("copy", BENCH / f"{ds}.train.csv")]
    out: dict[str, Any] = {"set": ds, "spaces": {}}
    for space in SPACES:
        t0 = time.perf_counter()
        ev = sw.Evaluator(
            train, holdout=holdout, target=TARGETS[ds], seed=SEED, embedding=space, metrics=METRICS
        )
        fit_s = time.perf_counter() - t0
        scores = {}
        for name, path in entries:
            res = ev.evaluate(pd.read_csv(path))
            scores[name] = {m.name: m.value for m in res.metrics if m.name in METRICS}
        info = getattr(ev.real_side.embedding, "training_", None)
        out["spaces"][space] = {"scores": scores, "fit_s": fit_s, "training": info}
    return out


def verdicts(scores: dict[str, dict[str, float]]) -> dict[str, bool]:
    auth_floor = scores["holdout"]["authenticity"] - AUTH_SLACK
    return {
        name: all(s[m] >= t for m, t in GATE.items()) and s["authenticity"] >= auth_floor
        for name, s in scores.items()
    }


def kendall(a: list[float], b: list[float]) -> float:
    pairs = list(itertools.combinations(range(len(a)), 2))
    if not pairs:
        return 1.0
    agree = sum(((a[i] - a[j]) * (b[i] - b[j]) > 0) - ((a[i] - a[j]) * (b[i] - b[j]) < 0) for i, j in pairs)
    return agree / len(pairs)


def compare(row: dict[str, Any]) -> dict[str, Any]:
    fixed, learned = (row["spaces"][s]["scores"] for s in SPACES)
    names = [n for n in fixed if n in learned]
    out: dict[str, Any] = {"tau": {}, "swaps": {}}
    for m in METRICS:
        a, b = [fixed[n][m] for n in names], [learned[n][m] for n in names]
        out["tau"][m] = kendall(a, b)
        out["swaps"][m] = [
            (names[i], names[j])
            for i, j in itertools.combinations(range(len(names)), 2)
            if (a[i] - a[j]) * (b[i] - b[j]) < 0
            and abs(a[i] - a[j]) > SWAP_MARGIN
            and abs(b[i] - b[j]) > SWAP_MARGIN
        ]
    vf, vl = verdicts(fixed), verdicts(learned)
    out["verdicts"] = {n: {"fixed": vf[n], "one_class": vl[n]} for n in names}
    out["flips"] = [n for n in names if vf[n] != vl[n]]
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        cmp_ = compare(row)
        lines.append(f"== {row['set']}  (one-class training: {row['spaces']['one_class']['training']})")
        head = f"{'file':<28}" + "".join(f"{m[:10]:>11}{'(learned)':>10}" for m in METRICS) + "  gate"
        lines.append(head)
        fixed, learned = (row["spaces"][s]["scores"] for s in SPACES)
        for name in fixed:
            if name not in learned:
                continue
            cells = "".join(f"{fixed[name][m]:>11.3f}{learned[name][m]:>10.3f}" for m in METRICS)
            v = cmp_["verdicts"][name]
            gate = ("pass" if v["fixed"] else "fail") + ("" if v["fixed"] == v["one_class"] else " FLIPS")
            lines.append(f"{name:<28}{cells}  {gate}")
        for m in METRICS:
            swaps = ", ".join(f"{a}/{b}" for a, b in cmp_["swaps"][m]) or "none"
            lines.append(f"  {m}: Kendall tau {cmp_['tau'][m]:+.2f}; swaps over {SWAP_MARGIN}: {swaps}")
    return "\n".join(lines)


def main() -> None:
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-d", "--dataset", action="append", choices=sorted(TARGETS))
    ap.add_argument("-g", "--generator", action="append")
    ap.add_argument("--no-rivals", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--report", action="store_true")
    ns = ap.parse_args()
    if ns.report:
        print(table(json.loads(ns.out.read_text())["rows"]))
        return
    rows = []
    meta = {"seed": SEED, "gate": GATE, "auth_slack": AUTH_SLACK, "swap_margin": SWAP_MARGIN}
    for ds in ns.dataset or list(TARGETS):
        row = score_set(ds, ns.generator or list(GENERATORS), not ns.no_rivals)
        row["compare"] = compare(row)
        row["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
        rows.append(row)
        print(table([row]), flush=True)
        save({"meta": meta, "rows": rows}, ns.out)
    print(f"written {ns.out}")


if __name__ == "__main__":
    main()
