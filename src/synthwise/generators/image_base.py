"""The image side of the generator lifecycle: :class:`ImageGenerator`, a :class:`Generator` whose data
kind is ``"image"``.

It keeps the base's contract (keyword-only parameters, ``fit`` / ``sample`` / ``save`` / ``load``, seeds,
model files of manifest.json + arrays.npz) and replaces its two data hooks: ``fit`` takes an
:class:`~synthwise.images.ImageSet` (or a path to one) instead of a table, resizes it to the working size
(``size``; default the source side rounded up to a multiple of 4) and calls
``_fit_images(x, y, rng)`` with ``x`` float32 ``(n, c, s, s)`` in [0, 1] and ``y`` class indices
(0 for an unlabelled set); ``sample(n)`` draws class labels in the training proportions (or the ones
asked for: ``conditions={"label": "coat"}`` or a sequence of class names) and returns an ImageSet at the
source size, from ``_sample_images(y, rng)``. ``_image_state`` / ``_set_image_state`` hold the model.

:class:`ImageGuard` is the training-time memorization guard on images: the DCR share of generated
images against training and held-out images (pixels, downsampled to at most 14 x 14), as for tables. A
generator with the ``privacy`` knob also gets the sampling-time near-duplicate guard
(:mod:`synthwise.generators.image_privacy`): no more near duplicates of training images than fresh real
images have.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from synthwise._types import Conditions
from synthwise.deep.memorization import dcr_share
from synthwise.errors import DataError, InvalidParameterError, ModelFileError, SamplingError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.image_privacy import NearDuplicateGuard
from synthwise.images import ImageSet, read_images, resize
from synthwise.schema import Schema


def working_side(source: tuple[int, int], size: int | None) -> int:
    """The working side: ``size`` or the larger source side rounded up to a multiple of 4."""
    if size is not None:
        return int(size)
    return int(4 * -(-max(source) // 4))


class ImageGenerator(Generator):
    """Base of the image generators (see the module docstring)."""

    capabilities: ClassVar[Capabilities] = Capabilities(data="image", missing_values=False)
    size: int | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    def fit(self, data: Any, schema: Schema | None = None) -> Self:
        """Learn from an :class:`ImageSet` or the path of one (folder, .npz, table of paths)."""
        return super().fit(data, schema)

    def _fit_data(self, data: Any, schema: Schema | None, rng: np.random.Generator) -> None:
        images = as_image_set(data)
        if len(images) < 2:
            raise DataError("An image generator needs at least 2 images. Fix: pass more images.")
        size = getattr(self, "size", None)
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 4 or size % 4):
            raise InvalidParameterError.expected(
                "size", type(self).__name__, "None or an int >= 4, a multiple of 4", size
            )
        side = working_side(images.source_size or images.shape[:2], size)
        self.shape_ = (side, side, images.shape[2])
        self.classes_ = list(images.classes)
        y = np.maximum(images.labels, 0)
        n_classes = max(1, len(self.classes_))
        self.class_counts_ = np.bincount(y, minlength=n_classes).astype(np.int64)
        self.source_size_ = tuple(int(v) for v in (images.source_size or images.shape[:2]))
        x = np.ascontiguousarray(np.moveaxis(resize(images.images, (side, side)), 3, 1))
        self._fit_images(x, y, rng)
        self.near_guard_ = (
            NearDuplicateGuard.fit(x, y, self.n_classes, rng, strict=self._strict) if self.guarded else None
        )
        self.n_rows_ = len(images)

    def _sample_data(
        self,
        n: int,
        conditions: Conditions,
        rng: np.random.Generator,
        max_rejection_s: float,
        id_start: int = 0,  # images have no keys to number
    ) -> Any:
        y = self._labels(n, conditions, rng)
        x = self._sample_images(y, rng) if len(y) else np.zeros((0, *self.chw), dtype=np.float32)
        guard = getattr(self, "near_guard_", None)
        if guard is not None and len(y):
            x, self.near_guard_report_ = guard.filter(
                x, y, lambda labels: self._sample_images(labels, rng), rng
            )
        images = np.clip(np.moveaxis(np.asarray(x, dtype=np.float32), 1, 3), 0.0, 1.0)
        labels = y if self.classes_ else np.full(len(y), -1, dtype=np.int64)
        out = ImageSet(images, labels, list(self.classes_))
        out.source_size = (int(self.source_size_[0]), int(self.source_size_[1]))
        return out

    def _labels(self, n: int, conditions: Any, rng: np.random.Generator) -> np.ndarray:
        if conditions is None:
            p = self.class_counts_ / self.class_counts_.sum()
            return np.sort(rng.choice(len(p), size=n, p=p)).astype(np.int64)
        if isinstance(conditions, dict):
            if set(conditions) != {"label"}:
                raise SamplingError(
                    f"Images condition only on 'label', not {sorted(conditions)}. "
                    "Fix: pass {'label': class}."
                )
            wanted: Sequence[Any] = [conditions["label"]] * n
        elif isinstance(conditions, pd.DataFrame) and "label" in conditions.columns:
            wanted = conditions["label"].tolist()
        elif isinstance(conditions, list | tuple | np.ndarray | pd.Series):
            wanted = list(conditions)
        else:
            raise SamplingError("Image conditions must be {'label': class} or a sequence of class names.")
        lookup = {c: i for i, c in enumerate(self.classes_)}
        bad = [w for w in wanted if str(w) not in lookup]
        if bad:
            raise SamplingError(f"Unknown class {bad[0]!r}. Fix: use one of {self.classes_}.")
        return np.array([lookup[str(w)] for w in wanted], dtype=np.int64)

    @property
    def chw(self) -> tuple[int, int, int]:
        s, _, c = self.shape_
        return (c, s, s)

    @property
    def n_classes(self) -> int:
        return len(self.class_counts_)

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "shape_")

    # -- hooks ----------------------------------------------------------------------------------------
    def _fit_images(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample_images(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _image_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise NotImplementedError

    def _set_image_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- persistence ----------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._check_fitted()
        meta, arrays = self._image_state()
        fields = {
            "params": {k: v for k, v in self.get_params().items() if not callable(v)},
            "data": "image",
            "shape": list(self.shape_),
            "classes": list(map(str, self.classes_)),
            "source_size": list(self.source_size_),
            "transformer": {},
            "state": meta,
            "n_rows": int(self.n_rows_),
        }
        all_arrays = {f"g/{k}": np.asarray(v) for k, v in arrays.items()}
        all_arrays["class_counts"] = self.class_counts_
        guard = getattr(self, "near_guard_", None)
        if guard is not None:
            fields["near_guard"], guard_arrays = guard.state()
            all_arrays.update(guard_arrays)
        return fields, all_arrays

    @classmethod
    def restore(cls, fields: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        if fields.get("data") != "image":
            raise ModelFileError("This model file does not hold an image generator. Fix: refit it.")
        params = dict(fields["params"])
        gen = cls(**params)
        gen.shape_ = tuple(int(v) for v in fields["shape"])  # type: ignore[assignment]
        gen.classes_ = [str(c) for c in fields["classes"]]
        gen.source_size_ = tuple(int(v) for v in fields["source_size"])
        gen.class_counts_ = np.asarray(arrays["class_counts"], dtype=np.int64)
        gen.n_rows_ = int(fields["n_rows"])
        gen._set_image_state(fields["state"], {k[2:]: v for k, v in arrays.items() if k.startswith("g/")})
        near = fields.get("near_guard")
        gen.near_guard_ = None if near is None else NearDuplicateGuard.restore(near, arrays)
        return gen


def as_image_set(data: Any) -> ImageSet:
    if isinstance(data, ImageSet):
        return data
    if isinstance(data, str | os.PathLike):
        return read_images(data)
    raise DataError(
        f"An image generator learns an ImageSet or an image folder / .npz path, not {type(data).__name__}. "
        "Fix: pass synthwise.images.read_images(path)."
    )


def guard_features(x: np.ndarray) -> np.ndarray:
    """Images ``(n, c, s, s)`` -> rows for distances: average-pooled to at most 14 x 14, flattened."""
    side = x.shape[2]
    f = max(1, side // 14)
    if f > 1:
        s = (side // f) * f
        x = x[:, :, :s, :s].reshape(x.shape[0], x.shape[1], s // f, f, s // f, f).mean(axis=(3, 5))
    return x.reshape(len(x), -1).astype(np.float64)


class ImageGuard:
    """DCR share of generated images against equal-size training and held-out images (ideal 0.5).

    A check fails when the share exceeds ``threshold`` and 0.5 by two standard errors; the training
    loop stops after two failed checks in a row and keeps the best checkpoint that passed."""

    def __init__(
        self, train: np.ndarray, holdout: np.ndarray, threshold: float, rng: np.random.Generator
    ) -> None:
        m = int(min(len(train), len(holdout), 2000))
        self.train = guard_features(train[np.sort(rng.choice(len(train), m, replace=False))])
        self.holdout = guard_features(holdout[np.sort(rng.choice(len(holdout), m, replace=False))])
        self.threshold = float(threshold)
        self.history: list[dict[str, Any]] = []

    @property
    def n_synthetic(self) -> int:
        return int(min(2 * len(self.holdout), 2000))

    def check(self, synthetic: np.ndarray, epoch: int) -> tuple[float, bool]:
        share = dcr_share(self.train, self.holdout, guard_features(synthetic))
        margin = 0.5 + 2.0 * 0.5 / np.sqrt(max(len(self.holdout), 1))
        passed = not (share > self.threshold and share > margin)
        self.history.append({"epoch": int(epoch), "dcr_share": round(share, 4), "passed": passed})
        return share, passed


def split_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train x, train y, held-out x, held-out y): ``fraction`` of the images held out (at most 2000;
    none when fewer than 20 would be)."""
    n = len(x)
    n_val = int(min(round(n * fraction), 2000))
    if n_val < 20 or n - n_val < 20:
        n_val = 0
    order = rng.permutation(n)
    tr, va = np.sort(order[n_val:]), np.sort(order[:n_val])
    return x[tr], y[tr], x[va], y[va]
