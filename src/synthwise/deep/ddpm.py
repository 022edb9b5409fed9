"""Tabular diffusion in the spirit of TabDDPM: Gaussian diffusion on quantile-normalized numerics and
masked (absorbing-state) diffusion on categoricals, with one small MLP denoiser for both.

* Numerics: ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` with a cosine schedule over ``T`` steps;
  the network predicts ``eps`` (mean squared error). ``x_0`` lives in a frame fitted on the training
  rows (:meth:`Denoiser.set_frame`: ZCA whitening, so tight relations between columns are not drowned
  by noise of unit scale); the sampler maps back to quantile-normal values.
* Categoricals (and missing indicators): each value is replaced by a mask token with probability
  ``t / T``; the network predicts the clean value of masked entries (cross-entropy).
* Sampling walks ``sample_steps`` evenly spaced steps (far fewer than ``T``): DDIM updates for numerics
  (``eta`` = 1 is ancestral-like, 0 deterministic) and, for categoricals, each masked entry is revealed
  with probability ``(t - s) / t`` from the predicted distribution.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.nets import gumbel, mlp

X0_CLIP = 5.5  # quantile-normal values live in about [-5.2, 5.2]
WHITEN_FLOOR = 1e-4  # smallest eigenvalue the whitening divides by (quantile-normal columns: variance 1)


def cosine_alpha_bar(n_timesteps: int) -> np.ndarray:
    """``abar[t]`` for t = 0..T (abar[0] = 1), cosine schedule with betas capped at 0.999."""
    s = 0.008
    t = np.arange(n_timesteps + 1) / n_timesteps
    f = np.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    betas = np.clip(1 - f[1:] / f[:-1], 0.0, 0.999)
    return np.concatenate([[1.0], np.cumprod(1 - betas)])


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of ``t`` in [0, 1] (scaled to 1000 steps)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = (t.float() * 1000.0)[:, None] * freqs[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    return emb if dim % 2 == 0 else torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)


def whitening(x: np.ndarray, floor: float = WHITEN_FLOOR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(shift, whiten, color)`` of the ZCA whitening of the rows ``x``: ``(x - shift) @ whiten`` has
    about unit covariance, ``z @ color + shift`` undoes it. Eigenvalues below ``floor`` are raised to it
    (a column that is a near-function of others is not blown up without bound)."""
    x = np.asarray(x, dtype=np.float64)
    k = x.shape[1]
    if len(x) < 2 or k == 0:
        return np.zeros(k), np.eye(k), np.eye(k)
    shift = x.mean(axis=0)
    cov = np.atleast_2d(np.cov(x - shift, rowvar=False))
    lam, vec = np.linalg.eigh((cov + cov.T) / 2)
    lam = np.maximum(lam, floor)
    return shift, (vec / np.sqrt(lam)) @ vec.T, (vec * np.sqrt(lam)) @ vec.T


