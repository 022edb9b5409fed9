"""Shared fixtures of the scale tests: a small fitted model and the serial run every engine must match."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthwise.generators import create
from synthwise.scale import SerialExecutor, sample_to_folder
from synthwise.testing.generators import mixed_table
from synthwise.testing.scale import folder_digest

N, BLOCKS, SEED = 6_000, 4, 11  # test modules repeat these


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "copula.synthwise"
    create("gaussian_copula", seed=0).fit(mixed_table(300)).save(str(path))
    return path


@pytest.fixture(scope="module")
def reference(model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("ref") / "out"
    result = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS, executor=SerialExecutor())
    assert (result.rows, result.n_blocks, result.written, result.complete) == (N, BLOCKS, BLOCKS, True)
    return folder_digest(out)
