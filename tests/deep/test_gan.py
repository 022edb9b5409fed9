"""CTGAN pieces: training-by-sampling favours rare categories; the gradient penalty is well formed."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.encoding import Span  # noqa: E402
from synthwise.deep.gan import ConditionSampler, Critic, gradient_penalty  # noqa: E402

pytestmark = pytest.mark.deep
CPU = torch.device("cpu")


def _matrix(n: int = 2000, rare: float = 0.03) -> tuple[np.ndarray, list[Span]]:
    rng = np.random.default_rng(0)
    hot = (rng.random(n) < rare).astype(int)
    m = np.zeros((n, 3), dtype=np.float32)
    m[:, 0] = rng.uniform(-1, 1, n)
    m[np.arange(n), 1 + hot] = 1.0
    return m, [Span("x", 0, 1, "value", "value"), Span("kind", 1, 3, "softmax", "category")]


def test_log_frequency_draws_rare_categories_often() -> None:
    m, spans = _matrix()
    sampler = ConditionSampler(m, spans, CPU)
    g = torch.Generator().manual_seed(0)
    _, slot = sampler.draw(20_000, g, log_frequency=True)
    rare_share = float((slot == 1).float().mean())
    assert 0.2 < rare_share < 0.5  # log(1+60) / (log(1+60) + log(1+1940)) ~ 0.35, not 0.03
    _, slot = sampler.draw(20_000, g, log_frequency=False)
    assert float((slot == 1).float().mean()) == pytest.approx(m[:, 2].mean(), abs=0.01)


def test_real_rows_hold_the_condition() -> None:
    m, spans = _matrix()
    sampler = ConditionSampler(m, spans, CPU)
    g = torch.Generator().manual_seed(1)
    col, slot = sampler.draw(500, g, log_frequency=True)
    rows = sampler.real_rows(col, slot, g).numpy()
    assert np.array_equal(m[rows, 1 + slot.numpy()], np.ones(500, dtype=np.float32))
    cond = sampler.vector(col, slot)
    assert cond.shape == (500, 2) and torch.all(cond.sum(dim=1) == 1)


def test_condition_loss_is_small_when_logits_follow_the_condition() -> None:
    m, spans = _matrix()
    sampler = ConditionSampler(m, spans, CPU)
    col = torch.zeros(4, dtype=torch.long)
    slot = torch.tensor([0, 1, 1, 0])
    good = torch.zeros(4, 3)
    good[torch.arange(4), 1 + slot] = 20.0
    bad = torch.zeros(4, 3)
    bad[torch.arange(4), 2 - slot] = 20.0
    assert sampler.condition_loss(good, col, slot) < 1e-3 < sampler.condition_loss(bad, col, slot)


def test_gradient_penalty_is_finite_and_differentiable() -> None:
    critic = Critic(5, [16], pac=4)
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    gp = gradient_penalty(critic, real, fake, g)
    gp.backward()
    assert torch.isfinite(gp) and critic.body[0].weight.grad is not None
