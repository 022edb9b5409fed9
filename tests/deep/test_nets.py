"""Building blocks: seeded by a local generator, never by torch's global random state."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.nets import SeededDropout, build, gumbel_softmax, mlp, sample_one_hot  # noqa: E402

pytestmark = pytest.mark.deep
CPU = torch.device("cpu")


def test_build_leaves_global_rng_alone_and_is_seeded() -> None:
    before = torch.random.get_rng_state().clone()
    a = build(lambda: mlp([4, 8, 2]), torch.Generator().manual_seed(1), CPU)
    b = build(lambda: mlp([4, 8, 2]), torch.Generator().manual_seed(1), CPU)
    c = build(lambda: mlp([4, 8, 2]), torch.Generator().manual_seed(2), CPU)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_seeded_dropout_uses_its_generator_and_is_identity_in_eval() -> None:
    drop = SeededDropout(0.5)
    x = torch.ones(200, 10)
    drop.generator = torch.Generator().manual_seed(0)
    first = drop(x)
    drop.generator = torch.Generator().manual_seed(0)
    assert torch.equal(first, drop(x))
    assert 0.3 < float((first == 0).float().mean()) < 0.7
    drop.eval()
    assert torch.equal(drop(x), x)


def test_sample_one_hot_follows_the_softmax() -> None:
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1]])).repeat(20_000, 1)
    hot = sample_one_hot(logits, torch.Generator().manual_seed(0))
    assert torch.all(hot.sum(dim=1) == 1)
    np.testing.assert_allclose(hot.mean(dim=0).numpy(), [0.7, 0.2, 0.1], atol=0.02)
    soft = gumbel_softmax(logits[:5], 0.2, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(soft.sum(dim=1).numpy(), 1.0, rtol=1e-5)
