"""State dicts as plain arrays: exact round trip, strict loading."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.weights import load_module_arrays, module_arrays  # noqa: E402
from synthwise.errors import ModelFileError  # noqa: E402

pytestmark = pytest.mark.deep


def _net() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))


def test_round_trip_is_exact_and_plain_numpy() -> None:
    a = _net()
    arrays = module_arrays(a, "net/")
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in arrays.values())
    b = _net()
    load_module_arrays(b, arrays, "net/")
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)


def test_missing_or_misshapen_array_is_a_model_file_error() -> None:
    arrays = module_arrays(_net(), "net/")
    arrays.pop("net/0.weight")
    with pytest.raises(ModelFileError, match="refit"):
        load_module_arrays(_net(), arrays, "net/")
    arrays = module_arrays(_net(), "net/")
    arrays["net/0.weight"] = np.zeros((5, 5), dtype=np.float32)
    with pytest.raises(ModelFileError):
        load_module_arrays(_net(), arrays, "net/")
