"""The privacy-budget ledger: exact accounting, refusal past the budget, round trips, printing."""

from __future__ import annotations

import json

import pytest

from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp import cdp_epsilon, cdp_rho
from synthwise.privacy.ledger import BudgetExceededError, BudgetLedger


def test_spending_the_whole_zcdp_budget_reaches_epsilon_exactly() -> None:
    ledger = BudgetLedger(1.0, 1e-9)
    rho = cdp_rho(1.0, 1e-9)
    ledger.spend("half", rho=rho / 2, mechanism="gaussian")
    assert ledger.spent_epsilon == pytest.approx(cdp_epsilon(rho / 2, 1e-9))
    ledger.spend("other half", rho=rho / 2 * (1 - 1e-12), mechanism="gaussian")
    assert ledger.spent_epsilon == pytest.approx(1.0, rel=1e-6)
    assert ledger.remaining_rho() == pytest.approx(0.0, abs=1e-12)


def test_a_spend_past_the_budget_raises_and_records_nothing() -> None:
    ledger = BudgetLedger(1.0, 1e-6)
    ledger.spend("marginals", rho=0.02)
    before = ledger.to_dict()
    with pytest.raises(BudgetExceededError, match="above the budget"):
        ledger.spend("one more", rho=1.0)
    assert ledger.to_dict() == before
    assert isinstance(BudgetExceededError("x"), InvalidParameterError)


def test_approximate_dp_entries_compose_with_zcdp() -> None:
    ledger = BudgetLedger(2.0, 1e-6)
    ledger.spend("dp-sgd", epsilon=0.5, delta=2e-7, mechanism="opacus")
    # the zCDP part now has epsilon 1.5 and delta 8e-7 left
    assert ledger.remaining_rho() == pytest.approx(cdp_rho(1.5, 8e-7))
    ledger.spend("marginals", rho=0.01)
    assert ledger.spent_epsilon == pytest.approx(0.5 + cdp_epsilon(0.01, 8e-7))
    with pytest.raises(BudgetExceededError):
        ledger.spend("too much delta", delta=1e-6)


def test_reserved_delta_lowers_the_remaining_rho() -> None:
    ledger = BudgetLedger(1.0, 1e-9)
    assert ledger.remaining_rho(reserve_delta=1e-10) < ledger.remaining_rho()


def test_round_trip_through_json() -> None:
    ledger = BudgetLedger(3.0, 1e-8)
    ledger.spend("range", rho=0.001, mechanism="gaussian", column="age", sigma=22.4)
    ledger.spend("categories", rho=0.002, delta=1e-9, mechanism="gaussian sparse histogram")
    again = BudgetLedger.from_dict(json.loads(json.dumps(ledger.to_dict())))
    assert again == ledger
    assert again.spent_epsilon == pytest.approx(ledger.spent_epsilon)
    assert again.steps() == ["range", "categories"]


def test_table_lists_steps_and_the_total() -> None:
    ledger = BudgetLedger(1.0, 1e-9)
    for col in ("a", "b", "c"):
        ledger.spend("1-way marginals", rho=0.001, mechanism="gaussian", column=col)
    ledger.spend("select", rho=0.002, mechanism="exponential")
    text = ledger.table()
    assert "1-way marginals (x3)" in text and "select" in text
    assert "of a (1, 1e-09) budget" in text
    assert len(ledger.table(collapse=False).splitlines()) == len(text.splitlines()) + 2


@pytest.mark.parametrize("kwargs", [{"rho": -1.0}, {"epsilon": float("nan")}, {}])
def test_bad_spends_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidParameterError):
        BudgetLedger(1.0, 1e-9).spend("step", **kwargs)


@pytest.mark.parametrize(("eps", "delta"), [(0.0, 1e-9), (1.0, 0.0), (1.0, 1.0), (float("inf"), 1e-9)])
def test_bad_budgets_raise(eps: float, delta: float) -> None:
    with pytest.raises(InvalidParameterError):
        BudgetLedger(eps, delta)
