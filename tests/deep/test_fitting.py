"""Glue of the deep generators: the validation split, auto epochs, parameter checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.deep.fitting import (
    MAX_VALIDATION_ROWS,
    auto_epochs,
    in_chunks,
    prepare,
    steps_and_check_every,
    validate_common,
)
from synthwise.errors import InvalidParameterError
from synthwise.transforms import TableTransformer


def _codes(n: int) -> tuple[pd.DataFrame, sw.Schema]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], size=n)})
    schema = sw.infer_schema(df)
    return TableTransformer(schema).fit(df).to_codes(df), schema


def test_prepare_splits_rows_and_builds_the_guard() -> None:
    codes, schema = _codes(1000)
    prep = prepare(
        codes, schema, np.random.default_rng(0), validation_fraction=0.1, guard_threshold=0.55, numeric="gmm"
    )
    assert len(prep.train) == 900 and len(prep.valid) == 100
    assert prep.guard is not None and prep.guard.n_rows == 100
    assert prep.train.shape[1] == prep.encoder.width


def test_small_tables_train_on_every_row_without_guard() -> None:
    codes, schema = _codes(60)
    prep = prepare(
        codes,
        schema,
        np.random.default_rng(0),
        validation_fraction=0.1,
        guard_threshold=0.55,
        numeric="quantile",
    )
    assert len(prep.train) == 60 and len(prep.valid) == 0 and prep.guard is None


def test_validation_rows_are_capped() -> None:
    assert MAX_VALIDATION_ROWS == 5000


def test_auto_epochs_and_steps() -> None:
    assert auto_epochs(7, 10, target_steps=6000, cap=300) == 7
    assert auto_epochs(None, 14, target_steps=6000, cap=300) == 300
    assert auto_epochs(None, 40, target_steps=6000, cap=300) == 150
    assert steps_and_check_every(1000, 500, steps_per_check=200) == (500, 2, 100)
    assert steps_and_check_every(30, 500, steps_per_check=200) == (30, 1, 200)


def test_in_chunks_stacks_in_order() -> None:
    out = in_chunks(25, lambda k: np.full((k, 1), k), chunk=10)
    assert out[:, 0].tolist() == [10] * 10 + [10] * 10 + [5] * 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_epochs", 0),
        ("max_time_s", -1.0),
        ("batch_size", 1),
        ("validation_fraction", 0.5),
        ("guard_threshold", 0.5),
        ("device", 3),
        ("verbose", "yes"),
        ("patience", 0),
    ],
)
def test_validate_common_names_the_parameter(name: str, value: object) -> None:
    class Gen:
        max_epochs, max_time_s, batch_size, learning_rate, patience = 10, None, 100, 1e-3, 5
        validation_fraction, guard_threshold, device, verbose = 0.1, 0.55, "cpu", False

    gen = Gen()
    validate_common(gen)
    setattr(gen, name, value)
    with pytest.raises(InvalidParameterError, match=name):
        validate_common(gen)
