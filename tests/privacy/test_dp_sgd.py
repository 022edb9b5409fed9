"""DP-SGD helper: opacus wraps the training, the ledger holds the target, the accountant stays below it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

torch = pytest.importorskip("torch")
pytest.importorskip("opacus")

from synthwise.errors import InvalidParameterError  # noqa: E402
from synthwise.privacy.dp_sgd import make_private  # noqa: E402
from synthwise.privacy.ledger import BudgetExceededError, BudgetLedger  # noqa: E402


def _setup(seed: int = 0) -> tuple[object, object, object]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] > 0).long()
    data = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(data, batch_size=32, generator=torch.Generator().manual_seed(seed))
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, loader


def _train(private, epochs: int) -> None:  # type: ignore[no-untyped-def]
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        for xb, yb in private.loader:
            if len(xb) == 0:
                continue
            private.optimizer.zero_grad()
            loss_fn(private.model(xb), yb).backward()
            private.optimizer.step()
        private.check()


def test_training_spends_at_most_the_recorded_target() -> None:
    ledger = BudgetLedger(2.0, 1e-5)
    model, opt, loader = _setup()
    noise = torch.Generator().manual_seed(0)
    private = make_private(
        model, opt, loader, ledger=ledger, epochs=2, max_grad_norm=1.0, noise_generator=noise
    )
    assert private.target_epsilon == pytest.approx(2.0)  # the whole budget, at the whole delta
    entry = ledger.entries[-1]
    assert entry.step == "DP-SGD training" and entry.epsilon == pytest.approx(2.0)
    assert entry.details["noise_multiplier"] > 0
    _train(private, 2)
    assert 0 < private.spent_epsilon() <= 2.0 * 1.001
    assert ledger.spent_epsilon <= 2.0 + 1e-9


def test_training_past_the_planned_epochs_is_refused() -> None:
    model, opt, loader = _setup()
    noise = torch.Generator().manual_seed(0)
    private = make_private(
        model, opt, loader, ledger=BudgetLedger(1.0, 1e-5), epochs=1, noise_generator=noise
    )
    with pytest.raises(BudgetExceededError, match="planned number of epochs"):
        _train(private, 3)


def test_a_ledger_with_zcdp_spends_shares_the_rest() -> None:
    ledger = BudgetLedger(1.0, 1e-6)
    ledger.spend("domains", rho=0.005, mechanism="gaussian")
    model, opt, loader = _setup()
    private = make_private(model, opt, loader, ledger=ledger, epochs=1)
    assert private.target_delta == pytest.approx(5e-7)
    assert ledger.spent_epsilon == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(BudgetExceededError):
        make_private(*_setup(1), ledger=ledger, epochs=1)


class _Criterion:
    """Cross-entropy with the ``reduction`` attribute ghost clipping switches to "none"."""

    reduction = "mean"

    def __call__(self, output, target):  # type: ignore[no-untyped-def]
        return torch.nn.functional.cross_entropy(output, target, reduction=self.reduction)


def _one_epoch(ghost: bool) -> list[object]:
    torch.manual_seed(0)  # _setup's layers draw their initial weights from the global generator
    model, opt, loader = _setup()
    private = make_private(
        model,
        opt,
        loader,
        ledger=BudgetLedger(1.0, 1e-5),
        epochs=1,
        noise_generator=torch.Generator().manual_seed(0),
        criterion=_Criterion(),
        ghost_clipping=ghost,
    )
    for xb, yb in private.loader:
        private.optimizer.zero_grad()
        private.criterion(private.model(xb), yb).backward()
        private.optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


def test_ghost_clipping_takes_the_same_steps_as_per_row_gradients() -> None:
    # the same clipped-and-noised gradients, computed without materializing per-row gradients
    for a, b in zip(_one_epoch(ghost=False), _one_epoch(ghost=True), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_ghost_clipping_needs_a_criterion() -> None:
    with pytest.raises(InvalidParameterError, match="criterion"):
        make_private(*_setup(), ledger=BudgetLedger(1.0, 1e-5), epochs=1, ghost_clipping=True)
