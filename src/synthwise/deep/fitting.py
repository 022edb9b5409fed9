"""Glue shared by the deep generators: their shared training parameters (declared once) and their checks,
the validation split, the encoder and the memorization guard, and chunked sampling. Numpy and
scikit-learn only (no torch).

The validation split is one held-out slice of the training rows (``validation_fraction``, at most
``MAX_VALIDATION_ROWS``): it is never trained on, scores checkpoints for early stopping, and is the
held-out side of the memorization guard's DCR share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.deep.encoding import TableEncoder
from synthwise.deep.memorization import Featurizer, MemorizationGuard
from synthwise.errors import InvalidParameterError
from synthwise.schema import Schema

MAX_VALIDATION_ROWS = 5000
MIN_VALIDATION_ROWS = 20  # fewer held-out rows than this: no validation split, no guard
MIN_REFERENCE_ROWS = 200  # fewer validation rows than this: the fidelity gap compares to training rows


# The default time budget of a deep fit (seconds): training stops there with the best weights so far, and
# the progress bar shows it. ``max_time_s=None`` lifts it (then only the epochs bound the run).
DEFAULT_MAX_TIME_S = 300.0


@dataclass(kw_only=True, eq=False, repr=False)
class TrainingParams:
    """The training parameters every deep generator shares, declared once.

    A deep generator is a dataclass over this and :class:`~synthwise.generators.base.Generator`: its own
    hyperparameters are its fields, and it redeclares a shared field only to change its default. The
    generated ``__init__`` only stores (keyword-only), as the generator contract requires;
    :func:`validate_common` checks these fields at fit time.
    """

    max_epochs: int | None = None
    max_time_s: float | None = DEFAULT_MAX_TIME_S
    batch_size: int = 500
    learning_rate: float = 1e-3
    patience: int = 10
    validation_fraction: float = 0.1
    guard_threshold: float | None = 0.55
    device: str = "auto"
    verbose: bool = True
    seed: Seed = None


def validate_common(gen: Any) -> None:
    """Check the parameters every deep generator shares; raise InvalidParameterError naming the range."""
    owner = type(gen).__name__

    def check(name: str, ok: bool, expectation: str) -> None:
        if not ok:
            raise InvalidParameterError.expected(name, owner, expectation, getattr(gen, name))

    def is_int(v: Any, lo: int) -> bool:
        return bool(isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= lo)

    def is_pos(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and v > 0

    check("max_epochs", gen.max_epochs is None or is_int(gen.max_epochs, 1), "None or an int >= 1")
    check("max_time_s", gen.max_time_s is None or is_pos(gen.max_time_s), "None or a float > 0")
    check("batch_size", is_int(gen.batch_size, 2), "an int >= 2")
    check("learning_rate", is_pos(gen.learning_rate), "a float > 0")
    check("patience", is_int(gen.patience, 1), "an int >= 1")
    check(
        "validation_fraction",
        isinstance(gen.validation_fraction, int | float) and 0 <= gen.validation_fraction < 0.5,
        "a float in [0, 0.5)",
    )
    check(
        "guard_threshold",
        gen.guard_threshold is None
        or (isinstance(gen.guard_threshold, int | float) and 0.5 < gen.guard_threshold <= 1),
        "None or a float in (0.5, 1]",
    )
    check("device", isinstance(gen.device, str), 'a string: "auto", "cpu" or "cuda"')
    check("verbose", isinstance(gen.verbose, bool), "True or False")


def validate_layer_sizes(gen: Any, *names: str) -> None:
    """Each named parameter must be a non-empty sequence of layer widths (ints >= 1)."""
    for name in names:
        value = getattr(gen, name)
        if not value or not all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in value):
            raise InvalidParameterError.expected(
                name, type(gen).__name__, "a non-empty sequence of ints >= 1", value
            )


def continuous_columns(schema: Schema, codes: pd.DataFrame) -> list[str]:
    return [c for c in codes.columns if schema[c].kind in ("numeric", "datetime", "time")]


@dataclass
class Prepared:
    """Everything a deep generator trains on, built once per fit."""

    encoder: TableEncoder
    train: np.ndarray  # encoded training rows (float32)
    valid: np.ndarray  # encoded validation rows (may have 0 rows)
    featurizer: Featurizer
    reference: np.ndarray  # featurized validation rows (else training rows), for the fidelity gap
    guard: MemorizationGuard | None


def prepare(
    codes: pd.DataFrame,
    schema: Schema,
    rng: np.random.Generator,
    *,
    validation_fraction: float,
    guard_threshold: float | None,
    numeric: str,
    reference_rows: int = 2000,
) -> Prepared:
    """Split, fit the encoder on the training part, encode both parts, build the guard."""
    n = len(codes)
    n_val = int(min(round(n * validation_fraction), MAX_VALIDATION_ROWS))
    if n_val < MIN_VALIDATION_ROWS or n - n_val < MIN_VALIDATION_ROWS:
        n_val = 0
    order = rng.permutation(n)
    train_codes = codes.iloc[np.sort(order[n_val:])].reset_index(drop=True)
    valid_codes = codes.iloc[np.sort(order[:n_val])].reset_index(drop=True)
    cont = continuous_columns(schema, codes)
    encoder = TableEncoder(numeric=numeric).fit(train_codes, cont, rng)  # type: ignore[arg-type]
    train = encoder.transform(train_codes, rng)
    valid = encoder.transform(valid_codes, rng)
    featurizer = Featurizer(train_codes, cont)
    source = valid_codes if n_val >= MIN_REFERENCE_ROWS else train_codes
    ref_idx = np.sort(rng.choice(len(source), size=min(reference_rows, len(source)), replace=False))
    reference = featurizer(source.iloc[ref_idx])
    guard = None
    if guard_threshold is not None and n_val > 0:
        guard = MemorizationGuard.build(featurizer, train_codes, valid_codes, float(guard_threshold), rng)
    return Prepared(encoder, train, valid, featurizer, reference, guard)


def begin_fit(
    gen: Any, codes: pd.DataFrame, rng: np.random.Generator, *, numeric: str
) -> tuple[Prepared, Any, Any]:
    """The start every deep generator's fit shares: encode and split the rows (``prepare``), set the
    fitted ``encoder_`` and ``device_``; return the prepared rows, a local torch generator drawn from
    the fit's ``rng``, and the device."""
    from synthwise.deep.nets import pick_device, torch_generator

    prep = prepare(
        codes,
        gen.transformer_.code_schema,
        rng,
        validation_fraction=gen.validation_fraction,
        guard_threshold=gen.guard_threshold,
        numeric=numeric,
    )
    gen.encoder_ = prep.encoder
    gen.device_ = pick_device(gen.device)
    return prep, torch_generator(rng, gen.device_), gen.device_


def in_chunks(n: int, draw: Callable[[int], np.ndarray], chunk: int = 20_000) -> np.ndarray:
    """Call ``draw(k)`` on chunks of at most ``chunk`` rows and stack the results."""
    parts = [draw(min(chunk, n - i)) for i in range(0, n, chunk)]
    return np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def steps_and_check_every(n_rows: int, batch_size: int, *, steps_per_check: int) -> tuple[int, int, int]:
    """``(batch, steps per epoch, epochs between checks)`` for a training set of ``n_rows``."""
    batch = int(max(1, min(batch_size, n_rows)))
    steps = max(1, n_rows // batch)
    return batch, steps, max(1, round(steps_per_check / steps))


def auto_epochs(max_epochs: int | None, steps_per_epoch: int, *, target_steps: int, cap: int) -> int:
    """``max_epochs`` when given; else enough epochs for about ``target_steps`` optimizer steps, at most
    ``cap`` (so small tables get many passes and large ones a bounded number of steps)."""
    if max_epochs is not None:
        return int(max_epochs)
    return int(np.clip(np.ceil(target_steps / max(steps_per_epoch, 1)), 1, cap))
