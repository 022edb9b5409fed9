"""DP-SGD speed: ``dp_ar`` fit and sample time per device on the bench splits (issue 6).

Fits ``dp_ar`` (epsilon 1, seed 0, default epochs) on each train split and samples as many rows, on each
device asked for; prints a table and writes JSON (``benchmarks/results/dp_speed.json``, or ``--out``).
The DP guarantee does not depend on the device; the noise multiplier printed shows that.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/dp_speed.py --devices cpu
    python3 benchmarks/dp_speed.py --devices cuda,cpu --data .benchdata --out $OUT/dp_speed.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from synthwise.generators import create
from synthwise.testing import marginal_error

DATA = Path("/work/shared/bench-data")
OUT = Path(__file__).parent / "results" / "dp_speed.json"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="default,cps1988,covid,diamonds")
    parser.add_argument("--devices", default="cpu")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import torch

    rows = []
    header = ("set", "device", "rows", "fit s", "sample s", "sigma", "marg. err")
    print(f"{header[0]:10s} {header[1]:6s} " + " ".join(f"{h:>9s}" for h in header[2:]))
    for name in args.sets.split(","):
        train = pd.read_csv(args.data / f"{name}.train.csv")
        for device in args.devices.split(","):
            if device.startswith("cuda") and not torch.cuda.is_available():
                print(f"{name:10s} {device:6s} no CUDA device")
                continue
            gen = create("dp_ar", epsilon=1.0, seed=0, device=device, verbose=False)
            t0 = time.perf_counter()
            gen.fit(train)
            fit_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            syn = gen.sample(len(train), seed=1)
            sample_s = time.perf_counter() - t0
            err = marginal_error(train, syn)
            sigma = gen.training_["noise_multiplier"]  # type: ignore[attr-defined]
            rows.append(
                {
                    "set": name,
                    "device": device,
                    "rows": len(train),
                    "fit_s": round(fit_s, 2),
                    "sample_s": round(sample_s, 2),
                    "noise_multiplier": sigma,
                    "marginal_error": round(err, 4),
                }
            )
            cells = f"{len(train):9,d} {fit_s:9.1f} {sample_s:9.2f} {sigma:9.2f} {err:9.4f}"
            print(f"{name:10s} {device:6s} {cells}", flush=True)
    info = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "machine": platform.machine(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "threads": torch.get_num_threads(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"info": info, "results": rows}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
