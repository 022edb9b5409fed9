"""The run manifest: what went in (file hashes, row counts), with which versions and settings."""

from __future__ import annotations

import platform
from dataclasses import asdict
from importlib import metadata
from typing import Any

from synthwise.evaluation.context import Settings
from synthwise.evaluation.inputs import Input

_PACKAGES = ("synthwise", "numpy", "pandas", "scipy", "scikit-learn")


def input_info(table: Input) -> dict[str, Any]:
    """Rows and columns of an input; its path and SHA-256 when it was read from a file."""
    info: dict[str, Any] = {"rows": len(table.frame), "columns": int(table.frame.shape[1])}
    if table.path is not None:
        info["path"] = table.path
        info["sha256"] = table.sha256
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
