"""The TVAE network: an MLP encoder to a Gaussian latent, an MLP decoder to value and softmax spans.

Value spans (the mode-normalized ``alpha`` of numerics, in [-1, 1]) are ``tanh`` outputs with a learned
per-column noise scale ``sigma`` (Gaussian likelihood); softmax spans (categories, mixture modes,
missing slots) use a cross-entropy likelihood. The loss is ``loss_factor * reconstruction + KL``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from synthwise.deep._torch import nn, torch
from synthwise.deep.encoding import Span
from synthwise.deep.nets import mlp, sample_one_hot

LOG_SIGMA_MIN, LOG_SIGMA_MAX = math.log(0.01), 0.0


class VAE(nn.Module):
    def __init__(self, width: int, latent_dim: int, hidden: Sequence[int]) -> None:
        super().__init__()
        h = list(hidden)
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(mlp([width, *h]), nn.ReLU())
        self.mu = nn.Linear(h[-1], latent_dim)
        self.logvar = nn.Linear(h[-1], latent_dim)
        self.decoder = mlp([latent_dim, *h[::-1], width])
        self.log_sigma = nn.Parameter(torch.full((width,), math.log(0.1)))

    @property
    def head(self) -> nn.Linear:
        layer = self.decoder[-1]
        assert isinstance(layer, nn.Linear)
        return layer

    def forward(self, x: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h).clamp(-20.0, 10.0)
        eps = torch.randn(mu.shape, generator=g, device=mu.device)
        out = self.decoder(mu + torch.exp(0.5 * logvar) * eps)
        return out, mu, logvar


class VAELoss:
    """``loss_factor * (Gaussian NLL of value spans + cross-entropy of softmax spans) + KL``, per row."""

    def __init__(self, spans: Sequence[Span], loss_factor: float, device: torch.device) -> None:
        self.values = torch.as_tensor(
            [s.start for s in spans if s.kind == "value"], dtype=torch.long, device=device
        )
        self.soft = [(s.start, s.stop) for s in spans if s.kind == "softmax"]
        self.loss_factor = loss_factor

    def __call__(self, model: VAE, x: torch.Tensor, tgt: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        out, mu, logvar = model(x, g)
        rec = x.new_zeros(())
        if self.values.numel():
            log_sigma = model.log_sigma[self.values]
            diff = x[:, self.values] - torch.tanh(out[:, self.values])
            rec = rec + (diff.pow(2) / (2 * torch.exp(2 * log_sigma))).sum(1).mean() + log_sigma.sum()
        for j, (a, b) in enumerate(self.soft):
            rec = rec + nn.functional.cross_entropy(out[:, a:b], tgt[:, j])
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()
        return self.loss_factor * rec + kl


@torch.no_grad()
def decode_sample(
    model: VAE,
    spans: Sequence[Span],
    n: int,
    g: torch.Generator,
    device: torch.device,
    *,
    draw_discrete: bool = True,
) -> torch.Tensor:
    """``n`` rows in encoder space: value spans with their noise; softmax spans drawn one-hot from the
    decoder's distribution (``draw_discrete``) or set to its most likely slot (SDV's choice)."""
    z = torch.randn((n, model.latent_dim), generator=g, device=device)
    out = model.decoder(z)
    result = torch.zeros_like(out)
    for s in spans:
        if s.kind == "value":
            sigma = torch.exp(model.log_sigma[s.start])
            noise = torch.randn((n,), generator=g, device=device) * sigma
            result[:, s.start] = (torch.tanh(out[:, s.start]) + noise).clamp(-1.0, 1.0)
        elif draw_discrete:
            result[:, s.start : s.stop] = sample_one_hot(out[:, s.start : s.stop], g)
        else:
            block = out[:, s.start : s.stop]
            result[:, s.start : s.stop] = nn.functional.one_hot(block.argmax(dim=1), s.size).to(block.dtype)
    return result
