"""Rival synthesizers beside synthwise in the fidelity-privacy frontier (issue 14).

Each rival library lives in its own virtual environment under ``benchmarks/.venvs/NAME`` (git-ignored,
never a synthwise dependency), built on first use by :mod:`bench_venvs` from the recipes
``/work/shared/BENCH_ANCHORS.md`` records (sdv, mostlyai, synthcity).

This file has two halves. The registry and :func:`synthesize` run under synthwise's interpreter (the
frontier benchmark calls them); the driver runs under a rival's interpreter, imports only pandas at
module level and the rival library inside the driver, never synthwise::

    benchmarks/.venvs/sdv/bin/python benchmarks/rivals.py drive --model sdv_tvae \\
        --train ../shared/bench-data/default.train.csv --rows 8000 --seed 0 --out syn.csv --max-seconds 90
    .venv/bin/python benchmarks/rivals.py list          # the registry, and which venvs exist

The driver fits on the train CSV, samples ``--rows`` rows, and writes the CSV atomically plus a JSON
sidecar beside it (``syn.json``: seconds of fit and of sample, epochs trained, library version, what
was overridden). Torch and OpenMP run on one thread. Deep fits are bounded by ``--max-seconds`` of
wall time in training (preprocessing comes on top and is recorded): SDV's CTGAN and TVAE stop at the
first epoch boundary past the budget (their optimisers have no schedule, so this equals training that
many epochs); synthcity's TabDDPM anneals its learning rate over ``n_iter``, so a short probe fit
times an epoch and ``n_iter`` is chosen to fit the budget; MOSTLY AI's engine takes
``max_training_time`` itself. :func:`synthesize` caches the outputs under
``benchmarks/.venvs/outputs/<model>/<set>.seed<k>.csv`` (reused while rows and budget match).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
OUTPUTS = VENVS / "outputs"
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class Rival:
    """One rival model: the venv it needs, its library and the driver that runs it."""

    venv: str  # benchmarks/.venvs/<venv>
    library: str  # distribution name, for the version
    driver: str  # key of DRIVERS
    algorithm: str  # the library's class or plugin name
    max_seconds: float | None = None  # default wall budget of the fit (deep models)
    missing_ok: bool = True  # False: the library fails on missing values, sets with NaN are skipped
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""


RIVALS: dict[str, Rival] = {
    "sdv_gaussian_copula": Rival(
        "sdv", "sdv", "sdv", "GaussianCopulaSynthesizer", note="PII sdtypes modelled as categorical"
    ),
    "sdv_gaussian_copula_detected": Rival(
        "sdv",
        "sdv",
        "sdv",
        "GaussianCopulaSynthesizer",
        params={"metadata": "detected"},
        note="SDV's detected metadata as is: PII columns become Faker values, id-like columns new ids",
    ),
    "sdv_ctgan": Rival("sdv", "sdv", "sdv", "CTGANSynthesizer", max_seconds=60),
    "sdv_tvae": Rival("sdv", "sdv", "sdv", "TVAESynthesizer", max_seconds=60),
    "sdv_copulagan": Rival("sdv", "sdv", "sdv", "CopulaGANSynthesizer", max_seconds=60),
    "mostlyai_argn": Rival("mostlyai", "mostlyai-engine", "mostlyai", "TabularARGN", max_seconds=120),
    "synthcity_ddpm": Rival("synthcity", "synthcity", "synthcity", "ddpm", max_seconds=180, missing_ok=False),
    "synthcity_arf": Rival("synthcity", "synthcity", "synthcity", "arf", missing_ok=False),
    "synthcity_bayesian_network": Rival(
        "synthcity", "synthcity", "synthcity", "bayesian_network", missing_ok=False
    ),
}


# ----------------------------------------------------------------- the synthwise side (frontier.py)


def venv_python(model: str) -> Path:
    return VENVS / RIVALS[model].venv / "bin" / "python"


def unavailable(model: str, train: pd.DataFrame | None = None) -> str | None:
    """Why ``model`` cannot run (on ``train``), or None when it can."""
    if model not in RIVALS:
        return f"unknown rival {model!r} (known: {', '.join(RIVALS)})"
    rival = RIVALS[model]
    if not venv_python(model).exists():
        return f"no venv at {VENVS / rival.venv} (build it: python benchmarks/bench_venvs.py {rival.venv})"
    if train is not None and not rival.missing_ok and train.isna().any().any():
        cols = [str(c) for c in train.columns if train[c].isna().any()]
        return f"{rival.library} fails on missing values; NaN in {', '.join(cols)}"
    return None


def thread_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({var: "1" for var in THREAD_VARS})
    env["TQDM_DISABLE"] = "1"  # the progress bars of synthcity's epochs would fill the logs
    return env


def synthesize(
    model: str,
    dataset: str,
    seed: int,
    train_csv: Path,
    rows: int,
    max_seconds: float | None = None,
    fresh: bool = False,
) -> tuple[Path | None, dict[str, Any]]:
    """The cached synthetic CSV of ``model`` on ``dataset`` with ``seed`` (made in the rival's venv when
    missing) and its sidecar; (None, {"skipped": reason}) when it cannot be made."""
    train = pd.read_csv(train_csv)
    if model in RIVALS and not venv_python(model).exists():
        import bench_venvs

        bench_venvs.ensure(RIVALS[model].venv)  # from its recipe (shared/BENCH_ANCHORS.md)
    reason = unavailable(model, train)
    if reason:
        return None, {"skipped": reason}
    budget = RIVALS[model].max_seconds if max_seconds is None else max_seconds
    out = OUTPUTS / model / f"{dataset}.seed{seed}.csv"
    side = out.with_suffix(".json")
    if out.exists() and side.exists() and not fresh:
        info = json.loads(side.read_text())
        if info.get("rows") == rows and info.get("max_seconds") == budget:
            info["cached"] = True
            return out, info
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(venv_python(model)), str(Path(__file__).resolve()), "drive", "--model", model]
    cmd += ["--train", str(train_csv), "--rows", str(rows), "--seed", str(seed), "--out", str(out)]
    if budget is not None:
        cmd += ["--max-seconds", str(budget)]
    log = out.with_suffix(".log")
    timeout = 1800 + 4 * (budget or 0)
    with log.open("w") as fh:
        try:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=thread_env(), timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, {"skipped": f"driver timed out after {timeout} s (log {log})"}
    if proc.returncode != 0 or not out.exists():
        tail = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()][-1:]
        return None, {
            "skipped": f"driver failed (exit {proc.returncode}): {' '.join(tail)[:300]} (log {log})"
        }
    info = json.loads(side.read_text())
    info["cached"] = False
    return out, info


# ----------------------------------------------------------------------- the driver (rival's venv)


class Deadline:
    """Stands in for ``tqdm`` around an epoch loop: stops at the first epoch boundary once the loop has
    run ``seconds`` (the budget bounds training, as MOSTLY AI's ``max_training_time`` does)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end: float | None = None
        self.began: float | None = None
        self.epochs = 0
        self.planned: int | None = None
        self.stopped = False

    def __call__(self, iterable: Any, *args: Any, **kwargs: Any) -> Any:
        items = list(iterable)
        self.planned, self.epochs, self.stopped = len(items), 0, False
        self.began = time.perf_counter()
        self.end = None if self.seconds is None else self.began + self.seconds

        def epochs() -> Any:
            for item in items:
                if self.epochs and self.end is not None and time.perf_counter() >= self.end:
                    self.stopped = True
                    return
                yield item
                self.epochs += 1

        return epochs()


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def drive_sdv(
    rival: Rival, train: pd.DataFrame, rows: int, seed: int, max_seconds: float | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    import ctgan.synthesizers.ctgan as ctgan_module
    import ctgan.synthesizers.tvae as tvae_module
    import sdv.single_table as single
    from sdv.metadata import Metadata

    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    metadata = Metadata.detect_from_dataframes({"t": train})
    columns = metadata.to_dict()["tables"]["t"]["columns"]
    info["sdtypes_detected"] = {c: v["sdtype"] for c, v in columns.items()}
    overrides: dict[str, str] = {}
    if rival.params.get("metadata") != "detected":
        for col, spec in columns.items():
            sdtype = spec["sdtype"]
            if sdtype not in ("numerical", "categorical", "boolean", "datetime", "ordinal", "id"):
                overrides[col] = f"{sdtype} -> categorical (else Faker values)"
            elif sdtype == "id" and train[col].nunique() < 0.5 * len(train):
                overrides[col] = f"id -> categorical ({train[col].nunique()} values in {len(train)} rows)"
        for col in overrides:
            metadata.update_column(column_name=col, table_name="t", sdtype="categorical")
    info["sdtype_overrides"] = overrides
    deadline = Deadline(max_seconds)
    ctgan_module.tqdm = deadline
    tvae_module.tqdm = deadline
    synth = getattr(single, rival.algorithm)(metadata)
    seed_everything(seed)
    synth.fit({"t": train})
    info["seconds_fit"] = time.perf_counter() - t0
    if deadline.began is not None:
        info.update(
            epochs=deadline.epochs,
            epochs_planned=deadline.planned,
            stopped_by_budget=deadline.stopped,
            seconds_before_training=deadline.began - t0,
        )
    t1 = time.perf_counter()
    synth._set_random_state(seed)  # SDV samples with a fixed seed otherwise
    out = synth.sample(rows)
    info["seconds_sample"] = time.perf_counter() - t1
    return (out["t"] if isinstance(out, dict) else out), info


def drive_mostlyai(
    rival: Rival, train: pd.DataFrame, rows: int, seed: int, max_seconds: float | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from mostlyai.engine import TabularARGN

    info: dict[str, Any] = {}
    ws = Path(tempfile.mkdtemp(prefix="mostlyai-ws-"))
    try:
        t0 = time.perf_counter()
        minutes = None if max_seconds is None else max_seconds / 60
        model = TabularARGN(
            max_training_time=minutes, random_state=seed, workspace_dir=ws, device="cpu", verbose=0
        )
        model.fit(train)
        info["seconds_fit"] = time.perf_counter() - t0
        progress = ws / "ModelStore" / "model-data" / "progress-messages.csv"
        if progress.exists():
            msgs = pd.read_csv(progress)
            info["epochs"] = float(msgs["epoch"].max()) if "epoch" in msgs else None
            info["progress_last"] = {k: (None if pd.isna(v) else v) for k, v in msgs.iloc[-1].items()}
        t1 = time.perf_counter()
        out = model.sample(n_samples=rows)
        info["seconds_sample"] = time.perf_counter() - t1
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    return out, info


def drive_synthcity(
    rival: Rival, train: pd.DataFrame, rows: int, seed: int, max_seconds: float | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    import torch
    from synthcity.plugins import Plugins
    from synthcity.plugins.core.dataloader import GenericDataLoader

    info: dict[str, Any] = {}
    ws = Path(tempfile.mkdtemp(prefix="synthcity-ws-"))
    plugins = Plugins(categories=["generic"])
    kwargs: dict[str, Any] = {"random_state": seed, "workspace": ws, "device": torch.device("cpu")}
    if rival.algorithm == "ddpm":
        # strict is the plugin's (not generate's) flag: strict sampling drops rows outside the train's
        # ranges and deduplicates, and for ddpm can loop for minutes to refill them
        kwargs["strict"] = False
    kwargs.update(rival.params)
    try:
        if rival.algorithm == "ddpm" and max_seconds is not None:
            probe_iter = 3
            tp = time.perf_counter()
            plugins.get(rival.algorithm, **{**kwargs, "n_iter": probe_iter}).fit(GenericDataLoader(train))
            probe = time.perf_counter() - tp
            per_epoch = probe / probe_iter  # an upper bound: the probe's set-up counts as epochs
            kwargs["n_iter"] = int(max(1, min(1000, max_seconds // per_epoch)))
            info.update(probe_seconds=probe, probe_epochs=probe_iter, epochs_planned=1000)
        t0 = time.perf_counter()
        plugin = plugins.get(rival.algorithm, **kwargs)
        plugin.fit(GenericDataLoader(train))
        info["seconds_fit"] = time.perf_counter() - t0
        if "n_iter" in kwargs:
            info["epochs"] = kwargs["n_iter"]
        t1 = time.perf_counter()
        out = plugin.generate(count=rows, random_state=seed).dataframe()
        info["seconds_sample"] = time.perf_counter() - t1
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    return out, info


DRIVERS = {"sdv": drive_sdv, "mostlyai": drive_mostlyai, "synthcity": drive_synthcity}


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def drive(ns: argparse.Namespace) -> None:
    for var in THREAD_VARS:
        os.environ[var] = "1"
    import torch

    torch.set_num_threads(1)
    from importlib.metadata import version

    rival = RIVALS[ns.model]
    train = pd.read_csv(ns.train)
    synth, info = DRIVERS[rival.driver](rival, train, ns.rows, ns.seed, ns.max_seconds)
    missing = [c for c in train.columns if c not in synth.columns]
    extra = [str(c) for c in synth.columns if c not in train.columns]
    synth = synth[[c for c in train.columns if c in synth.columns]]
    info = {
        "model": ns.model,
        "library": rival.library,
        "version": version(rival.library),
        "algorithm": rival.algorithm,
        "params": rival.params,
        "seed": ns.seed,
        "rows": ns.rows,
        "rows_written": len(synth),
        "max_seconds": ns.max_seconds,
        "columns_missing": missing,
        "columns_extra": extra,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "train": str(ns.train),
        **info,
    }
    info["seconds"] = info["seconds_fit"] + info["seconds_sample"]
    out = Path(ns.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    synth.to_csv(tmp, index=False)
    write_atomic(out.with_suffix(".json"), json.dumps(info, indent=1, default=str) + "\n")
    os.replace(tmp, out)
    print(
        json.dumps(
            {k: info.get(k) for k in ("model", "seconds_fit", "seconds_sample", "epochs")}, default=str
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    dr = sub.add_parser("drive", help="fit and sample one rival (run with the rival venv's python)")
    dr.add_argument("--model", required=True, choices=sorted(RIVALS))
    dr.add_argument("--train", required=True, type=Path)
    dr.add_argument("--rows", required=True, type=int)
    dr.add_argument("--seed", type=int, default=0)
    dr.add_argument("--out", required=True, type=Path)
    dr.add_argument("--max-seconds", type=float, default=None, help="wall budget of a deep fit")
    sub.add_parser("list", help="the registry and which venvs exist")
    ns = ap.parse_args()
    if ns.command == "drive":
        drive(ns)
        return
    for name, rival in RIVALS.items():
        state = unavailable(name) or "ready"
        budget = f"{rival.max_seconds:.0f} s" if rival.max_seconds else "-"
        print(f"{name:<30} {rival.venv:<10} {rival.algorithm:<28} budget {budget:<6} {state}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
