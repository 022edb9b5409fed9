"""Privacy metrics on known cases: copies, fresh rows and a mix."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import Evaluation

Quick = Callable[..., Evaluation]


def test_dcr_share_grows_with_the_share_of_copies(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    train, fresh = tables["train"], tables["disjoint"]
    half = pd.concat([train.iloc[:750], fresh.iloc[:750]], ignore_index=True)
    ev = quick(train, half, tables["holdout"], metrics=["privacy"])
    assert ev["exact_copies"].value == pytest.approx(0.5)
    assert 0.6 < ev["dcr_share"].value < 0.95
    assert ev["mia_auc"].value > 0.6
    assert ev["dcr_share"].details["train_rows"] == len(train)


def test_holdout_reference_shows_the_natural_copy_rate(ev_disjoint: Evaluation, ev_copy: Evaluation) -> None:
    assert ev_copy["exact_copies"].reference == 0.0
    assert ev_disjoint["nndr"].reference == pytest.approx(ev_disjoint["nndr"].value, abs=0.05)
    assert ev_disjoint["dcr_share"].reference == pytest.approx(0.5, abs=0.08)


def test_dcr_share_takes_the_stricter_space(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    """Known case where the embedding-space share is lenient: every train row is kept but for one
    numeric column taken from another row. The raw type-aware space (mostlyai-qa's kind of distance)
    sees the partial copies more clearly; the verdict is the stricter of the two."""
    train, hold = tables["train"], tables["holdout"]
    syn = train.copy()
    syn["income"] = np.random.default_rng(0).permutation(syn["income"].to_numpy())
    res = quick(train, syn, hold, metrics=["dcr_share"])["dcr_share"]
    by_space = res.details["by_space"]
    assert by_space["raw"] > by_space["embedding"] + 0.02
    assert res.value == max(by_space.values()) and res.details["space"] == "raw"
    assert res.value > 0.52


def test_dcr_share_reports_the_equal_size_protocol_with_an_interval(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    """Fresh real data: the calibrated share and the equal-size share both sit near 0.5; the raw share
    is near its null ``n_train / (n_train + n_holdout)``; the equal-size interval holds its share."""
    train, hold = tables["train"], tables["holdout"]
    res = quick(train, tables["disjoint"], hold, metrics=["dcr_share"])["dcr_share"]
    eq = res.details["equal_size"]
    assert eq["rows_per_side"] == len(hold)
    assert eq["ci"][0] <= eq["share"] <= eq["ci"][1]
    assert abs(eq["share"] - 0.5) < 0.06 and abs(res.value - 0.5) < 0.06
    assert abs(res.details["raw_share"] - res.details["null_raw_share"]) < 0.06


def test_dcr_share_ties_are_neutral_against_unequal_samples(quick: Quick) -> None:
    """Known case: a table of few categorical combinations, so every synthetic row ties between a
    training and a holdout row. Fresh rows must score 0.5, not the 0.2 that counting a tie as half
    gives once a 4:1 train / holdout share is calibrated (a lenient verdict for any generator)."""
    rng = np.random.default_rng(0)

    def draw(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {c: rng.choice(["a", "b", "c"], size=n) for c in ("x", "y")}
            | {"z": rng.choice(["u", "v"], size=n)}
        )

    train, hold, fresh = draw(2000), draw(500), draw(2000)
    res = quick(train, fresh, hold, metrics=["dcr_share"])["dcr_share"]
    assert res.details["raw_share"] == pytest.approx(res.details["null_raw_share"], abs=0.01)
    assert res.value == pytest.approx(0.5, abs=0.02)
