"""TVAE: a variational autoencoder for mixed tables (needs the ``deep`` extra: torch).

Numerics get mode-specific normalization (a Bayesian Gaussian mixture per column plus exact point
masses), categoricals a softmax head, missing values their own slot; see :mod:`synthwise.deep.encoding`.
Training holds out ``validation_fraction`` of the rows: early stopping on their loss, and the
memorization guard (:mod:`synthwise.deep.memorization`) on their DCR share. Fitted attributes: ``training_``
(epochs, stop reason, losses, checks) and ``guard_history_`` (DCR share per check; ideal 0.5).

The ``privacy`` parameter ("off" by default, "balanced" or "strict") passes the output through the privacy
guard (:mod:`synthwise.generators.guard`): rows closer to the training rows than fresh real rows are redrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise.deep._torch import torch
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
from synthwise.deep.nets import (
    adam,
    build,
    init_softmax_bias,
    pick_device,
    softmax_blocks,
    targets,
    torch_generator,
)
from synthwise.deep.training import train_generator
from synthwise.deep.vae import LOG_SIGMA_MAX, LOG_SIGMA_MIN, VAE, VAELoss, decode_sample
from synthwise.deep.weights import load_module_arrays, module_arrays
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator

AUTO_STEPS = 6000  # optimizer steps that max_epochs=None aims for
AUTO_MAX_EPOCHS = 300


@register_generator("tvae")
@dataclass(kw_only=True, eq=False, repr=False)
class TVAE(TrainingParams, Generator):
    summary = "Variational autoencoder for mixed tables (torch): mode-specific normalization, softmax heads."
    capabilities = Capabilities(conditions="rejection", extra="deep")

    latent_dim: int = 128
    hidden: Sequence[int] = (128, 128)
    loss_factor: float = 2.0
    draw_discrete: bool = True
    privacy: str = "off"

    def _validate_params(self) -> None:
        validate_common(self)
        if not isinstance(self.latent_dim, int) or self.latent_dim < 1:
            raise InvalidParameterError.expected("latent_dim", "TVAE", "an int >= 1", self.latent_dim)
        validate_layer_sizes(self, "hidden")
        if not isinstance(self.loss_factor, int | float) or self.loss_factor <= 0:
            raise InvalidParameterError.expected("loss_factor", "TVAE", "a float > 0", self.loss_factor)

    # -- fitting --------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        prep, g, dev = begin_fit(self, codes, rng, numeric="gmm")
        self.model_ = self._build(g)
        spans = self.encoder_.spans
        init_softmax_bias(self.model_.head, softmax_blocks(spans), self.encoder_.frequencies)
        loss_fn = VAELoss(spans, float(self.loss_factor), dev)
        opt = adam(self.model_.parameters(), lr=float(self.learning_rate), weight_decay=1e-5)
        x = torch.from_numpy(prep.train).to(dev)
        tgt = torch.from_numpy(targets(prep.train, spans)).to(dev)
        batch, steps, check_every = steps_and_check_every(len(x), int(self.batch_size), steps_per_check=200)

        def run_epoch(epoch: int) -> float:
            perm = torch.randperm(len(x), generator=g, device=dev)
            total = 0.0
            for i in range(steps):
                idx = perm[i * batch : (i + 1) * batch]
                loss = loss_fn(self.model_, x[idx], tgt[idx], g)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                with torch.no_grad():
                    self.model_.log_sigma.clamp_(LOG_SIGMA_MIN, LOG_SIGMA_MAX)
                total += float(loss.detach())
            return total / steps

        held = prep.valid if len(prep.valid) else prep.train[: min(len(prep.train), 2000)]
        xv = torch.from_numpy(held).to(dev)
        tv = torch.from_numpy(targets(held, spans)).to(dev)
        score_seed = int(rng.integers(0, 2**62))

        def score() -> float:
            gv = torch.Generator(device=dev).manual_seed(score_seed)
            return float(loss_fn(self.model_, xv, tv, gv))

        guard = prep.guard
        guard_g = torch_generator(rng, dev)
        guard_rng = np.random.default_rng(int(rng.integers(0, 2**62)))

        def check_guard(epoch: int) -> tuple[float, bool]:
            assert guard is not None
            synth = self._decode(guard.n_synthetic, guard_g)
            return guard.check(self.encoder_.inverse(synth.cpu().numpy(), guard_rng), epoch)

        train_generator(
            self,
            run_epoch,
            score,
            guard,
            check_guard,
            [self.model_],
            max_epochs=auto_epochs(self.max_epochs, steps, target_steps=AUTO_STEPS, cap=AUTO_MAX_EPOCHS),
            check_every=check_every,
            label="tvae",
        )

    def _build(self, g: torch.Generator) -> VAE:
        width, latent, hidden = self.encoder_.width, int(self.latent_dim), [int(h) for h in self.hidden]
        return build(lambda: VAE(width, latent, hidden), g, self.device_)

    # -- sampling -------------------------------------------------------------------------------------
    def _decode(self, n: int, g: torch.Generator) -> torch.Tensor:
        return decode_sample(
            self.model_, self.encoder_.spans, n, g, self.device_, draw_discrete=bool(self.draw_discrete)
        )

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        g = torch_generator(rng, self.device_)
        matrix = in_chunks(n, lambda k: self._decode(k, g).cpu().numpy())
        return self.encoder_.inverse(matrix, rng)

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        enc_meta, enc_arrays = self.encoder_.state()
        arrays = {f"enc/{k}": v for k, v in enc_arrays.items()}
        arrays.update(module_arrays(self.model_, "net/"))
        return {"encoder": enc_meta, "training": self.training_, "guard_history": self.guard_history_}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.encoder_ = TableEncoder.from_state(
            meta["encoder"], {k[4:]: v for k, v in arrays.items() if k.startswith("enc/")}
        )
        self.training_ = meta.get("training", {})
        self.guard_history_ = meta.get("guard_history", [])
        self.device_ = pick_device(self.device)
        self.model_ = self._build(torch.Generator(device=self.device_))
        load_module_arrays(self.model_, arrays, "net/")
        self.model_.eval()
