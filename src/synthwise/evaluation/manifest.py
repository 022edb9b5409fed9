"""The run manifest: what went in (file hashes, row counts), with which versions and settings."""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from synthwise.evaluation.context import Settings

_PACKAGES = ("synthwise", "numpy", "pandas", "scipy", "scikit-learn")


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_info(df: pd.DataFrame, path: str | os.PathLike[str] | None) -> dict[str, Any]:
    info: dict[str, Any] = {"rows": len(df), "columns": int(df.shape[1])}
    if path is not None:
        info["path"] = str(path)
        info["sha256"] = file_sha256(path)
    return info


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def settings_info(settings: Settings) -> dict[str, Any]:
    return asdict(settings)
