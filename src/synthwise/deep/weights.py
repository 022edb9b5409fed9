"""Torch state dicts to plain numpy arrays and back, for model files that never hold a pickle.

``module_arrays(module, "g.")`` flattens a state dict into ``{"g.layer.weight": ndarray, ...}``;
``load_module_arrays(module, arrays, "g.")`` rebuilds the tensors with ``torch.from_numpy`` and loads
them with ``load_state_dict(strict=True)``, so a missing, extra or misshapen array is an error.
"""

from __future__ import annotations

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.errors import ModelFileError


def module_arrays(module: nn.Module, prefix: str) -> dict[str, np.ndarray]:
    """The module's state dict as numpy arrays (copied to the CPU), keys prefixed with ``prefix``."""
    return {prefix + k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_module_arrays(module: nn.Module, arrays: dict[str, np.ndarray], prefix: str) -> None:
    """Load the arrays whose keys start with ``prefix`` into ``module`` (strictly)."""
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    state = {
        k[len(prefix) :]: torch.from_numpy(np.ascontiguousarray(v)).to(device)
        for k, v in arrays.items()
        if k.startswith(prefix)
    }
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(
            f"The network weights in the model file do not fit the network ({exc}). "
            "Fix: refit and save the model again with this synthwise version."
        ) from exc
