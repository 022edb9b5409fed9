"""Every image generator on an image set it was not built around (issue 16: "any size, grey and RGB"): odd
sized RGB images come back at their source size and in range; the GAN's critic is spectrally normalized
and its sampling network is the averaged one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthwise.generators import create, get
from synthwise.generators.registry import names
from synthwise.images import ImageSet, read_images, write_images
from synthwise.testing.images import FAST


def _rgb_odd(n: int = 60) -> ImageSet:
    """``n`` 10 x 7 RGB images of two classes: a bright square on a coloured background, moved about."""
    rng = np.random.default_rng(0)
    x = np.zeros((n, 10, 7, 3), dtype=np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        x[i] += np.array([0.2, 0.4, 0.6] if y[i] else [0.6, 0.3, 0.1], dtype=np.float32)
        r, c = rng.integers(0, 6), rng.integers(0, 4)
        x[i, r : r + 4, c : c + 3] = 0.9
    return ImageSet(np.clip(x + rng.normal(0, 0.03, x.shape), 0, 1).astype(np.float32), y, ["warm", "cool"])


def _image_names() -> list[str]:
    return [n for n in names() if n.startswith("image_") and get(n).capabilities.data == "image"]


@pytest.mark.parametrize("name", _image_names())
def test_odd_sized_rgb_images_round_trip(name: str, tmp_path: Path) -> None:
    data = _rgb_odd()
    gen = create(name, seed=0, **FAST.get(name, {})).fit(data)
    assert gen.shape_ == (12, 12, 3)  # working size: the larger side rounded up to a multiple of 4
    out = gen.sample(12, conditions={"label": "cool"})
    assert out.images.shape == (12, 12, 12, 3) and out.source_size == (10, 7)
    write_images(out, tmp_path / "out")
    back = read_images(tmp_path / "out")
    assert back.images.shape == (12, 10, 7, 3) and back.classes == ["cool"]
    assert (out.labels == 1).all() and out.images.min() >= 0.0 and out.images.max() <= 1.0


def test_gan_critic_is_spectrally_normalized_and_samples_come_from_the_average() -> None:
    torch = pytest.importorskip("torch")
    gan = create("image_gan", seed=0, **FAST["image_gan"]).fit(_rgb_odd())
    convs = [m for m in gan.disc_.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    assert convs and all(torch.nn.utils.parametrize.is_parametrized(m, "weight") for m in convs)
    live = dict(gan.gen_.named_parameters())
    averaged = dict(gan.avg_.named_parameters())
    assert any(not torch.equal(live[k], averaged[k]) for k in live)  # the EMA lags the trained weights
    assert list(gan._named()) == ["gen"] and gan._named()["gen"] is gan.avg_


@pytest.mark.parametrize("name", ["image_vae", "image_gan", "image_diffusion"])
def test_same_seed_same_images_whatever_torch_global_seed(name: str) -> None:
    """torch seeds its global RNG at random per process: nothing a fit draws may come from it."""
    torch = pytest.importorskip("torch")
    data = _rgb_odd()
    out = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        out.append(create(name, seed=0, **FAST[name]).fit(data).sample(8).images)
    assert np.array_equal(out[0], out[1])
