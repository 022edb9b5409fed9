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

Rivals: a variant ``rival/<model>`` (``rival/sdv_tvae``, ``rival/mostlyai_argn:max_seconds=60``; the
models are ``benchmarks/rivals.py``'s registry) takes its synthetic table from that library, fitted in
its own venv under ``benchmarks/.venvs`` by ``rivals.py``'s driver (cached CSVs are reused), and is
scored by the same ``evaluate`` call with the same seed; its seconds are the driver's fit plus sample.
A rival whose venv is missing, or which cannot take the set, is listed as skipped with the reason.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/frontier.py -v rival/sdv_tvae \
        -v rival/mostlyai_argn --out benchmarks/results/frontier_rivals.json --resume \
        --also benchmarks/results/frontier.json    # the HTML shows synthwise's variants beside them
    ... --report --out benchmarks/results/frontier_rivals.json --also benchmarks/results/frontier.json

``--resume`` keeps the rows already in ``--out`` and rewrites it after every run; ``--also`` adds the
rows of other result files to the table and the HTML (``--html`` picks its path).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rivals
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
COLORS = (
    *("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"),
    *("#bcbd22", "#7f7f7f", "#aec7e8", "#ff9896", "#98df8a", "#c5b0d5", "#ffbb78", "#c49c94"),
)
RIVAL = "rival/"  # variant prefix of a rival library's model
RIVAL_FIELDS = ("seconds_fit", "seconds_sample", "epochs", "epochs_planned", "version", "cached")


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


def rival_table(
    model: str, ds: str, seed: int, rows: int, params: dict[str, Any]
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """A rival's synthetic table (from its venv, or the cache) and what its driver recorded."""
    unknown = set(params) - {"max_seconds", "fresh"}
    if unknown:
        raise SystemExit(f"rival variants take max_seconds and fresh, not {', '.join(sorted(unknown))}")
    path, info = rivals.synthesize(
        model,
        ds,
        seed,
        BENCH / f"{ds}.train.csv",
        rows,
        max_seconds=params.get("max_seconds"),
        fresh=bool(params.get("fresh")),
    )
    return (None if path is None else pd.read_csv(path)), info


def run_one(variant: str, ds: str, seed: int, train: pd.DataFrame, holdout: pd.DataFrame) -> dict[str, Any]:
    import synthwise as sw

    name, params = parse_variant(variant)
    extra: dict[str, Any] = {}
    if name.startswith(RIVAL):
        synth, info = rival_table(name[len(RIVAL) :], ds, seed, len(train), params)
        if synth is None:
            return {"variant": variant, "set": ds, "seed": seed, "skipped": info["skipped"]}
        seconds = info["seconds"]
        extra = {k: info.get(k) for k in RIVAL_FIELDS}
        extra["columns_missing"] = [c for c in train.columns if c not in synth.columns]
        extra["sdtype_overrides"] = info.get("sdtype_overrides")
    else:
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
    row.update({k: v for k, v in extra.items() if v is not None})
    return row


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median and spread per (set, variant), and whether the issue's targets hold at the median."""
    out = []
    keys = sorted({(r["set"], r["variant"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for ds, variant in keys:
        rs = [r for r in rows if r["set"] == ds and r["variant"] == variant and "skipped" not in r]
        if not rs:
            reason = next(r["skipped"] for r in rows if r["set"] == ds and r["variant"] == variant)
            out.append({"set": ds, "variant": variant, "seeds": 0, "skipped": reason, "targets_met": False})
            continue
        entry: dict[str, Any] = {"set": ds, "variant": variant, "seeds": len(rs)}
        epochs = [r["epochs"] for r in rs if r.get("epochs") is not None]
        if epochs:
            entry["epochs"] = statistics.median(epochs)
            entry["epochs_range"] = (min(epochs), max(epochs))
        for short in (*METRICS, "seconds"):
            vals = [r[short] for r in rs if r.get(short) is not None]
            entry[short] = statistics.median(vals) if vals else None
            entry[f"{short}_range"] = (min(vals), max(vals)) if vals else None
            hv = [r[f"{short}_holdout"] for r in rs if r.get(f"{short}_holdout") is not None]
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

    with_epochs = any(e.get("epochs") is not None for e in summ)  # rivals' deep models
    head = ["set", "variant", *METRICS, "s", *(["epochs"] if with_epochs else []), "targets"]
    lines = [head]
    for ds in dict.fromkeys(e["set"] for e in summ):
        entries = [e for e in summ if e["set"] == ds and "skipped" not in e]
        for e in entries:
            epochs = [f"{e['epochs']:g}" if e.get("epochs") is not None else "-"] if with_epochs else []
            lines.append(
                [
                    ds,
                    e["variant"],
                    *(cell(e, k) for k in METRICS),
                    f"{e['seconds']:.1f}",
                    *epochs,
                    "yes" if e["targets_met"] else "no",
                ]
            )
        if entries:
            hold = [entries[0].get(f"{k}_holdout") for k in METRICS]
            pad = ["", ""] + ([""] if with_epochs else [])
            lines.append([ds, "(holdout)"] + [f"{h:.3f}" if h is not None else "-" for h in hold] + pad)
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    text = "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in lines)
    skipped = [f"{e['set']:<9} {e['variant']}: skipped, {e['skipped']}" for e in summ if "skipped" in e]
    return "\n".join([text, *skipped])


def html(data: dict[str, Any]) -> str:
    import numpy as np

    from synthwise.report.charts import scatter
    from synthwise.report.svg import esc

    rows = [r for r in data["rows"] if "skipped" not in r]
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


def loadavg() -> str | None:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return None


def commit() -> str:
    def git(*args: str) -> str:
        res = subprocess.run(["git", "-C", str(HERE), *args], capture_output=True, text=True, check=False)
        return res.stdout.strip()

    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        "+dirty" if git("status", "--porcelain") else ""
    )


def save(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


def merged(data: dict[str, Any], also: list[Path]) -> dict[str, Any]:
    """``data`` with the rows of the ``also`` files appended (their variants keep their names)."""
    if not also:
        return data
    rows = list(data["rows"])
    for path in also:
        rows += json.loads(path.read_text())["rows"]
    meta = {**data["meta"], "also": [str(p) for p in also]}
    return {"meta": meta, "rows": rows, "summary": summary(rows)}


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--variant", action="append", help="generator[:key=value,...]; repeatable")
    ap.add_argument("-d", "--dataset", action="append", choices=sorted(TARGETS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--resume", action="store_true", help="keep --out's rows, skip them, save after each run")
    ap.add_argument("--also", type=Path, action="append", default=[], help="more result JSON for table/HTML")
    ap.add_argument("--html", type=Path, default=None, help="the HTML's path (default: --out as .html)")
    ns = ap.parse_args()
    html_path = ns.html or ns.out.with_suffix(".html")
    if ns.report:
        data = json.loads(ns.out.read_text())
        if ns.also:
            data = merged(data, ns.also)
            html_path.write_text(html(data))
        print(table(data["summary"]))
        return
    import synthwise as sw

    seeds = [int(s) for s in ns.seeds.split(",")]
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {
        "code": sw.__version__,
        "seeds": seeds,
        "threads": os.environ.get("OMP_NUM_THREADS"),
    }
    variants = ns.variant or list(VARIANTS)
    if ns.resume and ns.out.exists():
        old = json.loads(ns.out.read_text())
        rows = [r for r in old["rows"] if "skipped" not in r]  # a skipped run is tried again
        meta = {**old["meta"], **meta, "seeds": sorted({*old["meta"].get("seeds", []), *seeds})}
    run: dict[str, Any] | None = None
    if any(v.startswith(RIVAL) for v in variants):  # the machine is shared: record its load per run
        run = {"variants": variants, "datasets": ns.dataset or list(TARGETS), "seeds": seeds}
        run.update(commit=commit(), started=time.strftime("%Y-%m-%d %H:%M:%S"), loadavg_start=loadavg())
        run["synthwise"] = str(Path(sw.__file__).parent)  # the source that scores (PYTHONPATH may pin one)
        meta.update(commit=run["commit"])
        meta.setdefault("loadavg_start", run["loadavg_start"])
        meta.setdefault("runs", []).append(run)
        for variant in variants:
            model = parse_variant(variant)[0][len(RIVAL) :]
            if variant.startswith(RIVAL) and model in rivals.RIVALS:
                rival = rivals.RIVALS[model]
                meta.setdefault("rivals", {})[model] = {
                    "venv": rival.venv,
                    "library": rival.library,
                    "algorithm": rival.algorithm,
                    "max_seconds": rival.max_seconds,
                    "note": rival.note,
                }
    done = {(r["variant"], r["set"], r["seed"]) for r in rows}
    for ds in ns.dataset or list(TARGETS):
        train = pd.read_csv(BENCH / f"{ds}.train.csv")
        holdout = pd.read_csv(BENCH / f"{ds}.holdout.csv")
        for variant in variants:
            for seed in seeds:
                if (variant, ds, seed) in done:
                    continue
                load = loadavg()
                row = run_one(variant, ds, seed, train, holdout)
                if variant.startswith(RIVAL) and load:
                    row["loadavg"] = float(load.split()[0])  # 1-minute load when the run began
                rows.append(row)
                if "skipped" in row:
                    print(f"{ds:<9} {variant:<24} seed {seed}  skipped: {row['skipped']}", flush=True)
                    if ns.resume:
                        save({"meta": meta, "rows": rows, "summary": summary(rows)}, ns.out)
                    continue
                print(
                    f"{ds:<9} {variant:<24} seed {seed}  "
                    + "  ".join(f"{k} {row[k]:.3f}" for k in METRICS if row[k] is not None)
                    + f"  {row['seconds']:.1f}s"
                    + (f"  epochs {row['epochs']:g}" if row.get("epochs") is not None else ""),
                    flush=True,
                )
                if ns.resume:
                    save({"meta": meta, "rows": rows, "summary": summary(rows)}, ns.out)
    if run is not None:
        run.update(ended=time.strftime("%Y-%m-%d %H:%M:%S"), loadavg_end=loadavg())
        meta["loadavg_end"] = run["loadavg_end"]
    data = {"meta": meta, "rows": rows, "summary": summary(rows)}
    save(data, ns.out)
    shown = merged(data, ns.also)
    html_path.write_text(html(shown))
    print(table(shown["summary"]))
    print(f"written {ns.out} and {html_path}")


if __name__ == "__main__":
    main()
