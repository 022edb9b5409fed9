"""CTGAN: a conditional GAN for mixed tables (needs the ``deep`` extra: torch).

Mode-specific normalization of numerics (:mod:`synthwise.deep.encoding`), training-by-sampling of
discrete conditions by log-frequency so rare categories are learned, a PacGAN critic with a WGAN
gradient penalty (:mod:`synthwise.deep.gan`). A GAN's losses do not say how good its samples are, so
checkpoints are scored by a quick fidelity gap between samples and the held-out validation rows (early
stopping after ``patience`` checks without improvement); the memorization guard
(:mod:`synthwise.deep.memorization`) watches the DCR share against the same held-out rows. Conditions on one
discrete column are native (through the condition vector); other columns in the same condition are met
by rejection on top.

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
from synthwise.deep.gan import ConditionSampler, Critic, GanGenerator, activate, gradient_penalty
from synthwise.deep.memorization import fidelity_gap
from synthwise.deep.nets import (
    adam,
    build,
    init_softmax_bias,
    pick_device,
    set_generator,
    softmax_blocks,
    torch_generator,
)
from synthwise.deep.training import train_generator
from synthwise.deep.weights import load_module_arrays, module_arrays
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator, condition_groups, sample_by_rejection
from synthwise.generators.registry import register_generator

Native = tuple[int, int] | None  # (condition column, slot) fixed for every row, or None

AUTO_STEPS = 6000  # optimizer steps that max_epochs=None aims for
AUTO_MAX_EPOCHS = 300


@register_generator("ctgan")
@dataclass(kw_only=True, eq=False, repr=False)
class CTGAN(TrainingParams, Generator):
    summary = "Conditional GAN for mixed tables (torch): training-by-sampling, PacGAN, gradient penalty."
    capabilities = Capabilities(conditions="native", extra="deep")

    learning_rate: float = 2e-4
    noise_dim: int = 128
    generator_hidden: Sequence[int] = (256, 256)
    critic_hidden: Sequence[int] = (256, 256)
    pac: int = 10
    critic_steps: int = 1
    patience: int = 20
    privacy: str = "off"

    def _validate_params(self) -> None:
        validate_common(self)
        for name in ("noise_dim", "pac", "critic_steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidParameterError.expected(name, "CTGAN", "an int >= 1", value)
        validate_layer_sizes(self, "generator_hidden", "critic_hidden")

    # -- fitting --------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        prep, g, dev = begin_fit(self, codes, rng, numeric="gmm")
        x = torch.from_numpy(prep.train).to(dev)
        self.sampler_ = ConditionSampler(prep.train, self.encoder_.spans, dev)
        self._restore_frequencies()  # the same sampling table as after loading a model file
        n_rows = len(x)
        pac = int(min(self.pac, n_rows))
        batch = max(pac, (int(min(self.batch_size, n_rows)) // pac) * pac)
        self.pac_ = pac
        self.generator_, critic = self._build(g)
        set_generator(critic, g)
        init_softmax_bias(
            self.generator_.head, softmax_blocks(self.encoder_.spans), self.encoder_.frequencies
        )
        lr = float(self.learning_rate)
        opt_g = adam(self.generator_.parameters(), lr=lr, betas=(0.5, 0.9), weight_decay=1e-6)
        opt_d = adam(critic.parameters(), lr=lr, betas=(0.5, 0.9), weight_decay=1e-6)
        _, steps, check_every = steps_and_check_every(n_rows, batch, steps_per_check=200)
        spans, sampler, gen = self.encoder_.spans, self.sampler_, self.generator_

        def conditions(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            if sampler.dim == 0:
                empty = torch.zeros((k,), dtype=torch.long, device=dev)
                return torch.zeros((k, 0), device=dev), empty, empty
            col, slot = sampler.draw(k, g, log_frequency=True)
            return sampler.vector(col, slot), col, slot

        def run_epoch(epoch: int) -> float:
            total = 0.0
            for _ in range(steps):
                for _ in range(int(self.critic_steps)):
                    cond, col, slot = conditions(batch)
                    if sampler.dim:
                        perm = torch.randperm(batch, generator=g, device=dev)
                        real = torch.cat([x[sampler.real_rows(col[perm], slot[perm], g)], cond[perm]], dim=1)
                    else:
                        real = x[torch.randint(0, n_rows, (batch,), generator=g, device=dev)]
                    with torch.no_grad():
                        z = torch.randn((batch, gen.noise_dim), generator=g, device=dev)
                        fake = torch.cat([activate(gen(z, cond), spans, g), cond], dim=1)
                    loss_d = (
                        critic(fake).mean() - critic(real).mean() + gradient_penalty(critic, real, fake, g)
                    )
                    opt_d.zero_grad(set_to_none=True)
                    loss_d.backward()
                    opt_d.step()
                cond, col, slot = conditions(batch)
                z = torch.randn((batch, gen.noise_dim), generator=g, device=dev)
                raw = gen(z, cond)
                loss_g = -critic(torch.cat([activate(raw, spans, g), cond], dim=1)).mean()
                if sampler.dim:
                    loss_g = loss_g + sampler.condition_loss(raw, col, slot)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                total += float(loss_g.detach())
            return total / steps

        score_seed = int(rng.integers(0, 2**62))
        n_score = len(prep.reference)

        def score() -> float:
            gs = torch.Generator(device=dev).manual_seed(score_seed)
            synth = self.encoder_.inverse(self._draw(n_score, gs, None), np.random.default_rng(score_seed))
            return fidelity_gap(prep.reference, prep.featurizer(synth))

        guard = prep.guard
        guard_g = torch_generator(rng, dev)
        guard_rng = np.random.default_rng(int(rng.integers(0, 2**62)))

        def check_guard(epoch: int) -> tuple[float, bool]:
            assert guard is not None
            synth = self._draw(guard.n_synthetic, guard_g, None)
            return guard.check(self.encoder_.inverse(synth, guard_rng), epoch)

        train_generator(
            self,
            run_epoch,
            score,
            guard,
            check_guard,
            [self.generator_, critic],
            max_epochs=auto_epochs(self.max_epochs, steps, target_steps=AUTO_STEPS, cap=AUTO_MAX_EPOCHS),
            check_every=check_every,
            label="ctgan",
        )

    def _build(self, g: torch.Generator) -> tuple[GanGenerator, Critic]:
        width, cond_dim = self.encoder_.width, self.sampler_.dim
        gh, ch = [int(h) for h in self.generator_hidden], [int(h) for h in self.critic_hidden]
        gen = build(lambda: GanGenerator(int(self.noise_dim), cond_dim, gh, width), g, self.device_)
        critic = build(lambda: Critic(width + cond_dim, ch, self.pac_), g, self.device_)
        return gen, critic

    # -- sampling -------------------------------------------------------------------------------------
    @torch.no_grad()
    def _draw(self, n: int, g: torch.Generator, native: Native) -> np.ndarray:
        """``n`` rows in encoder space; ``native`` fixes one discrete column's slot for every row."""
        gen, sampler, dev = self.generator_, self.sampler_, self.device_

        def chunk(k: int) -> np.ndarray:
            z = torch.randn((k, gen.noise_dim), generator=g, device=dev)
            if sampler.dim == 0:
                cond = torch.zeros((k, 0), device=dev)
            elif native is None:
                cond = sampler.vector(*sampler.draw(k, g, log_frequency=False))
            else:
                col = torch.full((k,), native[0], dtype=torch.long, device=dev)
                cond = sampler.vector(col, torch.full((k,), native[1], dtype=torch.long, device=dev))
            return activate(gen(z, cond), self.encoder_.spans, g, hard=True).cpu().numpy()

        return in_chunks(n, chunk)

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        g = torch_generator(rng, self.device_)
        if conditions is None:
            return self.encoder_.inverse(self._draw(n, g, None), rng)
        names = list(conditions.columns)
        out = pd.DataFrame(
            np.nan, index=pd.RangeIndex(len(conditions)), columns=[c.name for c in self.encoder_.codecs]
        )
        for pattern, rows in condition_groups(conditions.to_numpy(dtype=np.float64)):
            fixed = {names[j]: float(pattern[j]) for j in np.flatnonzero(~np.isnan(pattern))}
            native = self._native(fixed)

            def draw(k: int, _rng: np.random.Generator, _c: Any, native: Native = native) -> pd.DataFrame:
                return self.encoder_.inverse(self._draw(k, g, native), _rng)

            native_col = self.sampler_.spans[native[0]].column if native else None
            if native is not None and set(fixed) == {native_col}:
                part = draw(len(rows), rng, None)
            else:
                part = sample_by_rejection(draw, conditions.iloc[rows].reset_index(drop=True), rng)
            out.iloc[rows] = part[out.columns].to_numpy()
        return out

    def _native(self, fixed: dict[str, float]) -> Native:
        """The first fixed column that has a condition slot holding the fixed value, as (column, slot)."""
        for j, span in enumerate(self.sampler_.spans):
            if span.column in fixed:
                codec = next(c for c in self.encoder_.codecs if c.name == span.column)
                hits = np.flatnonzero(codec.slots == fixed[span.column])
                if len(hits):
                    return j, int(hits[0])
        return None

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        enc_meta, enc_arrays = self.encoder_.state()
        arrays = {f"enc/{k}": v for k, v in enc_arrays.items()}
        arrays.update(module_arrays(self.generator_, "net/"))
        meta = {
            "encoder": enc_meta,
            "pac": self.pac_,
            "training": self.training_,
            "guard_history": self.guard_history_,
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        enc_arrays = {k[4:]: v for k, v in arrays.items() if k.startswith("enc/")}
        self.encoder_ = TableEncoder.from_state(meta["encoder"], enc_arrays)
        self.training_ = meta.get("training", {})
        self.guard_history_ = meta.get("guard_history", [])
        self.pac_ = int(meta["pac"])
        self.device_ = pick_device(self.device)
        self.sampler_ = ConditionSampler(
            np.zeros((0, self.encoder_.width), dtype=np.float32), self.encoder_.spans, self.device_
        )
        self._restore_frequencies()
        self.generator_, _ = self._build(torch.Generator(device=self.device_))
        load_module_arrays(self.generator_, arrays, "net/")
        self.generator_.eval()

    def _restore_frequencies(self) -> None:
        """The sampler's frequency table from the encoder's stored training frequencies."""
        soft = self.encoder_.spans_of("softmax")
        freq = {s.start: f for s, f in zip(soft, self.encoder_.frequencies, strict=True)}
        self.sampler_.probs = [freq[s.start] / max(freq[s.start].sum(), 1e-12) for s in self.sampler_.spans]
        self.sampler_.table = self.sampler_._table(self.sampler_.probs)
