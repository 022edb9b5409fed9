"""The training loop shared by the deep generators.

``train(...)`` runs epochs until ``max_epochs``, ``max_time_s``, early stopping (``patience`` checks in a
row without a better validation score), the memorization guard, or Ctrl-C. Every ``check_every``
epochs (and after the last one) it scores the model on the validation split, asks the guard for the DCR
share, and snapshots the weights when the score improves. A checkpoint whose DCR share is above the
guard's threshold is never kept, and ``guard_patience`` such checks in a row stop training (one noisy
check does not). At the end the best snapshot that passed the guard is restored (if none passed, the one
with the lowest DCR share). Ctrl-C stops cleanly: the fit completes with the best weights so far.

A rich progress bar (epoch, loss, validation score, DCR share, eta) shows on an interactive terminal
when ``verbose`` is True and stays quiet otherwise. The loop itself draws no random numbers: the epoch
and check callables own their (local) generators, so a seed gives the same weights on CPU unless the
run is cut by ``max_time_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from synthwise.deep._torch import nn, torch


@dataclass(frozen=True)
class TrainConfig:
    max_epochs: int
    max_time_s: float | None = None
    patience: int = 10  # checks without improvement before early stopping
    check_every: int = 1  # epochs between checks
    verbose: bool = True
    label: str = "training"
    min_delta: float = 1e-4  # relative improvement that counts as better
    guard_patience: int = 2  # checks in a row above the guard's threshold before stopping


@dataclass
class TrainResult:
    """What happened during training; stored on the fitted generator as ``training_``."""

    epochs: int = 0
    best_epoch: int = 0
    stopped_by: str = (
        "max_epochs"  # max_epochs | max_time_s | early_stopping | memorization_guard | interrupted
    )
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)  # epoch, score, dcr_share, passed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def snapshot(modules: Sequence[nn.Module]) -> list[dict[str, torch.Tensor]]:
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


def restore(modules: Sequence[nn.Module], states: list[dict[str, torch.Tensor]]) -> None:
    for m, s in zip(modules, states, strict=True):
        m.load_state_dict(s)


def train(
    run_epoch: Callable[[int], float],
    score: Callable[[], float],
    guard: Callable[[int], tuple[float, bool]] | None,
    modules: Sequence[nn.Module],
    config: TrainConfig,
) -> TrainResult:
    """Train with ``run_epoch(epoch) -> mean loss``; ``score() -> validation score`` (lower is better);
    ``guard(epoch) -> (dcr share, within threshold)`` or None. Returns a :class:`TrainResult`.

    A checkpoint above the guard's threshold is never kept as the best; ``config.guard_patience``
    such checks in a row stop training. When no checkpoint passed the guard, the one with the lowest
    DCR share is restored.
    """
    result = TrainResult()
    keeper = _Checkpoints(modules, config)
    started = time.perf_counter()
    with _Progress(config) as bar:
        epoch = 0
        try:
            while epoch < config.max_epochs:
                for m in modules:
                    m.train()
                loss = float(run_epoch(epoch))
                epoch += 1
                result.losses.append(round(loss, 6))
                elapsed = time.perf_counter() - started
                out_of_time = config.max_time_s is not None and elapsed >= config.max_time_s
                value = share = None
                if epoch % config.check_every == 0 or epoch >= config.max_epochs or out_of_time:
                    for m in modules:
                        m.eval()
                    with torch.no_grad():
                        value = float(score())
                        share, ok = guard(epoch) if guard is not None else (float("nan"), True)
                    result.checks.append(
                        {"epoch": epoch, "score": round(value, 6), "dcr_share": round(share, 4), "passed": ok}
                    )
                    stop = keeper.record(epoch, value, share, ok)
                    if stop == "early_stopping" and epoch >= config.max_epochs:
                        stop = None  # the last epoch anyway: report max_epochs
                    if stop:
                        result.stopped_by = stop
                        bar.update(epoch, loss, value, share, elapsed)
                        break
                bar.update(epoch, loss, value, share, elapsed)
                if out_of_time:
                    result.stopped_by = "max_time_s"
                    break
        except KeyboardInterrupt:
            result.stopped_by = "interrupted"
        result.epochs = epoch
    result.best_epoch = keeper.restore_best(epoch)
    for m in modules:
        m.eval()
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def train_generator(
    gen: Any,
    run_epoch: Callable[[int], float],
    score: Callable[[], float],
    guard: Any,
    check_guard: Callable[[int], tuple[float, bool]],
    modules: Sequence[nn.Module],
    *,
    max_epochs: int,
    check_every: int,
    label: str,
) -> None:
    """:func:`train` with a deep generator's own settings (``max_time_s``, ``patience``, ``verbose``);
    sets its ``training_`` and ``guard_history_`` (``guard``: its memorization guard, or None)."""
    config = TrainConfig(
        max_epochs=int(max_epochs),
        max_time_s=gen.max_time_s,
        patience=int(gen.patience),
        check_every=check_every,
        verbose=bool(gen.verbose),
        label=label,
    )
    result = train(run_epoch, score, check_guard if guard else None, modules, config)
    gen.training_ = result.to_dict()
    gen.guard_history_ = list(guard.history) if guard else []


class _Checkpoints:
    """Keeps the best checkpoint that passed the guard (and the lowest-DCR one as a fallback)."""

    def __init__(self, modules: Sequence[nn.Module], config: TrainConfig) -> None:
        self.modules, self.config = modules, config
        self.best: tuple[float, int, list[dict[str, torch.Tensor]]] | None = None  # score, epoch, state
        self.fallback: tuple[float, int, list[dict[str, torch.Tensor]]] | None = None  # share, epoch, state
        self.since_best = 0
        self.failed_in_row = 0

    def record(self, epoch: int, value: float, share: float, ok: bool) -> str | None:
        """Take the checkpoint if it is the best; the reason to stop, or None."""
        if not ok:
            self.failed_in_row += 1
            self.since_best += 1
            if self.best is None and (self.fallback is None or share < self.fallback[0]):
                self.fallback = (share, epoch, snapshot(self.modules))
            return "memorization_guard" if self.failed_in_row >= self.config.guard_patience else None
        self.failed_in_row = 0
        if self.best is None or value < self.best[0] - self.config.min_delta * abs(self.best[0]):
            self.best, self.since_best, self.fallback = (value, epoch, snapshot(self.modules)), 0, None
            return None
        self.since_best += 1
        return "early_stopping" if self.since_best >= self.config.patience else None

    def restore_best(self, last_epoch: int) -> int:
        """Load the kept checkpoint into the modules; its epoch (the last epoch when none was kept)."""
        kept = self.best or self.fallback
        if kept is None:
            return last_epoch
        restore(self.modules, kept[2])
        return kept[1]


class _Progress:
    """A rich progress bar on an interactive stderr when verbose; a no-op otherwise."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.progress: Any = None
        self.task: Any = None
        self.score: str = ""
        self.share: str = ""

    def __enter__(self) -> _Progress:
        if not self.config.verbose:
            return self
        from rich.console import Console

        console = Console(stderr=True)
        if not console.is_terminal:
            return self
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "epochs · loss {task.fields[loss]} {task.fields[extra]} · eta {task.fields[eta]}"
                " · {task.fields[budget]}"
            ),
            console=console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            self.config.label,
            total=self.config.max_epochs,
            loss="-",
            extra="",
            eta="-",
            budget=(
                f"time budget {self.config.max_time_s:.0f}s (max_time_s)"
                if self.config.max_time_s is not None
                else "no time budget"
            ),
        )
        return self

    def update(
        self, epoch: int, loss: float, score: float | None, share: float | None, elapsed: float
    ) -> None:
        if self.progress is None:
            return
        if score is not None:
            self.score = f"· val {score:.4g}"
        if share is not None and share == share:
            self.share = f"· dcr {share:.3f}"
        left = elapsed / max(epoch, 1) * (self.config.max_epochs - epoch)
        if self.config.max_time_s is not None:
            left = min(left, max(self.config.max_time_s - elapsed, 0.0))
        self.progress.update(
            self.task,
            completed=epoch,
            loss=f"{loss:.4g}",
            extra=f"{self.score} {self.share}".strip(),
            eta=f"{left:.0f}s",
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def train_private(
    private: Any,
    run_epoch: Callable[[int], float],
    modules: Sequence[nn.Module],
    *,
    epochs: int,
    batch_size: int,
    max_time_s: float | None,
    verbose: bool,
    label: str,
) -> dict[str, Any]:
    """Train under DP-SGD (``private``: :class:`synthwise.privacy.dp_sgd.PrivateTraining`) for at most
    ``epochs`` epochs or ``max_time_s`` seconds (stopping early spends less). No private validation:
    one check after the last epoch keeps the last weights. Opacus' hooks are detached after, the
    trained weights staying in ``modules``. Returns the training record, without losses: they are
    statistics of the private rows."""
    config = TrainConfig(
        max_epochs=epochs,
        max_time_s=max_time_s,
        patience=epochs + 1,
        check_every=epochs,
        verbose=verbose,
        label=label,
    )
    result = train(run_epoch, lambda: 0.0, None, modules, config)
    private.model._close()
    return {
        "epochs": result.epochs,
        "stopped_by": result.stopped_by,
        "seconds": result.seconds,
        "batch_size": batch_size,
        "noise_multiplier": private.noise_multiplier,
        "spent_epsilon": round(private.spent_epsilon(), 6),
        "target_epsilon": private.target_epsilon,
        "target_delta": private.target_delta,
    }
