"""Small torch building blocks shared by the deep generators, all seeded with a local torch.Generator.

Nothing here touches torch's global random state: modules are built inside ``fork_rng`` and their
weights drawn again from the local generator; dropout and Gumbel noise take the generator explicitly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.encoding import Span

M = TypeVar("M", bound=nn.Module)


def pick_device(device: str = "auto") -> torch.device:
    """ "auto": CUDA when available, else CPU; otherwise the named device ("cpu", "cuda", "cuda:1")."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def torch_generator(rng: np.random.Generator, device: torch.device) -> torch.Generator:
    """A local torch.Generator on ``device`` seeded from the numpy generator ``rng``."""
    g = torch.Generator(device=device)
    g.manual_seed(int(rng.integers(0, 2**62)))
    return g


def build(factory: Callable[[], M], g: torch.Generator, device: torch.device) -> M:
    """Construct a module without touching the global RNG, then draw its Linear weights from ``g``."""
    with torch.random.fork_rng(devices=[]):
        module = factory()
    module = module.to(device)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(max(layer.in_features, 1))
                layer.weight.uniform_(-bound, bound, generator=g)
                if layer.bias is not None:
                    layer.bias.uniform_(-bound, bound, generator=g)
    return module


class SeededDropout(nn.Module):
    """Dropout whose mask comes from ``self.generator`` (set before training), identity in eval mode."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p <= 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
        return x * keep / (1.0 - self.p)


def set_generator(module: nn.Module, g: torch.Generator) -> None:
    for layer in module.modules():
        if isinstance(layer, SeededDropout):
            layer.generator = g


def mlp(sizes: Sequence[int], activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear + activation for each consecutive pair of ``sizes`` (no activation after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def gumbel(shape: torch.Size | tuple[int, ...], g: torch.Generator, device: torch.device) -> torch.Tensor:
    u = torch.rand(shape, generator=g, device=device).clamp_(1e-10, 1.0 - 1e-7)
    return -torch.log(-torch.log(u))


def gumbel_softmax(logits: torch.Tensor, tau: float, g: torch.Generator) -> torch.Tensor:
    return torch.softmax((logits + gumbel(logits.shape, g, logits.device)) / tau, dim=1)


def sample_one_hot(logits: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One-hot rows drawn from softmax(logits) (Gumbel-max), with the local generator."""
    idx = torch.argmax(logits + gumbel(logits.shape, g, logits.device), dim=1)
    return torch.nn.functional.one_hot(idx, logits.shape[1]).to(logits.dtype)


def init_softmax_bias(
    layer: nn.Linear, blocks: Sequence[tuple[int, int]], frequencies: Sequence[np.ndarray]
) -> None:
    """Set a head's bias on each ``(start, stop)`` block to the log training frequencies of that softmax,
    so even an untrained model has the right marginals (and missing rates)."""
    with torch.no_grad():
        for (start, stop), freq in zip(blocks, frequencies, strict=True):
            logp = np.log(np.maximum(np.asarray(freq, dtype=np.float64), 1e-6))
            layer.bias[start:stop] = torch.as_tensor(
                logp - logp.mean(), dtype=layer.bias.dtype, device=layer.bias.device
            )


def adam(
    params: Iterable[nn.Parameter],
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    decoupled: bool = False,
) -> torch.optim.Optimizer:
    """Adam (or AdamW with ``decoupled``), fused where this torch supports it (a third faster on a CPU)."""
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    params = list(params)
    try:
        return cls(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return cls(params, lr=lr, betas=betas, weight_decay=weight_decay)


def softmax_blocks(spans: Sequence[Span]) -> list[tuple[int, int]]:
    return [(s.start, s.stop) for s in spans if s.kind == "softmax"]


def targets(matrix: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
    """Index of the hot slot of each softmax span: an (n, n_softmax_spans) int64 array."""
    soft = [s for s in spans if s.kind == "softmax"]
    if not soft:
        return np.zeros((len(matrix), 0), dtype=np.int64)
    return np.stack([np.argmax(matrix[:, s.start : s.stop], axis=1) for s in soft], axis=1).astype(np.int64)
