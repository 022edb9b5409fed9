"""DP-SGD for the deep generators: wrap a torch model, optimizer and loader with opacus, pay the ledger.

Needs the ``privacy`` extra (opacus) and torch. A deep generator that trains under DP calls
:func:`make_private` once, before its first step, and :meth:`PrivateTraining.check` after each epoch::

    ledger = BudgetLedger(epsilon=1.0, delta=1e-6)           # the run's one ledger
    loader = DataLoader(TensorDataset(x), batch_size=256, generator=torch_generator)
    private = make_private(model, optimizer, loader, ledger=ledger, epochs=max_epochs, max_grad_norm=1.0)
    for epoch in range(max_epochs):
        for (batch,) in private.loader:                      # Poisson-sampled batches
            private.optimizer.zero_grad(); loss(private.model, batch).backward(); private.optimizer.step()
        private.check()                                      # raises if the accountant passed the target

Opacus picks the noise multiplier so that ``epochs`` epochs reach exactly the target (epsilon, delta)
under its accountant (RDP by default); the target is recorded in the ledger up front (an approximate-DP
entry: stopping early spends less, never more). The target defaults to what the ledger has left at
``target_delta`` (by default what is left of delta, or half of it when zCDP steps were already spent).

DP-SGD protects only the gradient steps. Everything else the generator reads from the private rows must
be paid for too or be public: column encoders (ranges, categories, mixture modes), early stopping or
memorization checks on private validation rows, and batch normalization (not supported by opacus; use
layer or group normalization: ``opacus.validators.ModuleValidator.fix(model)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from synthwise.errors import InvalidParameterError, MissingDependencyError
from synthwise.privacy.ledger import BudgetExceededError, BudgetLedger, LedgerEntry


@contextmanager
def quiet_opacus() -> Iterator[None]:
    """Silence opacus' notes on its secure RNG and RDP orders, and torch's on full backward hooks, which
    every DP-SGD run raises and no user can act on."""
    with warnings.catch_warnings():
        for message in ("Secure RNG", "Optimal order", "Full backward hook"):
            warnings.filterwarnings("ignore", message=f".*{message}")
        yield


def _opacus() -> Any:
    try:
        import opacus
    except ImportError as exc:
        raise MissingDependencyError("opacus", "privacy", "DP-SGD training") from exc
    return opacus


@dataclass
class PrivateTraining:
    """The private model, optimizer and loader to train with, and their accounting."""

    model: Any
    optimizer: Any
    loader: Any
    criterion: Any  # the loss to call (opacus' wrapper with ghost clipping), or None
    engine: Any
    target_epsilon: float
    target_delta: float
    epochs: int
    max_grad_norm: float
    entry: LedgerEntry

    @property
    def noise_multiplier(self) -> float:
        return float(self.optimizer.noise_multiplier)

    def spent_epsilon(self) -> float:
        """The epsilon spent so far by the steps taken (at ``target_delta``), per opacus' accountant."""
        if not self.engine.accountant.history:
            return 0.0
        return float(self.engine.get_epsilon(self.target_delta))

    def check(self) -> float:
        """The epsilon spent so far; raises :class:`BudgetExceededError` past the recorded target."""
        spent = self.spent_epsilon()
        if spent > self.target_epsilon * (1 + 1e-3):
            raise BudgetExceededError(
                f"DP-SGD has spent epsilon={spent:.4g}, above the {self.target_epsilon:.4g} recorded in the "
                f"ledger for {self.epochs} epochs. Fix: stop training at the planned number of epochs."
            )
        return spent


