"""The network of ``sequential_deep`` (imports torch: only the deep generator imports this module).

A GRU runs over the steps of an entity. Its input at step ``t`` is the encoded previous step (zeros at
the first step), the entity context (scaled static codes, length, start) and two position features
(``t / max_length`` and the steps left over ``max_length``); its first hidden state comes from the
context. A linear head reads the hidden state and the context and outputs every span of the step
encoding (:class:`~synthwise.deep.encoding.TableEncoder`): value spans as a ``tanh`` mean with a learned
noise scale (Gaussian likelihood), softmax spans as logits (cross-entropy). Sampling feeds each drawn
step back in. All randomness comes from a local ``torch.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.encoding import Span
from synthwise.deep.nets import sample_one_hot

LOG_SIGMA_MIN, LOG_SIGMA_MAX = math.log(0.01), 0.0


class StepGRU(nn.Module):
    def __init__(self, width: int, context_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.width, self.hidden, self.layers = width, hidden, layers
        self.init = nn.Linear(context_dim, hidden * layers)
        self.gru = nn.GRU(width + context_dim + 2, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden + context_dim, width)
        self.log_sigma = nn.Parameter(torch.full((max(width, 1),), math.log(0.1)))

    def initial(self, context: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.init(context))  # (batch, hidden * layers)
        return h.view(len(context), self.layers, self.hidden).transpose(0, 1).contiguous()

    def forward(
        self, prev: torch.Tensor, context: torch.Tensor, pos: torch.Tensor, h0: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``prev`` (B, T, width), ``context`` (B, C), ``pos`` (B, T, 2) -> outputs (B, T, width), h."""
        ctx = context[:, None, :].expand(-1, prev.shape[1], -1)
        out, h = self.gru(torch.cat([prev, ctx, pos], dim=2), h0)
        return self.head(torch.cat([out, ctx], dim=2)), h


def init_recurrent(module: StepGRU, g: torch.Generator) -> None:
    """Draw the GRU weights from ``g`` (``build`` only redraws Linear layers)."""
    bound = 1.0 / math.sqrt(module.hidden)
    with torch.no_grad():
        for p in module.gru.parameters():
            p.uniform_(-bound, bound, generator=g)


class StepLoss:
    """Mean per-step negative log-likelihood over the real (unpadded) steps."""

    def __init__(self, spans: Sequence[Span], device: torch.device) -> None:
        self.values = torch.as_tensor(
            [s.start for s in spans if s.kind == "value"], dtype=torch.long, device=device
        )
        self.soft = [(s.start, s.stop) for s in spans if s.kind == "softmax"]

    def __call__(
        self,
        model: StepGRU,
        x: torch.Tensor,
        tgt: torch.Tensor,
        context: torch.Tensor,
        pos: torch.Tensor,
        mask: torch.Tensor,
    ) -> torch.Tensor:
        prev = torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], dim=1)
        out, _ = model(prev, context, pos, model.initial(context))
        m = mask.reshape(-1)
        flat_out, flat_x = out.reshape(-1, out.shape[2])[m], x.reshape(-1, x.shape[2])[m]
        flat_t = tgt.reshape(-1, tgt.shape[2])[m]
        loss = flat_out.new_zeros(())
        if self.values.numel():
            log_sigma = model.log_sigma[self.values]
            diff = flat_x[:, self.values] - torch.tanh(flat_out[:, self.values])
            loss = loss + (diff.pow(2) / (2 * torch.exp(2 * log_sigma))).sum(1).mean() + log_sigma.sum()
        for j, (a, b) in enumerate(self.soft):
            loss = loss + nn.functional.cross_entropy(flat_out[:, a:b], flat_t[:, j])
        return loss


@torch.no_grad()
def sample_steps(
    model: StepGRU,
    spans: Sequence[Span],
    context: torch.Tensor,
    lengths: np.ndarray,
    max_length: int,
    g: torch.Generator,
) -> np.ndarray:
    """Encoded steps for each entity, rows in entity order (sum(lengths), width)."""
    n, t_max = len(lengths), int(lengths.max())
    device = context.device
    h = model.initial(context)
    prev = torch.zeros((n, 1, model.width), device=device)
    lens = torch.as_tensor(lengths, dtype=torch.float32, device=device)
    steps = torch.zeros((n, t_max, model.width), device=device)
    scale = float(max(max_length, 1))
    for t in range(t_max):
        pos = torch.stack([torch.full_like(lens, t / scale), (lens - 1 - t) / scale], dim=1)[:, None, :]
        out, h = model(prev, context, pos, h)
        out = out[:, 0]
        x = torch.zeros_like(out)
        for s in spans:
            if s.kind == "value":
                sigma = torch.exp(model.log_sigma[s.start])
                noise = torch.randn((n,), generator=g, device=device) * sigma
                x[:, s.start] = (torch.tanh(out[:, s.start]) + noise).clamp(-1.0, 1.0)
            else:
                x[:, s.start : s.stop] = sample_one_hot(out[:, s.start : s.stop], g)
        steps[:, t] = x
        prev = x[:, None, :]
    keep = np.arange(t_max)[None, :] < lengths[:, None]
    return steps.cpu().numpy()[keep]
