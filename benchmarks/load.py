"""Evaluation under load (issue 15): how much do busy neighbours slow ``evaluate`` down?

Scores a 4,870-row covid train sample against a cart sample and the covid holdout (every metric that
applies) on an idle machine, then beside 2 and 6 busy processes (pure-Python loops, one core each), each
time in a fresh interpreter: once with the thread counts synthwise chooses (the free cores, see
``synthwise.threads``) and once forcing one thread per core (``SYNTHWISE_THREADS=<cores>``, what the
compiled libraries do by themselves). Prints seconds and the ratio to idle; the target is at most 2.5x
idle beside two busy neighbours. Writes ``benchmarks/results/load.json``.

    .venv/bin/python benchmarks/load.py            # run it on a machine nothing else is using
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "load.json"
JOB = """
import time, pandas as pd, synthwise as sw
from synthwise.threads import available_threads
tr = pd.read_csv({bench!r} + "/covid.train.csv").iloc[:4870]
ho = pd.read_csv({bench!r} + "/covid.holdout.csv")
syn = sw.get_generator("cart", seed=0, privacy="off").fit(tr).sample(len(tr), seed=1)
threads = available_threads()  # what evaluate chooses as it starts
t0 = time.perf_counter()
sw.evaluate(tr, syn, holdout=ho, seed=0)
print(time.perf_counter() - t0, threads)
"""


def run(neighbours: int, forced: int | None) -> tuple[float, int]:
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(neighbours)]
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "SYNTHWISE_THREADS")}
        if forced:
            env["SYNTHWISE_THREADS"] = str(forced)
        bench = str(HERE.parents[1] / "shared" / "bench-data")
        out = subprocess.run(
            [sys.executable, "-c", JOB.format(bench=bench)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return float(out[0]), int(out[1])
    finally:
        for p in busy:
            p.kill()
            p.wait()


def main() -> None:
    from synthwise.threads import cores

    n = cores()
    rows = []
    print(f"{cores()} cores; seconds of evaluate (ratio to idle)")
    for label, forced in (("chosen threads", None), (f"{n} threads forced", n)):
        idle = None
        for neighbours in (0, 2, 6):
            seconds, threads = run(neighbours, forced)
            idle = idle or seconds
            rows.append(
                {"mode": label, "neighbours": neighbours, "seconds": round(seconds, 2), "threads": threads}
            )
            ratio = seconds / idle
            print(f"{label:<20} {neighbours} busy: {seconds:6.1f} s ({ratio:.1f}x idle), {threads} threads")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"cores": n, "rows": rows}, indent=1) + "\n")
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
