"""sequential_deep: the sequential contract (a short training run), guard and model files."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")

import synthwise as sw
from synthwise.testing.sequential import check_sequential_generator, small_pbcseq


def test_sequential_deep_conformance_on_pbcseq() -> None:
    check_sequential_generator(
        "sequential_deep", small_pbcseq(60), entity="id", sequence_index="day", params={"max_epochs": 3}
    )


def test_training_records_guard_checks() -> None:
    gen: Any = sw.get_generator("sequential_deep", seed=0, max_epochs=4, verbose=False).fit(small_pbcseq(150))
    assert gen.training_["epochs"] >= 1
    assert gen.guard_history_, "150 patients leave enough held-out entities for the guard"
    assert all(0.0 <= c["dcr_share"] <= 1.0 for c in gen.guard_history_)
