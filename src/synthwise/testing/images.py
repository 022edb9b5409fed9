"""The contract of an image generator (``capabilities.data == "image"``), on a small labelled image set:
fit and sample, shapes and labels, conditions on a class, same seed same pixels, a model file that
samples the same images, bad input and bad parameters rejected with a clear error."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from synthwise.generators import create, get
from synthwise.images import ImageSet

FAST: dict[str, dict[str, Any]] = {
    "image_vae": {"max_epochs": 1, "verbose": False, "width": 8, "device": "cpu"},
    "image_gan": {"max_epochs": 1, "verbose": False, "width": 8, "device": "cpu"},
    "image_diffusion": {"max_epochs": 1, "verbose": False, "width": 8, "steps": 2, "device": "cpu"},
}


def small_images(n: int = 160, seed: int = 0) -> ImageSet:
    """``n`` of scikit-learn's 8x8 digits (a seeded choice), labelled 0..9."""
    from synthwise.images.datasets import digits

    d = digits()
    return d.subset(np.sort(np.random.default_rng(seed).choice(len(d), n, replace=False)))


def check_image_generator(name: str, data: ImageSet | None = None, *, n: int = 40) -> None:
    from synthwise.errors import DataError, SamplingError, SynthwiseError

    cls = get(name)
    assert cls.capabilities.data == "image", f"{name}: must declare data='image'"
    images = small_images() if data is None else data
    params = {"seed": 0, **FAST.get(name, {})}
    gen = create(name, **params).fit(images)
    out = gen.sample(n)
    assert isinstance(out, ImageSet) and len(out) == n, f"{name}: sample(n) must give n images"
    assert out.shape == images.shape, f"{name}: images keep the source shape {images.shape}, got {out.shape}"
    assert out.classes == images.classes and set(out.labels.tolist()) <= set(range(len(images.classes)))
    assert float(out.images.min()) >= 0.0 and float(out.images.max()) <= 1.0
    again = create(name, **params).fit(images).sample(n)
    assert np.array_equal(out.images, again.images), f"{name}: same seed, same images"
    cond = gen.sample(5, conditions={"label": images.classes[3]})
    assert (cond.labels == 3).all(), f"{name}: a class condition must be met"
    try:
        gen.sample(2, conditions={"label": "no-such-class"})
        raise AssertionError(f"{name}: an unknown class must be refused")
    except SamplingError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.synthwise")
        gen.save(path)
        loaded = type(gen).load(path)
        assert np.array_equal(loaded.sample(n).images, out.images), (
            f"{name}: a model file must sample the same"
        )
    try:
        create(name, **params).fit("not-an-image-source.png")
        raise AssertionError(f"{name}: a missing source must be refused")
    except (DataError, SynthwiseError):
        pass
