"""The fidelity-privacy frontier (issue 14): detection AUC against DCR share, per bench set and generator.

Each variant (a generator name, optionally with parameters: ``cart:privacy=off``) is fitted on
``<set>.train.csv`` of the four public bench sets with seeds 0, 1 and 2, samples as many rows as the
train, and is scored by ``synthwise.evaluate`` against the train and the holdout: detection AUC, DCR
share, exact copies, authenticity, TSTR ratio (train on synthetic, test on real), and the seconds of fit
plus sample. The holdout's own scores (fresh real data) are printed beside them. The table shows the
median over seeds with the spread (min-max); the issue's targets are detection AUC <= 0.60, DCR share
<= 0.55, exact copies <= the holdout's, authenticity >= the holdout's - 0.05.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/frontier.py                        # default variants
    ... -v cart -v cart:privacy=off -v cart:privacy=strict -d cps1988 --seeds 0,1
    ... --report                                                                      # print saved JSON

Writes ``benchmarks/results/frontier.json`` and ``frontier.html`` (one scatter per set: each variant's
seeds as points, detection AUC against DCR share, the target box's corner marked by the holdout).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scores import BENCH, TARGETS

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "frontier.json"
VARIANTS = ("cart", "cart:privacy=balanced", "cart:privacy=off", "gaussian_copula", "bayesian_network")
METRICS = {  # short name -> metric key
    "detect": "fidelity.detection_auc",
    "dcr": "privacy.dcr_share",
    "copies": "privacy.exact_copies",
    "auth": "memorization.authenticity",
    "tstr": "utility.ratio",
}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """``name:key=value,key=value`` (values JSON, else strings)."""
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return name, params


def run_one(variant: str, ds: str, seed: int, train: pd.DataFrame, holdout: pd.DataFrame) -> dict[str, Any]:
    import synthwise as sw

    name, params = parse_variant(variant)
    t0 = time.perf_counter()
    gen = sw.get_generator(name, seed=seed, **params).fit(train)
    synth = gen.sample(len(train), seed=seed)
    seconds = time.perf_counter() - t0
    ev = sw.evaluate(
        train, synth, holdout=holdout, target=TARGETS[ds], seed=seed, metrics=list(METRICS.values())
    )
    row: dict[str, Any] = {"variant": variant, "set": ds, "seed": seed, "seconds": round(seconds, 2)}
    for short, key in METRICS.items():
        res = ev.get(key)
        row[short] = None if res is None else res.value
        row[f"{short}_holdout"] = None if res is None else res.reference
    return row


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median and spread per (set, variant), and whether the issue's targets hold at the median."""
    out = []
    keys = sorted({(r["set"], r["variant"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for ds, variant in keys:
        rs = [r for r in rows if r["set"] == ds and r["variant"] == variant]
        entry: dict[str, Any] = {"set": ds, "variant": variant, "seeds": len(rs)}
        for short in (*METRICS, "seconds"):
            vals = [r[short] for r in rs if r.get(short) is not None]
            entry[short] = statistics.median(vals) if vals else None
            entry[f"{short}_range"] = (min(vals), max(vals)) if vals else None
            hv = [r.get(f"{short}_holdout") for r in rs if r.get(f"{short}_holdout") is not None]
            entry[f"{short}_holdout"] = statistics.median(hv) if hv else None
        ok = (
            entry["detect"] is not None
            and entry["detect"] <= 0.60
            and entry["dcr"] is not None
            and entry["dcr"] <= 0.55
            and (entry["copies_holdout"] is None or entry["copies"] <= entry["copies_holdout"] + 1e-9)
            and (entry["auth_holdout"] is None or entry["auth"] >= entry["auth_holdout"] - 0.05)
        )
        entry["targets_met"] = bool(ok)
        out.append(entry)
    return out


def table(summ: list[dict[str, Any]]) -> str:
    def cell(e: dict[str, Any], k: str) -> str:
        v, rng = e.get(k), e.get(f"{k}_range")
        if v is None:
            return "-"
        return f"{v:.3f}" + (f" ({rng[0]:.3f}-{rng[1]:.3f})" if rng and e["seeds"] > 1 else "")

    head = ["set", "variant", *METRICS, "s", "targets"]
    lines = [head]
    for ds in dict.fromkeys(e["set"] for e in summ):
        entries = [e for e in summ if e["set"] == ds]
        for e in entries:
            lines.append(
                [
                    ds,
                    e["variant"],
                    *(cell(e, k) for k in METRICS),
                    f"{e['seconds']:.1f}",
                    "yes" if e["targets_met"] else "no",
                ]
            )
        hold = [entries[0].get(f"{k}_holdout") for k in METRICS]
        lines.append([ds, "(holdout)"] + [f"{h:.3f}" if h is not None else "-" for h in hold] + ["", ""])
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in lines)


def html(data: dict[str, Any]) -> str:
    import numpy as np

    from synthwise.report.charts import scatter
    from synthwise.report.svg import esc

    rows = data["rows"]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    parts = [
        "<!doctype html><meta charset='utf-8'><title>synthwise frontier</title>",
        "<style>body{font-family:sans-serif;margin:2em}pre{font-size:12px}</style>",
        "<h1>Fidelity-privacy frontier</h1>",
        f"<p>code {esc(data['meta'].get('code', '?'))}; seeds {esc(data['meta'].get('seeds'))}. "
        "Each point is one seed: detection AUC (x, 0.5 ideal, target &le; 0.60) against DCR share "
        "(y, 0.5 ideal, target &le; 0.55); the holdout (fresh real data) is the reference.</p>",
    ]
    for ds in dict.fromkeys(r["set"] for r in rows):
        groups = []
        for i, v in enumerate(variants):
            pts = [(r["detect"], r["dcr"]) for r in rows if r["set"] == ds and r["variant"] == v]
            if pts:
                groups.append((v, np.array(pts, dtype=float), COLORS[i % len(COLORS)]))
        hold = [(r["detect_holdout"], r["dcr_holdout"]) for r in rows if r["set"] == ds]
        hold = [h for h in hold if None not in h]
        if hold:
            groups.append(("holdout", np.array(hold[:1], dtype=float), "#000000"))
        parts.append(f"<h2>{esc(ds)}</h2>")
        parts.append(
            scatter(
                groups, label=f"{ds}: detection AUC vs DCR share", xlabel="detection AUC", ylabel="DCR share"
            )
        )
    parts.append(f"<h2>Table</h2><pre>{esc(table(data['summary']))}</pre>")
    return "\n".join(parts)


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--variant", action="append", help="generator[:key=value,...]; repeatable")
    ap.add_argument("-d", "--dataset", action="append", choices=sorted(TARGETS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--report", action="store_true")
    ns = ap.parse_args()
    if ns.report:
        data = json.loads(ns.out.read_text())
        print(table(data["summary"]))
        return
    import synthwise as sw

    seeds = [int(s) for s in ns.seeds.split(",")]
    rows: list[dict[str, Any]] = []
    for ds in ns.dataset or list(TARGETS):
        train = pd.read_csv(BENCH / f"{ds}.train.csv")
        holdout = pd.read_csv(BENCH / f"{ds}.holdout.csv")
        for variant in ns.variant or list(VARIANTS):
            for seed in seeds:
                row = run_one(variant, ds, seed, train, holdout)
                rows.append(row)
                print(
                    f"{ds:<9} {variant:<24} seed {seed}  "
                    + "  ".join(f"{k} {row[k]:.3f}" for k in METRICS if row[k] is not None)
                    + f"  {row['seconds']:.1f}s",
                    flush=True,
                )
    data = {
        "meta": {"code": sw.__version__, "seeds": seeds, "threads": os.environ.get("OMP_NUM_THREADS")},
        "rows": rows,
        "summary": summary(rows),
    }
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = ns.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, ns.out)
    ns.out.with_suffix(".html").write_text(html(data))
    print(table(data["summary"]))
    print(f"written {ns.out} and {ns.out.with_suffix('.html')}")


if __name__ == "__main__":
    main()
