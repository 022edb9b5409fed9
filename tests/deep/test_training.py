"""The shared training loop: stops, restores the best weights, survives Ctrl-C, stays quiet off a TTY."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from synthwise.deep.training import TrainConfig, train  # noqa: E402

pytestmark = pytest.mark.deep


def _setup(scores: list[float], *, interrupt_at: int | None = None):  # type: ignore[no-untyped-def]
    module = torch.nn.Linear(1, 1)

    def run_epoch(epoch: int) -> float:
        if interrupt_at is not None and epoch == interrupt_at:
            raise KeyboardInterrupt
        with torch.no_grad():
            module.weight.fill_(float(epoch + 1))  # the weight records which epoch ran last
        return 1.0 / (epoch + 1)

    it = iter(scores)
    return module, run_epoch, lambda: next(it)


def test_early_stopping_restores_best_weights() -> None:
    module, run_epoch, score = _setup([3.0, 1.0, 2.0, 2.5, 2.0, 9.0])
    result = train(run_epoch, score, None, [module], TrainConfig(max_epochs=50, patience=3, verbose=False))
    assert result.stopped_by == "early_stopping"
    assert result.epochs == 5 and result.best_epoch == 2
    assert module.weight.item() == 2.0
    assert len(result.losses) == 5 and len(result.checks) == 5


def test_max_epochs_and_check_every() -> None:
    module, run_epoch, score = _setup([5.0, 4.0, 3.0])
    result = train(run_epoch, score, None, [module], TrainConfig(max_epochs=6, check_every=2, verbose=False))
    assert result.stopped_by == "max_epochs" and result.epochs == 6
    assert [c["epoch"] for c in result.checks] == [2, 4, 6]
    assert module.weight.item() == 6.0


def test_max_time_s_stops_after_first_epoch() -> None:
    module, run_epoch, score = _setup([1.0] * 10)
    result = train(
        run_epoch, score, None, [module], TrainConfig(max_epochs=10, max_time_s=1e-9, verbose=False)
    )
    assert result.stopped_by == "max_time_s" and result.epochs == 1


def test_ctrl_c_stops_cleanly_with_best_weights() -> None:
    module, run_epoch, score = _setup([2.0, 1.0, 3.0, 4.0], interrupt_at=4)
    result = train(run_epoch, score, None, [module], TrainConfig(max_epochs=10, verbose=False))
    assert result.stopped_by == "interrupted" and result.epochs == 4
    assert module.weight.item() == 2.0


def test_guard_stops_after_two_failures_and_restores_last_passing_checkpoint() -> None:
    module, run_epoch, score = _setup([3.0, 2.0, 1.0, 0.5, 0.1, 0.1])
    shares = iter([(0.5, True), (0.52, True), (0.7, False), (0.56, True), (0.6, False), (0.7, False)])
    cfg = TrainConfig(max_epochs=10, verbose=False)
    result = train(run_epoch, score, lambda epoch: next(shares), [module], cfg)
    assert result.stopped_by == "memorization_guard" and result.epochs == 6
    assert result.best_epoch == 4 and module.weight.item() == 4.0
    assert [c["passed"] for c in result.checks] == [True, True, False, True, False, False]


def test_guard_restores_lowest_share_when_no_check_passed() -> None:
    module, run_epoch, score = _setup([3.0, 2.0])
    shares = iter([(0.6, False), (0.7, False)])
    result = train(
        run_epoch, score, lambda epoch: next(shares), [module], TrainConfig(max_epochs=10, verbose=False)
    )
    assert result.stopped_by == "memorization_guard" and result.best_epoch == 1
    assert module.weight.item() == 1.0


def test_progress_is_quiet_when_not_a_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    module, run_epoch, score = _setup([1.0, 0.5])
    train(run_epoch, score, None, [module], TrainConfig(max_epochs=2, verbose=True))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