class Denoiser(nn.Module):
    """MLP on [noisy numerics, one-hot categoricals with a mask slot each] plus a timestep embedding.

    The numerics are diffused in a whitened frame (:meth:`set_frame`; the identity until set): buffers
    ``shift``, ``whiten`` and ``color`` map quantile-normal values to it and back, and ``low`` / ``high``
    bound the predicted clean values in it (saved with the weights).
    """

    in_offsets: torch.Tensor  # a buffer: where each categorical's one-hot block starts in the input
    shift: torch.Tensor
    whiten: torch.Tensor
    color: torch.Tensor
    low: torch.Tensor
    high: torch.Tensor

    def __init__(
        self, n_num: int, cat_sizes: Sequence[int], hidden: Sequence[int], emb_dim: int = 128
    ) -> None:
        super().__init__()
        self.n_num = n_num
        self.cat_sizes = [int(k) for k in cat_sizes]
        self.emb_dim = emb_dim
        in_dim = n_num + sum(k + 1 for k in self.cat_sizes)
        self.proj = nn.Linear(in_dim, emb_dim)
        self.time = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.body = nn.Sequential(mlp([emb_dim, *hidden], nn.SiLU), nn.SiLU())
        self.head = nn.Linear(list(hidden)[-1], n_num + sum(self.cat_sizes))
        in_off = np.cumsum([0] + [k + 1 for k in self.cat_sizes])[:-1]
        out_off = np.cumsum([0, *self.cat_sizes])[:-1]
        self.register_buffer(
            "in_offsets", torch.as_tensor(n_num + in_off, dtype=torch.long), persistent=False
        )
        self.out_offsets = [int(o) for o in n_num + out_off]
        self.register_buffer("shift", torch.zeros(n_num))
        self.register_buffer("whiten", torch.eye(n_num))
        self.register_buffer("color", torch.eye(n_num))
        self.register_buffer("low", torch.full((n_num,), -X0_CLIP))
        self.register_buffer("high", torch.full((n_num,), X0_CLIP))

    def set_frame(self, x: np.ndarray, *, whiten: bool = True, margin: float = 0.5) -> None:
        """Fit the numeric frame on training rows ``x`` (quantile-normal numerics): ZCA whitening when
        ``whiten`` (else the identity), clean values bounded to the rows' range plus ``margin``."""
        k = self.n_num
        shift, white, color = whitening(x) if whiten else (np.zeros(k), np.eye(k), np.eye(k))
        z = (np.asarray(x, dtype=np.float64) - shift) @ white
        low = z.min(axis=0) - margin if len(z) else np.full(k, -X0_CLIP)
        high = z.max(axis=0) + margin if len(z) else np.full(k, X0_CLIP)
        with torch.no_grad():
            for name, value in (
                ("shift", shift),
                ("whiten", white),
                ("color", color),
                ("low", low),
                ("high", high),
            ):
                buf = getattr(self, name)
                buf.copy_(torch.as_tensor(value, dtype=buf.dtype, device=buf.device))

    def to_frame(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.shift) @ self.whiten

    def from_frame(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.color + self.shift

    def forward(self, x_num: torch.Tensor, cat: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``cat`` holds slot indices, ``k`` (the column's size) meaning masked; ``t`` in [0, 1]."""
        n = x_num.shape[0]
        inp = torch.zeros((n, self.proj.in_features), device=x_num.device)
        inp[:, : self.n_num] = x_num
        if self.cat_sizes:
            rows = torch.arange(n, device=x_num.device)[:, None].expand_as(cat)
            inp[rows, self.in_offsets[None, :] + cat] = 1.0
        h = self.proj(inp) + self.time(timestep_embedding(t, self.emb_dim))
        return self.head(self.body(h))


class Diffusion:
    """Loss and sampler for a :class:`Denoiser` with ``n_timesteps`` training steps; training draws the
    timestep as ``ceil(T u ** t_power)``, ``u`` uniform (1: uniform over 1..T; above 1: more of the
    training on low noise levels)."""

    def __init__(
        self, net: Denoiser, n_timesteps: int, device: torch.device, *, t_power: float = 1.0
    ) -> None:
        self.net = net
        self.T = n_timesteps
        self.t_power = float(t_power)
        self.abar = torch.as_tensor(cosine_alpha_bar(n_timesteps), dtype=torch.float32, device=device)
        self.sizes = torch.as_tensor(net.cat_sizes, dtype=torch.long, device=device)
        # each categorical logit's column, and where each column's logits start (among the logits)
        self.block = torch.repeat_interleave(torch.arange(len(net.cat_sizes), device=device), self.sizes)
        self.starts = torch.cumsum(self.sizes, 0) - self.sizes
        self.device = device

    def noise(
        self, x_num: torch.Tensor, cat: torch.Tensor, g: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Random timesteps, Gaussian noise and masks: ``(t, eps, mask, noisy numerics)``."""
        n = x_num.shape[0]
        if self.t_power == 1.0:
            t = torch.randint(1, self.T + 1, (n,), generator=g, device=self.device)
        else:
            u = torch.rand((n,), generator=g, device=self.device)
            t = (u**self.t_power * self.T).ceil().long().clamp(1, self.T)
        eps = torch.randn(x_num.shape, generator=g, device=self.device)
        mask = torch.rand(cat.shape, generator=g, device=self.device) < (t.float() / self.T)[:, None]
        ab = self.abar[t][:, None]
        return t, eps, mask, ab.sqrt() * self.net.to_frame(x_num) + (1 - ab).sqrt() * eps

    def loss(
        self,
        x_num: torch.Tensor,
        cat: torch.Tensor,
        t: torch.Tensor,
        eps: torch.Tensor,
        mask: torch.Tensor,
        x_t: torch.Tensor,
    ) -> torch.Tensor:
        cat_t = torch.where(mask, self.sizes[None, :].expand_as(cat), cat)
        out = self.net(x_t, cat_t, t.float() / self.T)
        total = x_num.new_zeros(())
        if self.net.n_num:
            total = total + (out[:, : self.net.n_num] - eps).pow(2).mean()
        if self.net.cat_sizes:
            ce = self.cross_entropy(out[:, self.net.n_num :], cat)
            total = total + (ce * mask).sum() / mask.sum().clamp_min(1)
        return total

    def cross_entropy(self, logits: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of every categorical column at once: ``logits`` (n, sum of sizes), ``cat`` the
        true slots (n, columns); returns (n, columns). A few tensor operations, whatever the number of
        columns (one cross_entropy call per column costs more than the network on wide tables)."""
        n, n_cols = logits.shape[0], len(self.net.cat_sizes)
        block = self.block[None, :].expand(n, -1)
        top = torch.full((n, n_cols), -torch.inf, device=logits.device, dtype=logits.dtype)
        top = top.scatter_reduce(1, block, logits.detach(), "amax")
        sums = torch.zeros_like(top).index_add(1, self.block, (logits - top.gather(1, block)).exp())
        return sums.log() + top - logits.gather(1, self.starts[None, :] + cat)

    @torch.no_grad()
    def sample(
        self, n: int, steps: int, g: torch.Generator, *, eta: float = 1.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` rows: ``(numerics in quantile-normal space, categorical slot indices)``."""
        net, dev = self.net, self.device
        x = torch.randn((n, net.n_num), generator=g, device=dev)
        cat = self.sizes[None, :].expand(n, -1).clone()
        taus = np.unique(np.round(np.linspace(self.T, 0, max(int(steps), 1) + 1)).astype(np.int64))[::-1]
        for t, s in itertools.pairwise(taus):
            out = net(x, cat, torch.full((n,), t / self.T, device=dev))
            if net.n_num:
                ab_t, ab_s = self.abar[t], self.abar[s]
                x0 = (x - (1 - ab_t).sqrt() * out[:, : net.n_num]) / ab_t.sqrt()
                x0 = torch.maximum(torch.minimum(x0, net.high), net.low)
                e = (x - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
                sigma = eta * ((1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)).clamp_min(0).sqrt()
                x = ab_s.sqrt() * x0 + (1 - ab_s - sigma**2).clamp_min(0).sqrt() * e
                if s > 0:
                    x = x + sigma * torch.randn(x.shape, generator=g, device=dev)
            if net.cat_sizes:
                reveal = torch.rand(cat.shape, generator=g, device=dev) < (t - s) / t
                for j, (a, k) in enumerate(zip(net.out_offsets, net.cat_sizes, strict=True)):
                    logits = out[:, a : a + k]
                    draw = torch.argmax(logits + gumbel(logits.shape, g, dev), dim=1)
                    pick = reveal[:, j] & (cat[:, j] == k)
                    cat[:, j] = torch.where(pick, draw, cat[:, j])
        return net.from_frame(x), cat
