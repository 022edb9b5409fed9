"""Image sets that ship offline: Fashion-MNIST (Debian package ``dataset-fashion-mnist``), scikit-learn's
8x8 digits and scikit-image's ``lfw_subset`` (25x25 faces and non-faces)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from synthwise.errors import DataError
from synthwise.images.data import ImageSet

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = [
    "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot",
]  # fmt: skip


def fashion_available(root: Path = FASHION_DIR) -> bool:
    return (root / "train-images-idx3-ubyte.gz").is_file()


def _idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(split: str = "train", root: Path = FASHION_DIR) -> ImageSet:
    """Fashion-MNIST ``train`` (60,000) or ``test`` (10,000): 28x28 grey, 10 classes."""
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise DataError(f"Unknown Fashion-MNIST split {split!r}. Fix: use 'train' or 'test'.")
    if not fashion_available(root):
        raise DataError(
            f"Fashion-MNIST is not installed under {root}. Fix: apt-get install dataset-fashion-mnist "
            "(make test does it)."
        )
    images = _idx(root / f"{prefix}-images-idx3-ubyte.gz")
    labels = _idx(root / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return ImageSet(images, labels, list(FASHION_CLASSES))


def digits() -> ImageSet:
    """scikit-learn's 1,797 8x8 grey digits (values 0..16 scaled to [0, 1]), 10 classes."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return ImageSet(
        (d.images / 16.0).astype(np.float32), d.target.astype(np.int64), [str(i) for i in range(10)]
    )


def lfw_subset() -> ImageSet:
    """scikit-image's ``lfw_subset``: 200 grey 25x25 images, 100 faces then 100 non-faces."""
    from skimage.data import lfw_subset as load

    imgs = np.clip(np.asarray(load(), dtype=np.float32), 0.0, 1.0)
    labels = np.repeat([0, 1], len(imgs) // 2).astype(np.int64)
    return ImageSet(imgs, labels, ["face", "non-face"])