def make_private(
    model: Any,
    optimizer: Any,
    loader: Any,
    *,
    ledger: BudgetLedger,
    epochs: int,
    target_epsilon: float | None = None,
    target_delta: float | None = None,
    max_grad_norm: float = 1.0,
    accountant: str = "rdp",
    noise_generator: Any = None,
    criterion: Any = None,
    ghost_clipping: bool = False,
    step: str = "DP-SGD training",
) -> PrivateTraining:
    """Make ``model``/``optimizer``/``loader`` differentially private with opacus'
    ``make_private_with_epsilon``, and record the target (epsilon, delta) in ``ledger`` first.

    ``noise_generator`` (a seeded ``torch.Generator``) makes the noise reproducible; the batches follow
    the generator of ``loader``. ``accountant`` is opacus' ("rdp" or "prv"). With ``ghost_clipping``
    (opacus' "ghost" mode: per-row gradient norms without per-row gradients, several times faster for
    linear layers) ``criterion`` is required: a callable ``criterion(output, target)`` with a
    ``reduction`` attribute that returns one loss per row when it is ``"none"``; train with the
    returned ``PrivateTraining.criterion``.
    """
    opacus = _opacus()
    if not isinstance(epochs, int) or epochs < 1:
        raise InvalidParameterError.expected("epochs", "make_private", "an int >= 1", epochs)
    if ghost_clipping and criterion is None:
        raise InvalidParameterError("make_private: ghost clipping needs a criterion (see the docstring).")
    if not isinstance(max_grad_norm, int | float) or max_grad_norm <= 0:
        raise InvalidParameterError.expected("max_grad_norm", "make_private", "a number > 0", max_grad_norm)
    if target_delta is None:
        _, spent_delta = ledger.spent_approx
        left = ledger.delta - spent_delta
        target_delta = left / 2 if ledger.spent_rho > 0 else left
    if target_epsilon is None:
        target_epsilon = ledger.remaining_epsilon(delta=target_delta)
    if not target_epsilon > 0 or not 0 < target_delta < 1:
        raise BudgetExceededError(
            f"No privacy budget left for {step} (epsilon {target_epsilon:.4g}, delta {target_delta:.3g}). "
            "Fix: raise the ledger's epsilon or spend less before training."
        )
    n_batches = len(loader)
    entry = ledger.spend(  # raises, spending nothing, when the target does not fit
        step,
        epsilon=float(target_epsilon),
        delta=float(target_delta),
        mechanism=f"opacus {accountant}",
        epochs=epochs,
        max_grad_norm=float(max_grad_norm),
        batches_per_epoch=n_batches,
        ghost_clipping=bool(ghost_clipping),
        public="the row count (through the sampling rate)",
    )
    engine = opacus.PrivacyEngine(accountant=accountant)
    extra: dict[str, Any] = {"criterion": criterion} if criterion is not None else {}
    try:
        wrapped = engine.make_private_with_epsilon(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            target_epsilon=float(target_epsilon),
            target_delta=float(target_delta),
            epochs=epochs,
            max_grad_norm=float(max_grad_norm),
            noise_generator=noise_generator,
            grad_sample_mode="ghost" if ghost_clipping else "hooks",
            **extra,
        )
    except ValueError as exc:
        ledger.entries.remove(entry)  # nothing was trained: the spend is void
        if "budget is too low" not in str(exc):
            raise
        raise BudgetExceededError(
            f"{step}: epsilon {target_epsilon:.3g} (what the ledger has left at delta {target_delta:.2g}) "
            f"is too small for {epochs} epochs of {n_batches} batches; opacus finds no noise level that "
            "fits. Fix: raise epsilon, train fewer epochs or with larger batches, or declare public "
            "bounds / a public schema so that less budget goes to the column domains."
        ) from exc
    except Exception:
        ledger.entries.remove(entry)
        raise
    if ghost_clipping:
        p_model, p_opt, p_criterion, p_loader = wrapped
    else:
        (p_model, p_opt, p_loader), p_criterion = wrapped, criterion
    entry.details["noise_multiplier"] = float(p_opt.noise_multiplier)
    return PrivateTraining(
        p_model,
        p_opt,
        p_loader,
        p_criterion,
        engine,
        float(target_epsilon),
        float(target_delta),
        epochs,
        float(max_grad_norm),
        entry,
    )
