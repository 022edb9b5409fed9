"""Test support for sampling in blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path


def folder_digest(folder: str | Path) -> dict[str, str]:
    """The SHA-256 of every file in ``folder`` (hidden temporary files included), by name: two runs
    wrote the same bytes when their digests are equal."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir())}
