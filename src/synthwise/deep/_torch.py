"""The one place that imports torch: a missing torch becomes a MissingDependencyError naming the extra."""

from __future__ import annotations

from synthwise.errors import MissingDependencyError

try:
    import torch
    from torch import nn
except ModuleNotFoundError as exc:
    raise MissingDependencyError(
        exc.name or "torch", "deep", "The deep generators (tvae, ctgan, diffusion)"
    ) from exc

__all__ = ["nn", "torch"]
