"""Diffusion: a TabDDPM-like diffusion model for mixed tables (needs the ``deep`` extra: torch).

Gaussian diffusion on quantile-normalized numerics, masked (absorbing-state) diffusion on categoricals
and missing indicators, one MLP denoiser with a timestep embedding (:mod:`synthwise.deep.ddpm`).
With ``whiten`` (default) the numerics are diffused in a ZCA-whitened frame fitted on the training rows:
near-functions of other columns (a diamond's width given its length) then vary on the scale of the
noise, not far below it, and the model resolves them before the last denoising steps.
Trains on ``n_timesteps`` noise levels and samples with far fewer (``sample_steps``, 50 by default),
which keeps it fast on a CPU; with ``max_epochs=None`` it takes about 1,500 optimizer steps plus one per
four training rows (a fifth of TabDDPM's time on the bench sets), at a learning rate of 6e-3 that rises
over the first 2 % of the steps and then decays to 0 along a cosine in a fit of at least 8,000 steps (a
linear decay to 5 % in shorter ones, where the cosine did worse). Such a long fit checks the held-out loss
and the guard every 1,000 steps instead of 500 and spends the time that frees on 7 % more steps. Measured
on ``diamonds`` (seeds 0, 1, 2, one thread, ``benchmarks/results/frontier_diffusion_v3.json``): detection
AUC 0.603 / 0.615 / 0.597 -> 0.599 / 0.600 / 0.586, DCR share 0.500 / 0.511 / 0.496, CPU seconds of
the seed-0 fit 143 -> 138; covid and default (shorter fits) are unchanged. Training
draws each row's timestep as ``ceil(T u ** t_power)`` with ``u`` uniform, ``t_power`` 2 by default (a mean
of T / 3 instead of T / 2): more of the steps go to low noise levels, where a table's fine structure
(heaps, near-functions such as a diamond's length given its carats) is resolved, and none are added.
Measured on ``diamonds`` (seed 0, no time limit, one thread): detection AUC 0.618 -> 0.603, and a
stronger detector (gradient boosting on all 43,000 rows a side) 0.759 -> 0.739; twice the steps at
t_power 1 gave 0.604 / 0.740 (the same gain for twice the time). Early
stopping on the held-out rows' loss (fixed noise, so it is comparable between checks), and the
memorization guard (:mod:`synthwise.deep.memorization`) on their DCR share.

The ``privacy`` parameter ("off" by default, "balanced" or "strict") passes the output through the privacy
guard (:mod:`synthwise.generators.guard`): rows closer to the training rows than fresh real rows are redrawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from synthwise.deep._torch import torch
from synthwise.deep.ddpm import Denoiser
from synthwise.deep.ddpm import Diffusion as Process
from synthwise.deep.encoding import TableEncoder
from synthwise.deep.fitting import (
    TrainingParams,
    auto_epochs,
    begin_fit,
    in_chunks,
    steps_and_check_every,
    validate_common,
    validate_layer_sizes,
)
from synthwise.deep.nets import adam, build, init_softmax_bias, pick_device, targets, torch_generator
from synthwise.deep.training import train_generator
from synthwise.deep.weights import load_module_arrays, module_arrays
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator

# optimizer steps that max_epochs=None aims for: AUTO_STEPS plus AUTO_STEPS_PER_ROW per training row (the
# time then grows with the rows, as TabDDPM's does: a fifth of its time on the bench sets)
AUTO_STEPS = 1500
AUTO_STEPS_PER_ROW = 0.25
AUTO_MAX_EPOCHS = 2000
GUARD_STEPS = 25  # denoising steps of the guard's samples (cheaper than sample_steps)
# held-out loss and guard checks every STEPS_PER_CHECK optimizer steps in fits of at least LONG_FIT checks;
# shorter fits check twice as often (enough checks for early stopping and the guard). A long fit spends the
# time the sparser checks free (each guard check draws and scores 4,000 rows) on LONG_FIT_GAIN more steps,
# and its learning rate warms up and decays to 0 along a cosine (warmup_cosine); a short fit's decays
# linearly to 5 % (linear_decay: on covid and default, seed 0, the cosine gave detection 0.530 / 0.512
# against 0.516 / 0.502).
STEPS_PER_CHECK = 1000
LONG_FIT = 8
LONG_FIT_GAIN = 1.07
WARMUP = 0.02  # share of the steps over which the learning rate rises linearly, before the cosine decay


def linear_decay(step: int, *, total: int) -> float:
    """The learning rate's factor at optimizer step ``step`` of ``total`` in a short fit: a linear decay
    from 1 to 5 %."""
    return max(0.05, 1.0 - step / max(total, 1))


def warmup_cosine(step: int, *, total: int) -> float:
    """The learning rate's factor at optimizer step ``step`` of ``total``: a linear rise over the first
    ``WARMUP`` of the steps, then a cosine decay to 0."""
    warm = max(1, round(WARMUP * total))
    if step < warm:
        return (step + 1) / warm
    return 0.5 * (1.0 + math.cos(math.pi * min((step - warm) / max(total - warm, 1), 1.0)))


@register_generator("diffusion")
@dataclass(kw_only=True, eq=False, repr=False)
class Diffusion(TrainingParams, Generator):
    summary = "TabDDPM-like diffusion (torch): Gaussian on numerics, masked on categoricals, MLP denoiser."
    capabilities = Capabilities(conditions="rejection", extra="deep")

    batch_size: int = 512
    learning_rate: float = 6e-3
    hidden: Sequence[int] = (256, 256, 256)
    n_timesteps: int = 1000
    sample_steps: int = 50
    eta: float = 1.0
    ema_decay: float | None = None
    whiten: bool = True
    t_power: float = 2.0
    privacy: str = "off"

    def _validate_params(self) -> None:
        validate_common(self)
        for name in ("n_timesteps", "sample_steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidParameterError.expected(name, "Diffusion", "an int >= 1", value)
        validate_layer_sizes(self, "hidden")
        if self.ema_decay is not None and (
            not isinstance(self.ema_decay, int | float) or not 0 <= self.ema_decay < 1
        ):
            raise InvalidParameterError.expected(
                "ema_decay", "Diffusion", "None or a float in [0, 1)", self.ema_decay
            )
        if not isinstance(self.eta, int | float) or not 0 <= self.eta <= 1:
            raise InvalidParameterError.expected("eta", "Diffusion", "a float in [0, 1]", self.eta)
        if not isinstance(self.whiten, bool):
            raise InvalidParameterError.expected("whiten", "Diffusion", "True or False", self.whiten)
        power = self.t_power
        if not isinstance(power, int | float) or isinstance(power, bool) or not 1 <= power <= 4:
            raise InvalidParameterError.expected("t_power", "Diffusion", "a float in [1, 4]", self.t_power)

    # -- fitting --------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        prep, g, dev = begin_fit(self, codes, rng, numeric="quantile")
        trainer = self._build(g)
        net = trainer.net
        blocks = [(a, a + k) for a, k in zip(net.out_offsets, net.cat_sizes, strict=True)]
        init_softmax_bias(net.head, blocks, self.encoder_.frequencies)
        x_num, cat = self._split(prep.train)
        net.set_frame(x_num.cpu().numpy(), whiten=self.whiten)
        opt = adam(net.parameters(), lr=float(self.learning_rate), weight_decay=1e-4, decoupled=True)
        target = AUTO_STEPS + AUTO_STEPS_PER_ROW * len(x_num)
        long_fit = target >= LONG_FIT * STEPS_PER_CHECK
        batch, steps, check_every = steps_and_check_every(
            len(x_num),
            int(self.batch_size),
            steps_per_check=STEPS_PER_CHECK if long_fit else STEPS_PER_CHECK // 2,
        )
        target = round(target * (LONG_FIT_GAIN if long_fit else 1.0))
        max_epochs = auto_epochs(self.max_epochs, steps, target_steps=target, cap=AUTO_MAX_EPOCHS)
        factor = partial(warmup_cosine if long_fit else linear_decay, total=max_epochs * steps)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        ema = float(self.ema_decay or 0.0)
        self.process_ = self._build(g) if ema else trainer  # the weights that sample: an EMA of the trained
        if ema:
            self.process_.net.load_state_dict(net.state_dict())
        pairs = list(zip(self.process_.net.parameters(), net.parameters(), strict=True))
        done = [0]

        def run_epoch(epoch: int) -> float:
            perm = torch.randperm(len(x_num), generator=g, device=dev)
            total = 0.0
            for i in range(steps):
                idx = perm[i * batch : (i + 1) * batch]
                loss = trainer.loss(x_num[idx], cat[idx], *trainer.noise(x_num[idx], cat[idx], g))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                if ema:
                    done[0] += 1
                    weight = 1.0 - min(ema, (1 + done[0]) / (10 + done[0]))
                    with torch.no_grad():
                        for p_ema, p in pairs:
                            p_ema.lerp_(p, weight)
                total += float(loss.detach())
            return total / steps

        held = prep.valid if len(prep.valid) else prep.train[: min(len(prep.train), 2000)]
        xv, cv = self._split(held)
        noise_v = trainer.noise(xv, cv, torch_generator(rng, dev))

        def score() -> float:
            return float(self.process_.loss(xv, cv, *noise_v))

        guard = prep.guard
        guard_g = torch_generator(rng, dev)
        guard_rng = np.random.default_rng(int(rng.integers(0, 2**62)))

        def check_guard(epoch: int) -> tuple[float, bool]:
            assert guard is not None
            synth = self._draw(guard.n_synthetic, guard_g, steps=min(int(self.sample_steps), GUARD_STEPS))
            return guard.check(self.encoder_.inverse(synth, guard_rng), epoch)

        train_generator(
            self,
            run_epoch,
            score,
            guard,
            check_guard,
            [self.process_.net],
            max_epochs=max_epochs,
            check_every=check_every,
            label="diffusion",
        )

    def _build(self, g: torch.Generator) -> Process:
        n_num = len(self.encoder_.spans_of("value"))
        sizes = [s.size for s in self.encoder_.spans_of("softmax")]
        hidden = [int(h) for h in self.hidden]
        net = build(lambda: Denoiser(n_num, sizes, hidden), g, self.device_)
        return Process(net, int(self.n_timesteps), self.device_, t_power=float(self.t_power))

    def _split(self, matrix: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder matrix -> (numerics, categorical slot indices) tensors."""
        values = [s.start for s in self.encoder_.spans_of("value")]
        x_num = torch.from_numpy(np.ascontiguousarray(matrix[:, values], dtype=np.float32)).to(self.device_)
        cat = torch.from_numpy(targets(matrix, self.encoder_.spans)).to(self.device_)
        return x_num, cat

    # -- sampling -------------------------------------------------------------------------------------
    def _draw(self, n: int, g: torch.Generator, *, steps: int | None = None) -> np.ndarray:
        """``n`` rows in encoder space."""
        enc = self.encoder_
        values, soft = enc.spans_of("value"), enc.spans_of("softmax")

        def chunk(k: int) -> np.ndarray:
            x, cat = self.process_.sample(k, int(steps or self.sample_steps), g, eta=float(self.eta))
            x_np, cat_np = x.cpu().numpy(), cat.cpu().numpy()
            out = np.zeros((k, enc.width), dtype=np.float32)
            for j, s in enumerate(values):
                out[:, s.start] = x_np[:, j]
            rows = np.arange(k)
            for j, s in enumerate(soft):
                out[rows, s.start + cat_np[:, j]] = 1.0
            return out

        return in_chunks(n, chunk)

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return self.encoder_.inverse(self._draw(n, torch_generator(rng, self.device_)), rng)

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        enc_meta, enc_arrays = self.encoder_.state()
        arrays = {f"enc/{k}": v for k, v in enc_arrays.items()}
        arrays.update(module_arrays(self.process_.net, "net/"))
        return {"encoder": enc_meta, "training": self.training_, "guard_history": self.guard_history_}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        enc_arrays = {k[4:]: v for k, v in arrays.items() if k.startswith("enc/")}
        self.encoder_ = TableEncoder.from_state(meta["encoder"], enc_arrays)
        self.training_ = meta.get("training", {})
        self.guard_history_ = meta.get("guard_history", [])
        self.device_ = pick_device(self.device)
        self.process_ = self._build(torch.Generator(device=self.device_))
        load_module_arrays(self.process_.net, arrays, "net/")
        self.process_.net.eval()
