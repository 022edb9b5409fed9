"""Cheap image generators, the baselines every deep image generator must beat (and the known cases of
the image evaluation): ``image_copy`` (training images as they are: no privacy at all),
``image_noisy_copy`` (training images plus Gaussian pixel noise) and ``image_pca`` (a Gaussian in each
class's PCA space). Numpy and scikit-learn only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities
from synthwise.generators.image_base import ImageGenerator
from synthwise.generators.registry import register_generator


@dataclass(kw_only=True, eq=False, repr=False)
class _Stored(ImageGenerator):
    """Keeps the training images; draws them per class, uniformly with replacement."""

    size: int | None = None
    seed: Seed = None

    def _fit_images(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        self.x_, self.y_ = x.astype(np.float32), y.astype(np.int64)

    def _draw(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((len(y), *self.chw), dtype=np.float32)
        for c in np.unique(y):
            pool = np.flatnonzero(self.y_ == c)
            where = np.flatnonzero(y == c)
            out[where] = self.x_[pool[rng.integers(0, len(pool), size=len(where))]]
        return out

    def _image_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {"x": self.x_, "y": self.y_}

    def _set_image_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.x_, self.y_ = arrays["x"].astype(np.float32), arrays["y"].astype(np.int64)


@register_generator("image_copy")
@dataclass(kw_only=True, eq=False, repr=False)
class ImageCopy(_Stored):
    summary = "Images: training images copied as they are (a known case: no privacy at all)."
    capabilities: ClassVar[Capabilities] = Capabilities(data="image", missing_values=False, copies_rows=True)

    def _sample_images(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self._draw(y, rng)


@register_generator("image_noisy_copy")
@dataclass(kw_only=True, eq=False, repr=False)
class ImageNoisyCopy(_Stored):
    summary = "Images: training images plus Gaussian pixel noise (a baseline; sigma in [0, 1] units)."
    capabilities: ClassVar[Capabilities] = Capabilities(data="image", missing_values=False, copies_rows=True)

    sigma: float = 0.1

    def _validate_params(self) -> None:
        if not isinstance(self.sigma, int | float) or isinstance(self.sigma, bool) or self.sigma < 0:
            raise InvalidParameterError.expected("sigma", "ImageNoisyCopy", "a float >= 0", self.sigma)

    def _sample_images(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = self._draw(y, rng)
        return np.clip(x + rng.normal(0.0, float(self.sigma), size=x.shape), 0.0, 1.0).astype(np.float32)


@register_generator("image_pca")
@dataclass(kw_only=True, eq=False, repr=False)
class ImagePCA(ImageGenerator):
    summary = "Images: a Gaussian in each class's PCA space (a baseline)."

    size: int | None = None
    n_components: int = 40
    privacy: str = "balanced"  # near duplicates of training images at most at the fresh rate
    seed: Seed = None

    def _validate_params(self) -> None:
        n = self.n_components
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InvalidParameterError.expected("n_components", "ImagePCA", "an int >= 1", n)

    def _fit_images(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        flat = x.reshape(len(x), -1).astype(np.float64)
        d = flat.shape[1]
        k = int(min(self.n_components, d))
        self.mean_ = np.zeros((self.n_classes, d))
        self.components_ = np.zeros((self.n_classes, k, d))
        self.scale_ = np.zeros((self.n_classes, k))
        for c in range(self.n_classes):
            rows = flat[y == c]
            if len(rows) == 0:
                continue
            mu = rows.mean(axis=0)
            _, s, vt = np.linalg.svd(rows - mu, full_matrices=False)
            m = min(k, len(s))
            self.mean_[c] = mu
            self.components_[c, :m] = vt[:m]
            self.scale_[c, :m] = s[:m] / np.sqrt(max(len(rows) - 1, 1))

    def _sample_images(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        z = rng.standard_normal((len(y), self.scale_.shape[1])) * self.scale_[y]
        flat = self.mean_[y] + np.einsum("nk,nkd->nd", z, self.components_[y])
        return np.clip(flat, 0.0, 1.0).reshape(len(y), *self.chw).astype(np.float32)

    def _image_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {"mean": self.mean_, "components": self.components_, "scale": self.scale_}

    def _set_image_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.mean_, self.components_, self.scale_ = arrays["mean"], arrays["components"], arrays["scale"]
