"""The CTGAN networks and their training pieces.

* :class:`GanGenerator`: noise + condition vector -> residual MLP (batch norm) -> value spans through
  ``tanh`` and softmax spans through Gumbel-softmax (local generator).
* :class:`Critic`: a PacGAN critic that scores ``pac`` rows at once (less mode collapse), LeakyReLU and
  seeded dropout; trained as a WGAN with a gradient penalty (:func:`gradient_penalty`).
* :class:`ConditionSampler`: *training-by-sampling*: pick a discrete column uniformly, one of its values
  by log-frequency (rare values get seen), and a real row holding it; the generator is penalized by
  cross-entropy when its output ignores the condition, so rare categories are learned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.encoding import Span
from synthwise.deep.nets import SeededDropout, gumbel_softmax, sample_one_hot


class _Residual(nn.Module):
    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class GanGenerator(nn.Module):
    def __init__(self, noise_dim: int, cond_dim: int, hidden: Sequence[int], width: int) -> None:
        super().__init__()
        self.noise_dim = noise_dim
        dim = noise_dim + cond_dim
        blocks: list[nn.Module] = []
        for h in hidden:
            blocks.append(_Residual(dim, h))
            dim += h
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(dim, width)

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(torch.cat([z, cond], dim=1)))


class Critic(nn.Module):
    def __init__(self, in_dim: int, hidden: Sequence[int], pac: int) -> None:
        super().__init__()
        self.pac = pac
        layers: list[nn.Module] = []
        dim = in_dim * pac
        for h in hidden:
            layers += [nn.Linear(dim, h), nn.LeakyReLU(0.2), SeededDropout(0.5)]
            dim = h
        layers.append(nn.Linear(dim, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(-1, x.shape[1] * self.pac))


def activate(
    raw: torch.Tensor, spans: Sequence[Span], g: torch.Generator, *, hard: bool = False
) -> torch.Tensor:
    """Generator output -> encoder space: tanh on value spans, Gumbel-softmax (or one-hot draws) on
    softmax spans."""
    parts = []
    for s in spans:
        block = raw[:, s.start : s.stop]
        if s.kind == "value":
            parts.append(torch.tanh(block))
        elif hard:
            parts.append(sample_one_hot(block, g))
        else:
            parts.append(gumbel_softmax(block, 0.2, g))
    return torch.cat(parts, dim=1) if parts else raw


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, g: torch.Generator, weight: float = 10.0
) -> torch.Tensor:
    """WGAN-GP: ``weight * (|grad critic(mix)| - 1)^2`` on random mixes of real and fake pac groups."""
    pac = critic.pac
    groups = real.shape[0] // pac
    mix = torch.rand((groups, 1, 1), generator=g, device=real.device).expand(groups, pac, real.shape[1])
    mix = mix.reshape(-1, real.shape[1])
    inter = (mix * real + (1 - mix) * fake).requires_grad_(True)
    out = critic(inter)
    grad = torch.autograd.grad(out.sum(), inter, create_graph=True)[0]
    norm = grad.reshape(-1, pac * real.shape[1]).norm(2, dim=1)
    return weight * ((norm - 1) ** 2).mean()


class ConditionSampler:
    """Condition vectors over the discrete columns (their "category" spans) and matching real rows."""

    def __init__(self, matrix: np.ndarray, spans: Sequence[Span], device: torch.device) -> None:
        self.spans = [s for s in spans if s.role == "category" and s.size > 1]
        self.device = device
        self.offsets = np.cumsum([0] + [s.size for s in self.spans])
        self.dim = int(self.offsets[-1])
        counts = [matrix[:, s.start : s.stop].sum(axis=0) for s in self.spans]
        self.log_probs = [np.log1p(c) / max(np.log1p(c).sum(), 1e-12) for c in counts]
        self.probs = [c / max(c.sum(), 1) for c in counts]
        flat_rows, starts, sizes = [], [], []
        pos = 0
        for s in self.spans:
            hot = np.argmax(matrix[:, s.start : s.stop], axis=1)
            for k in range(s.size):
                rows = np.flatnonzero(hot == k)
                flat_rows.append(rows)
                starts.append(pos)
                sizes.append(len(rows))
                pos += len(rows)
        self.rows = torch.as_tensor(
            np.concatenate(flat_rows) if flat_rows else np.zeros(0), dtype=torch.long, device=device
        )
        self.starts = torch.as_tensor(starts, dtype=torch.long, device=device)
        self.sizes = torch.as_tensor(sizes, dtype=torch.long, device=device)
        self.log_table = self._table(self.log_probs)
        self.table = self._table(self.probs)

    def _table(self, probs: list[np.ndarray]) -> torch.Tensor:
        table = np.zeros((len(self.spans), max([s.size for s in self.spans], default=1)))
        for j, p in enumerate(probs):
            table[j, : len(p)] = p
        return torch.as_tensor(table, dtype=torch.float32, device=self.device)

    def draw(self, n: int, g: torch.Generator, *, log_frequency: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """``(column index, slot index)`` per row: column uniform, slot by (log-)frequency."""
        col = torch.randint(0, len(self.spans), (n,), generator=g, device=self.device)
        table = self.log_table if log_frequency else self.table
        slot = torch.multinomial(table[col], 1, generator=g).reshape(-1)
        return col, slot

    def vector(self, col: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
        cond = torch.zeros((len(col), self.dim), device=self.device)
        offsets = torch.as_tensor(self.offsets[:-1], dtype=torch.long, device=self.device)
        cond[torch.arange(len(col), device=self.device), offsets[col] + slot] = 1.0
        return cond

    def real_rows(self, col: torch.Tensor, slot: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        """A random real row holding each (column, slot)."""
        offsets = torch.as_tensor(self.offsets[:-1], dtype=torch.long, device=self.device)
        key = offsets[col] + slot
        u = torch.rand((len(col),), generator=g, device=self.device)
        pick = (u * self.sizes[key]).long().clamp_max(self.sizes[key] - 1)
        return self.rows[self.starts[key] + pick]

    def condition_loss(self, raw: torch.Tensor, col: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the generator's logits for the conditioned column against the condition."""
        loss = raw.new_zeros((raw.shape[0],))
        for j, s in enumerate(self.spans):
            chosen = col == j
            if chosen.any():
                target = torch.where(chosen, slot, torch.zeros_like(slot))
                ce = nn.functional.cross_entropy(raw[:, s.start : s.stop], target, reduction="none")
                loss = loss + ce * chosen
        return loss.mean()
