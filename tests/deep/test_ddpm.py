"""Diffusion pieces: the cosine schedule, the loss, and a sampler that reveals every category."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.ddpm import Denoiser, Diffusion, cosine_alpha_bar, timestep_embedding  # noqa: E402

pytestmark = pytest.mark.deep
CPU = torch.device("cpu")


def test_cosine_schedule_decreases_from_one_to_near_zero() -> None:
    abar = cosine_alpha_bar(1000)
    assert abar[0] == 1.0 and 0 < abar[-1] < 1e-3
    assert np.all(np.diff(abar) < 0)


def test_timestep_embedding_shape_and_range() -> None:
    emb = timestep_embedding(torch.tensor([0.0, 0.5, 1.0]), 9)
    assert emb.shape == (3, 9) and float(emb.abs().max()) <= 1.0


def test_loss_is_finite_and_sampler_reveals_all_categories() -> None:
    net = Denoiser(2, [3, 2], [32])
    process = Diffusion(net, 100, CPU)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 2, generator=g)
    cat = torch.stack([torch.randint(0, 3, (64,), generator=g), torch.randint(0, 2, (64,), generator=g)], 1)
    loss = process.loss(x, cat, *process.noise(x, cat, g))
    loss.backward()
    assert torch.isfinite(loss)
    xs, cs = process.sample(50, 7, g)
    assert xs.shape == (50, 2) and float(xs.abs().max()) <= 5.5
    assert torch.all(cs[:, 0] < 3) and torch.all(cs[:, 1] < 2)


def test_numeric_only_and_categorical_only_tables_work() -> None:
    g = torch.Generator().manual_seed(0)
    for n_num, sizes in ((3, []), (0, [4])):
        process = Diffusion(Denoiser(n_num, sizes, [16]), 50, CPU)
        x = torch.randn(10, n_num, generator=g)
        cat = torch.randint(0, 4, (10, len(sizes)), generator=g)
        assert torch.isfinite(process.loss(x, cat, *process.noise(x, cat, g)))
        xs, cs = process.sample(5, 4, g)
        assert xs.shape == (5, n_num) and cs.shape == (5, len(sizes))
