"""The benchmark venvs: rivals and reference metric implementations, each in its own virtual environment.

None of these packages is a synthwise dependency (licences, pins that fight ours: synthcity wants
torch < 2.3, anonymeter old numpy / pandas). Each lives under ``benchmarks/.venvs/NAME`` (git-ignored)
and is driven through a subprocess. The recipes are the ones ``shared/BENCH_ANCHORS.md`` records as
working on this machine kind (Python 3.11, CPU); :func:`ensure` builds a missing venv from its recipe,
so a benchmark installs what it needs itself::

    .venv/bin/python benchmarks/bench_venvs.py refs anonymeter     # build (or check) these
    .venv/bin/python benchmarks/bench_venvs.py --list

A venv counts as built once its marker file (``.recipe``, written last, holding the recipe) matches
the recipe: a half-finished install is redone, a changed recipe rebuilds.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"
PYTHON = "python3.11"
TORCH_CPU = "torch==2.13.0"  # the CPU build; any other version pulls a multi-GB CUDA build
# name -> pip commands, run in order with the venv's pip ("-" first: uninstall)
RECIPES: dict[str, tuple[tuple[str, ...], ...]] = {
    "sdv": ((TORCH_CPU,), ("sdv",)),
    "mostlyai": ((TORCH_CPU,), ("mostlyai-engine",), ("-", "torchvision", "torchaudio")),
    # synthcity pins torch < 2.3 (pip takes a 2.2.2 build that runs on CPU); prdc for the PRDC reference
    "synthcity": (("synthcity",), ("opacus==1.5.2", "prdc")),
    # mostlyai-qa (DCR share) and SDMetrics (detection) share one venv
    "refs": ((TORCH_CPU,), ("mostlyai-qa", "sdmetrics")),
    # anonymeter pins older numpy / pandas: alone
    "anonymeter": (("anonymeter",),),
}


def python(name: str) -> Path:
    return VENVS / name / "bin" / "python"


def _marker(name: str) -> Path:
    return VENVS / name / ".recipe"


def _recipe_text(name: str) -> str:
    return "\n".join(" ".join(step) for step in RECIPES[name]) + "\n"


def built(name: str) -> bool:
    marker = _marker(name)
    return python(name).exists() and marker.exists() and marker.read_text() == _recipe_text(name)


def ensure(name: str, *, quiet: bool = False) -> Path:
    """The venv's interpreter, building the venv from its recipe first when it is missing or stale."""
    if name not in RECIPES:
        raise SystemExit(f"bench_venvs: no recipe named {name!r} (known: {', '.join(RECIPES)})")
    if built(name):
        return python(name)
    root = VENVS / name
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    out = subprocess.DEVNULL if quiet else None
    subprocess.run([PYTHON, "-m", "venv", str(root)], check=True, stdout=out)
    pip = [str(python(name)), "-m", "pip", "--disable-pip-version-check", "-q"]
    for step in RECIPES[name]:
        if step[0] == "-":
            subprocess.run([*pip, "uninstall", "-y", *step[1:]], check=True, stdout=out)
        else:
            subprocess.run([*pip, "install", *step], check=True, stdout=out)
    _marker(name).write_text(_recipe_text(name))  # last: a venv without it is rebuilt
    return python(name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="venvs to build when missing")
    ap.add_argument("--list", action="store_true", help="the recipes and which venvs are built")
    ns = ap.parse_args()
    if ns.list or not ns.names:
        for name in RECIPES:
            state = "built" if built(name) else "missing"
            print(f"{name:<11} {state:<8} {' && '.join(' '.join(s) for s in RECIPES[name])}")
        return
    for name in ns.names:
        print(f"{name}: {ensure(name)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
