"""An autoregressive network over one-hot columns: ``p(x_1) p(x_2 | x_1) ... p(x_d | x_<d)``.

Column ``j`` gets its own small MLP that reads the one-hot blocks of the columns before it and returns
the logits of its own block; the first column is a plain table of logits. Made of ``nn.Linear`` layers
only, so opacus can clip per-row gradients without materializing them (ghost clipping). Unlike a VAE it
has no latent variable to collapse under DP-SGD's noise: every conditional is an ordinary classifier,
the kind of model DP-SGD trains well.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.nets import gumbel


class ColumnAR(nn.Module):
    """Logits of every column's block given the blocks before it; ``sizes`` are the block widths."""

    def __init__(self, sizes: Sequence[int], hidden: int) -> None:
        super().__init__()
        self.sizes = [int(k) for k in sizes]
        self.offsets = np.cumsum([0, *self.sizes]).tolist()
        self.first = nn.Linear(1, self.sizes[0])
        self.nets = nn.ModuleList(
            nn.Sequential(nn.Linear(self.offsets[j], hidden), nn.ReLU(), nn.Linear(hidden, self.sizes[j]))
            for j in range(1, len(self.sizes))
        )

    def head(self, j: int) -> nn.Linear:
        """The output layer of column ``j``."""
        layer = self.first if j == 0 else self.nets[j - 1]
        if isinstance(layer, nn.Sequential):
            layer = layer[-1]
        assert isinstance(layer, nn.Linear)
        return layer

    def column_logits(self, j: int, x: torch.Tensor) -> torch.Tensor:
        if j == 0:
            return self.first(x.new_ones((len(x), 1)))
        return self.nets[j - 1](x[:, : self.offsets[j]])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: ``x`` holds every block one-hot; returns every block's logits."""
        return torch.cat([self.column_logits(j, x) for j in range(len(self.sizes))], dim=1)

    def init_marginals(self, shares: Sequence[np.ndarray]) -> None:
        """Start every column at its marginal: output bias = log share, first layer's weights zero."""
        with torch.no_grad():
            for j, share in enumerate(shares):
                logp = np.log(np.maximum(np.asarray(share, dtype=np.float64), 1e-6))
                head = self.head(j)
                head.bias.copy_(torch.as_tensor(logp - logp.mean(), dtype=head.bias.dtype))
                if j == 0:
                    head.weight.zero_()

    @torch.no_grad()
    def sample(
        self, n: int, g: torch.Generator, banned: Sequence[torch.Tensor] | None = None
    ) -> torch.Tensor:
        """``n`` rows of block indices, column by column (Gumbel-max); ``banned[j]`` masks slots never
        to emit (e.g. "other")."""
        device = self.first.weight.device
        x = torch.zeros((n, self.offsets[-1]), device=device)
        rows = torch.arange(n, device=device)
        picks = []
        for j, (start, _) in enumerate(itertools.pairwise(self.offsets)):
            logits = self.column_logits(j, x)
            if banned is not None:
                logits = logits.masked_fill(banned[j], -math.inf)
            k = torch.argmax(logits + gumbel(logits.shape, g, device), dim=1)
            x[rows, start + k] = 1.0
            picks.append(k)
        return torch.stack(picks, dim=1)


class BlockLoss:
    """Summed cross-entropy of the blocks, per row with ``reduction="none"``, else averaged or summed:
    the criterion contract of opacus' ghost clipping."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.offsets = np.cumsum([0, *sizes]).tolist()
        self.reduction = "mean"

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = logits.new_zeros(len(logits))
        for j, (a, b) in enumerate(itertools.pairwise(self.offsets)):
            loss = loss + nn.functional.cross_entropy(logits[:, a:b], target[:, j], reduction="none")
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()
