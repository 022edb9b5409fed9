"""Small class-conditional convolutional networks for images (square, side divisible by 4): the VAE's
encoder / decoder, the GAN's generator (upsample + convolution) and spectrally normalized projection
discriminator, and the U-Net of the flow-matching model. Images go in as ``(n, c, s, s)`` in [0, 1];
labels as int64 ``(n,)``. Every weight is drawn from a local ``torch.Generator`` (:func:`build_seeded`),
so a seed gives the same network."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from synthwise.deep._torch import nn, torch

M = TypeVar("M", bound=nn.Module)


@contextmanager
def seeded_global_rng(g: torch.Generator) -> Iterator[None]:
    """Inside: torch's global RNG seeded from ``g`` (whatever a constructor draws from it, such as an
    embedding's weights or spectral norm's vectors, follows the seed; torch seeds it at random per
    process); outside: the global state as it was."""
    devices = [g.device.index or 0] if g.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=g, device=g.device).item()))
        yield


def build_seeded(factory: Callable[[], M], g: torch.Generator, device: torch.device) -> M:
    """Construct a module from ``g`` without touching the global RNG: defaults drawn under
    :func:`seeded_global_rng`, then every Linear / conv weight redrawn from ``g``."""
    with seeded_global_rng(g):
        module = factory()
    module = module.to(device)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
                fan_in = (
                    layer.weight[0].numel()
                    if not isinstance(layer, nn.ConvTranspose2d)
                    else (layer.weight.shape[0] * layer.weight[0, 0].numel())
                )
                bound = 1.0 / math.sqrt(max(fan_in, 1))
                layer.weight.uniform_(-bound * math.sqrt(3.0), bound * math.sqrt(3.0), generator=g)
                if layer.bias is not None:
                    layer.bias.uniform_(-bound, bound, generator=g)
    return module


class Encoder(nn.Module):
    """(image, label) -> a vector of ``out`` numbers: two stride-2 convs, then a linear layer."""

    def __init__(self, channels: int, size: int, n_classes: int, out: int, width: int = 32) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.LeakyReLU(0.2),
        )
        self.label = nn.Embedding(n_classes, 2 * width)
        self.head = nn.Sequential(nn.Linear(2 * width * (size // 4) ** 2 + 2 * width, 256), nn.LeakyReLU(0.2))
        self.out = nn.Linear(256, out)

    def features(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.conv(x).flatten(1)
        return self.head(torch.cat([h, self.label(y)], dim=1))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x, y))


class Decoder(nn.Module):
    """(latent, label) -> image logits ``(n, c, s, s)``: a linear layer, two stride-2 transposed convs."""

    def __init__(self, channels: int, size: int, n_classes: int, latent: int, width: int = 32) -> None:
        super().__init__()
        self.side = size // 4
        self.width = width
        self.label = nn.Embedding(n_classes, latent)
        self.fc = nn.Sequential(nn.Linear(2 * latent, 2 * width * self.side**2), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, width, 4, 2, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, channels, 3, 1, 1),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([z, self.label(y)], dim=1)).view(-1, 2 * self.width, self.side, self.side)
        return self.deconv(h)


class GanGenerator(nn.Module):
    """The GAN's generator: (latent, label) -> image logits through a linear layer and two nearest
    upsamplings each followed by a 3 x 3 convolution (channels ``2w -> w -> w/2``), batch-normalized.

    A third of the decoder's cost per image (its 28 x 28 transposed convolution at full width dominates),
    so a CPU budget buys three times the updates; upsampling also avoids transposed convolutions'
    checkerboard artefacts."""

    def __init__(self, channels: int, size: int, n_classes: int, latent: int, width: int = 32) -> None:
        super().__init__()
        self.side = size // 4
        self.width = width
        cells = 2 * width * self.side**2
        self.label = nn.Embedding(n_classes, latent)
        self.fc = nn.Sequential(nn.Linear(2 * latent, cells), nn.BatchNorm1d(cells), nn.ReLU())
        half = max(width // 2, 8)
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.Conv2d(2 * width, width, 3, 1, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(width, half, 3, 1, 1),
            nn.BatchNorm2d(half),
            nn.ReLU(),
            nn.Conv2d(half, channels, 3, 1, 1),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([z, self.label(y)], dim=1)).view(-1, 2 * self.width, self.side, self.side)
        return self.body(h)


class Critic(nn.Module):
    """The GAN's discriminator: conv features plus a projection of the label (Miyato & Koyama), every
    linear and convolution weight spectrally normalized (Miyato et al. 2018)."""

    def __init__(self, channels: int, size: int, n_classes: int, width: int = 32) -> None:
        super().__init__()
        self.body = Encoder(channels, size, n_classes, 1, width)
        self.project = nn.Embedding(n_classes, 256)

    def normalize(self, g: torch.Generator) -> Critic:
        """Put spectral normalization on every linear / conv layer (after the seeded initialization);
        its power-iteration vectors are drawn from a global RNG seeded from ``g``, then restored."""
        with seeded_global_rng(g):
            for layer in list(self.modules()):
                if isinstance(layer, nn.Linear | nn.Conv2d):
                    nn.utils.parametrizations.spectral_norm(layer)
        return self

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.body.features(x, y)
        return (self.body.out(h)[:, 0] + (self.project(y) * h).sum(dim=1)).unsqueeze(1)


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of times ``t`` in [0, 1] ``(n,)`` -> ``(n, dim)``."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device, dtype=t.dtype) / half)
    angles = 1000.0 * t[:, None] * freqs[None, :] / 10.0
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A two-level U-Net predicting a velocity field from (x_t, t, label); label ``n_classes`` = none
    (for classifier-free guidance)."""

    def __init__(self, channels: int, n_classes: int, width: int = 32) -> None:
        super().__init__()
        emb = 4 * width
        self.width = width
        self.t_mlp = nn.Sequential(nn.Linear(width, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label = nn.Embedding(n_classes + 1, emb)
        self.inp = nn.Conv2d(channels, width, 3, 1, 1)
        self.down1 = ResBlock(width, width, emb)
        self.pool1 = nn.Conv2d(width, width, 4, 2, 1)
        self.down2 = ResBlock(width, 2 * width, emb)
        self.pool2 = nn.Conv2d(2 * width, 2 * width, 4, 2, 1)
        self.mid = ResBlock(2 * width, 2 * width, emb)
        self.up2 = nn.ConvTranspose2d(2 * width, 2 * width, 4, 2, 1)
        self.dec2 = ResBlock(4 * width, width, emb)
        self.up1 = nn.ConvTranspose2d(width, width, 4, 2, 1)
        self.dec1 = ResBlock(2 * width, width, emb)
        self.out = nn.Sequential(nn.GroupNorm(8, width), nn.SiLU(), nn.Conv2d(width, channels, 3, 1, 1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        e = self.t_mlp(time_embedding(t, self.width)) + self.label(y)
        h0 = self.down1(self.inp(x), e)
        h1 = self.down2(self.pool1(h0), e)
        m = self.mid(self.pool2(h1), e)
        u2 = self.dec2(torch.cat([self.up2(m), h1], dim=1), e)
        u1 = self.dec1(torch.cat([self.up1(u2), h0], dim=1), e)
        return self.out(u1)
