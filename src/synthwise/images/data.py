"""The :class:`ImageSet`: images as one float32 array ``(n, height, width, channels)`` in [0, 1] with
integer labels (``-1`` = no label) and their class names; plus resizing (Pillow, bilinear)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synthwise.errors import DataError

NO_LABEL = -1


@dataclass
class ImageSet:
    """``images``: float32 ``(n, h, w, c)`` in [0, 1], ``c`` 1 (grey) or 3 (RGB); ``labels``: int64 ``(n,)``
    indices into ``classes`` (``-1`` where a set has no labels); ``files``: where each image came from
    (empty strings when none); ``source_size``: the (height, width) of the images as read, when one."""

    images: np.ndarray
    labels: np.ndarray
    classes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    source_size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        imgs = np.asarray(self.images)
        if imgs.ndim == 3:
            imgs = imgs[..., None]
        if imgs.ndim != 4 or imgs.shape[-1] not in (1, 3):
            raise DataError(
                f"Images must be an array (n, height, width[, 1 or 3 channels]); got shape {imgs.shape}. "
                "Fix: pass grey or RGB images."
            )
        if imgs.dtype == np.uint8:
            imgs = imgs.astype(np.float32) / 255.0
        imgs = np.asarray(imgs, dtype=np.float32)
        if imgs.size and (not np.isfinite(imgs).all() or imgs.min() < 0 or imgs.max() > 1):
            raise DataError(
                "Image values must lie in [0, 1] (floats) or [0, 255] (uint8). Fix: rescale the images."
            )
        self.images = imgs
        labels = np.full(len(imgs), NO_LABEL, dtype=np.int64) if self.labels is None else self.labels
        self.labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(self.labels) != len(imgs):
            raise DataError(f"{len(imgs)} images but {len(self.labels)} labels. Fix: one label per image.")
        if not self.files:
            self.files = [""] * len(imgs)
        if self.source_size is None:
            self.source_size = (int(imgs.shape[1]), int(imgs.shape[2]))

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of every image."""
        return (int(self.images.shape[1]), int(self.images.shape[2]), int(self.images.shape[3]))

    @property
    def labelled(self) -> bool:
        return bool(self.classes) and bool((self.labels >= 0).all())

    def subset(self, index: np.ndarray | slice) -> ImageSet:
        """The images at ``index`` (positions, a boolean mask or a slice), same classes."""
        idx = np.arange(len(self))[index]
        return ImageSet(
            self.images[idx],
            self.labels[idx],
            list(self.classes),
            [self.files[i] for i in idx],
            self.source_size,
        )

    def flat(self) -> np.ndarray:
        """Each image as one row of pixel values (float64)."""
        return self.images.reshape(len(self), -1).astype(np.float64)

    def uint8(self) -> np.ndarray:
        return np.clip(np.rint(self.images * 255.0), 0, 255).astype(np.uint8)


def resize(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``images`` (n, h, w, c) in [0, 1] resized to ``size`` (height, width), bilinear (Pillow)."""
    from PIL import Image

    h, w = int(size[0]), int(size[1])
    if images.shape[1:3] == (h, w):
        return np.asarray(images, dtype=np.float32)
    out = np.empty((len(images), h, w, images.shape[3]), dtype=np.float32)
    for i, img in enumerate(images):
        for c in range(images.shape[3]):
            band = Image.fromarray(np.asarray(img[..., c], dtype=np.float32), mode="F")
            out[i, ..., c] = np.asarray(band.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def to_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """Grey to RGB (repeat) or RGB to grey (luma) so that every image has ``channels`` channels."""
    if images.shape[3] == channels:
        return images
    if channels == 3:
        return np.repeat(images, 3, axis=3)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return (images @ weights)[..., None].astype(np.float32)
