"""The audit: memorized rows are dropped and the scores move toward the reference."""

from __future__ import annotations

import pandas as pd
import pytest

from synthwise.errors import DataError, InvalidParameterError
from synthwise.guard import audit


@pytest.fixture(scope="module")
def tables(default_split: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    full, hold = default_split
    train = full.iloc[:1000].reset_index(drop=True)
    fresh = full.iloc[1000:1600].reset_index(drop=True)
    mixed = pd.concat([fresh, train.iloc[:400]], ignore_index=True)  # 400 copies at the end
    return {"train": train, "holdout": hold.iloc[:500].reset_index(drop=True), "mixed": mixed}


def test_audit_drops_copies_and_reports_the_change(tables: dict[str, pd.DataFrame]) -> None:
    mixed = tables["mixed"]
    before = mixed.copy()
    result = audit(tables["train"], mixed, tables["holdout"], n_bootstrap=0, baselines=False)
    pd.testing.assert_frame_equal(mixed, before)  # input untouched
    assert result.n_input == 1000 and result.dropped_by["not authentic"] >= 400
    assert not result.flags["authentic"].iloc[600:].any()
    kept = result.kept
    assert len(kept) == result.n_kept and 0 < len(kept) < 600
    assert not kept.merge(tables["train"], how="inner").shape[0]  # no copy survives
    changes = result.changes().set_index("metric")
    assert changes.loc["privacy.exact_copies", "after"] == 0.0
    assert changes.loc["privacy.dcr_share", "after"] < changes.loc["privacy.dcr_share", "before"]
    assert bool(changes.loc["privacy.dcr_share", "closer_to_ideal"])
    assert "Kept" in result.summary() and "not authentic" in result.summary()


def test_audit_of_a_pure_copy_keeps_nothing(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(DataError, match="fail the audit"):
        audit(tables["train"], tables["train"], metrics=["authenticity"], baselines=False, n_bootstrap=0)


def test_audit_requires_known_flags(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(InvalidParameterError):
        audit(tables["train"], tables["mixed"], require=("pretty",))


def test_audit_prepares_the_real_data_once_and_matches_two_evaluations(
    tables: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    import synthwise.evaluation.evaluator as evaluator
    from synthwise.evaluation import evaluate

    opts = {"metrics": ["fidelity", "privacy"], "n_bootstrap": 20, "baselines": False}
    built = []
    real_side = evaluator.RealSide

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real_side(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluator, "RealSide", counting)
    result = audit(tables["train"], tables["mixed"], tables["holdout"], **opts)  # type: ignore[arg-type]
    assert len(built) == 1  # one embedding of the real data serves both evaluations
    monkeypatch.undo()
    assert result.after is not None
    for got, syn in ((result.before, tables["mixed"]), (result.after, result.kept)):
        alone = evaluate(tables["train"], syn, tables["holdout"], **opts)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(got.to_frame(), alone.to_frame())
