"""Diffusion pieces: the cosine schedule, the loss, and a sampler that reveals every category."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.ddpm import (  # noqa: E402
    Denoiser,
    Diffusion,
    cosine_alpha_bar,
    timestep_embedding,
    whitening,
)

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


def test_whitening_decorrelates_and_is_undone_exactly() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=2000)
    x = np.column_stack([a, a + 0.05 * rng.normal(size=2000), rng.normal(size=2000)])
    shift, white, color = whitening(x)
    z = (x - shift) @ white
    assert np.allclose(np.cov(z, rowvar=False), np.eye(3), atol=1e-6)
    assert np.allclose(z @ color + shift, x)
    _, white_floor, _ = whitening(np.column_stack([a, a]))  # a collinear pair: bounded by the floor
    assert np.isfinite(white_floor).all() and np.abs(white_floor).max() <= 1 / np.sqrt(1e-4) + 1e-6


def test_sampler_returns_numerics_in_the_original_frame() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=500)
    x = np.column_stack([a, a + 0.01 * rng.normal(size=500)]).astype(np.float32) + 3.0
    net = Denoiser(2, [], [16])
    net.set_frame(x)
    assert {"shift", "whiten", "color", "low", "high"} <= set(net.state_dict())  # saved with the weights
    xs, _ = Diffusion(net, 50, CPU).sample(200, 5, torch.Generator().manual_seed(0))
    lo, hi = x.min(axis=0) - 1.0, x.max(axis=0) + 1.0
    assert torch.isfinite(xs).all() and float(xs.mean()) > 1.0  # shifted back (an untrained net)
    assert (
        xs.shape == (200, 2)
        and np.all(xs.numpy().min(axis=0) > lo - 5)
        and np.all(xs.numpy().max(axis=0) < hi + 5)
    )


def test_t_power_puts_more_training_on_low_noise_levels() -> None:
    net = Denoiser(2, [3], [8])
    x, cat = torch.zeros(4000, 2), torch.zeros(4000, 1, dtype=torch.long)
    means = []
    for power in (1.0, 2.0):
        t, *_ = Diffusion(net, 1000, CPU, t_power=power).noise(x, cat, torch.Generator().manual_seed(0))
        assert int(t.min()) >= 1 and int(t.max()) <= 1000
        means.append(float(t.float().mean()))
    assert means[0] == pytest.approx(500, abs=20) and means[1] == pytest.approx(333, abs=20)
