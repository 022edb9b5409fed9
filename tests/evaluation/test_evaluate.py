"""evaluate(): known cases on real data, references, baselines, intervals, flags, manifest, errors."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import ColumnError, InvalidParameterError
from synthwise.evaluation import Evaluation, evaluate, list_metrics
from synthwise.evaluation.registry import BUILTIN_MODULES, in_bounds

Quick = Callable[..., Evaluation]


def test_synthetic_equal_to_train_is_flagged_as_memorized(ev_copy: Evaluation) -> None:
    assert ev_copy["authenticity"].value == pytest.approx(0.0, abs=0.01)
    assert ev_copy["dcr_share"].value == pytest.approx(1.0, abs=0.01)
    assert ev_copy["exact_copies"].value == pytest.approx(1.0)
    assert ev_copy["mia_auc"].value > 0.95
    assert ev_copy["nndr"].value < 0.05
    assert ev_copy.row_flags is not None and not ev_copy.row_flags["authentic"].any()


def test_disjoint_real_sample_scores_near_ideal(ev_disjoint: Evaluation) -> None:
    s = ev_disjoint.scores
    for key in (
        "fidelity.alpha_precision",
        "fidelity.precision",
        "diversity.recall",
        "diversity.coverage",
        "diversity.beta_recall",
        "fidelity.marginals",
        "fidelity.pairs",
        "validity.valid_rows",
    ):
        assert s[key] > 0.9, key
    assert s["fidelity.density"] == pytest.approx(1.0, abs=0.15)
    assert s["fidelity.detection_auc"] == pytest.approx(0.5, abs=0.06)
    assert s["privacy.dcr_share"] == pytest.approx(0.5, abs=0.06)
    assert s["privacy.mia_auc"] == pytest.approx(0.5, abs=0.06)
    assert s["privacy.exact_copies"] == 0.0
    assert s["utility.ratio"] == pytest.approx(1.0, abs=0.1)


def test_disjoint_sample_is_close_to_the_holdout_reference(ev_disjoint: Evaluation) -> None:
    for m in ev_disjoint.metrics:
        if m.reference is None or m.group in ("utility", "bias"):
            continue
        assert abs(m.value - m.reference) < 0.12, (m.key, m.value, m.reference)


def test_independent_columns_keep_marginals_but_lose_relations(
    ev_independent: Evaluation, ev_disjoint: Evaluation, tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    assert ev_independent["marginals"].value > 0.95
    assert ev_independent["pairs"].value < ev_disjoint["pairs"].value - 0.02
    assert ev_independent["pairs_worst"].value < ev_disjoint["pairs_worst"].value - 0.1
    assert ev_independent["detection_auc"].value > ev_disjoint["detection_auc"].value + 0.1
    # utility: "student" is well predicted from income in real data (about 30% students: a stable AUC)
    kw = {"target": "student", "metrics": ["utility.roc_auc"]}
    fresh = quick(tables["train"], tables["disjoint"], tables["holdout"], **kw)["roc_auc"].value
    shuffled = quick(tables["train"], tables["independent"], tables["holdout"], **kw)["roc_auc"].value
    assert fresh > 0.85 and shuffled < 0.65


def test_shifted_numerics_lower_alpha_precision(
    tables: dict[str, pd.DataFrame], quick: Quick, ev_disjoint: Evaluation
) -> None:
    ev = quick(
        tables["train"], tables["shifted"], metrics=["alpha_precision", "precision", "marginals_worst"]
    )
    assert ev["alpha_precision"].value < ev_disjoint["alpha_precision"].value - 0.2
    assert ev["precision"].value < ev_disjoint["precision"].value - 0.2
    assert ev["marginals_worst"].value < 0.8


def test_every_value_lies_within_its_bounds(ev_copy: Evaluation, ev_disjoint: Evaluation) -> None:
    for ev in (ev_copy, ev_disjoint):
        for m in ev.metrics:
            assert in_bounds(m.value, m.bounds), (m.key, m.value)
            assert m.reference is None or in_bounds(m.reference, m.bounds), m.key


def test_every_metric_is_computed_with_holdout_target_and_sensitive(ev_disjoint: Evaluation) -> None:
    keys = set(ev_disjoint.scores)
    builtin = {s.key for s in list_metrics() if s.func.__module__ in BUILTIN_MODULES}
    # the target is categorical; the re-identification metrics need declared quasi-identifiers / a secret
    # (and pii_leak a column holding personal data, which ISLR Default has not)
    needs_inputs = {
        "utility.r2",
        "privacy.k_anonymity",
        "privacy.l_diversity",
        "privacy.qi_unique_share",
        "privacy.attribute_risk",
        "privacy.pii_leak",
    }
    # the free-text metrics need a text column (ISLR Default has none): tests/evaluation/test_text_metrics.py
    needs_inputs |= {s.key for s in list_metrics() if s.func.__module__.endswith(".text_metrics")}
    assert keys == builtin - needs_inputs
    assert set(ev_disjoint.manifest["skipped"]) & builtin == needs_inputs & builtin


def test_references_baselines_and_saturation(ev_disjoint: Evaluation, ev_copy: Evaluation) -> None:
    for m in ev_disjoint.metrics:
        assert m.reference is not None, m.key
        assert set(m.baselines) == {"independent", "perturbed_copy"}, m.key
    # independent resampling wins the marginals: they cannot tell it from the synthetic data
    assert ev_disjoint["marginals"].saturated
    # the holdout-relative DCR share catches the perturbed copy
    dcr = ev_disjoint["dcr_share"]
    assert dcr.baselines["perturbed_copy"] > 0.7 > dcr.value
    assert not dcr.saturated  # independent resampling is private for real: it does not saturate privacy
    assert not ev_disjoint["pairs"].baselines["independent"] >= ev_disjoint["pairs"].value
    assert ev_copy["authenticity"].saturated  # even the perturbed copy is more authentic than a copy


def test_intervals_contain_their_value(ev_disjoint: Evaluation) -> None:
    with_ci = [m for m in ev_disjoint.metrics if m.ci is not None]
    assert {
        "fidelity.alpha_precision",
        "memorization.authenticity",
        "privacy.dcr_share",
        "fidelity.detection_auc",
        "utility.roc_auc",
    } <= {m.key for m in with_ci}
    for m in with_ci:
        assert m.ci is not None and m.ci[0] <= m.value <= m.ci[1], m.key
    assert ev_disjoint["authenticity"].ci[1] - ev_disjoint["authenticity"].ci[0] > 0.005  # type: ignore[index]


def test_plots_are_filled(ev_disjoint: Evaluation, tables: dict[str, pd.DataFrame]) -> None:
    p = ev_disjoint.plots
    assert set(p.marginals) == set(tables["train"].columns)
    assert p.marginals["balance"]["kind"] == "numeric"
    assert len(p.marginals["balance"]["edges"]) == len(p.marginals["balance"]["real"]) + 1
    assert p.marginals["student"]["labels"] == ["No", "Yes"]
    assert p.correlation_diff is not None and len(p.correlation_diff["matrix"]) == 4
    assert p.alpha_curve is not None and len(p.alpha_curve["alpha"]) == len(p.alpha_curve["precision"])
    assert p.beta_curve is not None and p.dcr is not None and p.projection is not None
    assert len(p.dcr["synthetic_to_train"]) > 0 and len(p.dcr["holdout_to_train"]) > 0
    assert len(p.projection["real"][0]) == 2
    assert p.worst_columns and p.worst_pairs


def test_row_flags_follow_the_input_order(tables: dict[str, pd.DataFrame], ev_copy: Evaluation) -> None:
    train = tables["train"]
    # half copies, half fresh rows, interleaved: the flags must point at the copies
    fresh = tables["disjoint"].iloc[:300].set_axis(range(300, 600))
    mixed = pd.concat([train.iloc[:300], fresh]).iloc[np.random.default_rng(1).permutation(600)]
    ev = evaluate(train, mixed, metrics=["authenticity"], baselines=False, n_bootstrap=0)
    flags = ev.row_flags
    assert flags is not None and list(flags.index) == list(mixed.index) and len(flags) == 600
    is_copy = mixed.index.to_numpy() < 300
    assert not flags["authentic"].to_numpy()[is_copy].any()
    assert flags["authentic"].to_numpy()[~is_copy].mean() > 0.2
    assert flags["typical"].mean() == pytest.approx(0.95, abs=0.05)


def test_row_order_does_not_change_any_score(tables: dict[str, pd.DataFrame]) -> None:
    train, syn, hold = tables["train"].iloc[:500], tables["disjoint"].iloc[:500], tables["holdout"].iloc[:300]
    kw: dict[str, Any] = {"target": "default", "baselines": False, "n_bootstrap": 20, "row_flags": False}
    a = evaluate(train, syn, hold, **kw)
    rng = np.random.default_rng(3)
    b = evaluate(
        train.iloc[rng.permutation(500)],
        syn.iloc[rng.permutation(500)],
        hold.iloc[rng.permutation(300)],
        **kw,
    )
    for key, value in a.scores.items():
        assert b.scores[key] == pytest.approx(value, abs=1e-9), key
        assert b[key].ci == pytest.approx(a[key].ci, abs=1e-9), key


def test_same_seed_same_results_and_json_round_trip(
    tables: dict[str, pd.DataFrame], quick: Quick, tmp_path: Path
) -> None:
    args = (tables["train"].iloc[:400], tables["disjoint"].iloc[:400], tables["holdout"].iloc[:200])
    chosen = ["alpha_precision", "pairs", "privacy", "utility.roc_auc"]
    a = quick(*args, target="default", n_bootstrap=20, metrics=chosen)
    b = quick(*args, target="default", n_bootstrap=20, metrics=chosen)
    assert a.to_frame().equals(b.to_frame())
    path = a.to_json(tmp_path / "ev.json")
    data = json.loads((tmp_path / "ev.json").read_text())
    assert path and data["scores"] == pytest.approx(a.scores)
    assert data["manifest"]["seed"] == 0 and data["manifest"]["inputs"]["real"]["rows"] == 400
    assert "timings_s" in data["manifest"] and "versions" in data["manifest"]


def test_manifest_hashes_input_files_and_reports_samples(
    tables: dict[str, pd.DataFrame], quick: Quick, tmp_path: Path
) -> None:
    real_path = tmp_path / "real.csv"
    tables["train"].iloc[:300].to_csv(real_path, index=False)
    ev = quick(
        real_path,
        tables["disjoint"].iloc[:200],
        metrics=["authenticity"],
        max_rows=100,
        generator={"name": "cart", "max_depth": 8},
    )
    inputs = ev.manifest["inputs"]
    assert len(inputs["real"]["sha256"]) == 64 and "sha256" not in inputs["synthetic"]
    assert ev.manifest["samples"]["real"] == 100 and ev.manifest["samples"]["synthetic"] == 100
    assert ev.manifest["generator"] == {"name": "cart", "max_depth": 8}
    assert ev.manifest["settings"]["max_rows"] == 100


def test_inputs_are_not_modified(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    real, syn = tables["train"].iloc[:300].copy(), tables["disjoint"].iloc[:300].copy()
    before = (real.copy(), syn.copy())
    quick(real, syn, metrics=["fidelity"])
    pd.testing.assert_frame_equal(real, before[0])
    pd.testing.assert_frame_equal(syn, before[1])


def test_package_exposes_evaluate(tables: dict[str, pd.DataFrame]) -> None:
    assert sw.evaluate is evaluate
    assert sw.Evaluation is Evaluation


def test_missing_synthetic_column_is_named(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(ColumnError, match="'income': is in the real data but not in the synthetic data"):
        evaluate(tables["train"], tables["disjoint"].drop(columns=["income"]))


def test_unknown_target_is_named(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(ColumnError, match="'nope': is named as the target"):
        evaluate(tables["train"], tables["disjoint"], target="nope")


@pytest.mark.parametrize("kwargs", [{"k": 0}, {"max_rows": 3}, {"n_bootstrap": -1}, {"seed": 1.5}])
def test_bad_parameters_raise(tables: dict[str, pd.DataFrame], kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        evaluate(tables["train"], tables["disjoint"], **kwargs)  # type: ignore[arg-type]


def test_metrics_without_their_inputs_are_skipped_with_a_reason(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    ev = quick(
        tables["train"].iloc[:300], tables["disjoint"].iloc[:300], metrics=["privacy", "utility", "bias"]
    )
    # without a holdout only the train-relative privacy metrics remain
    assert set(ev.scores) == {"privacy.exact_copies", "privacy.nndr", "privacy.rare_copies"}
    skipped = ev.manifest["skipped"]
    assert "holdout" in skipped["privacy.dcr_share"] and "target" in skipped["utility.roc_auc"]
    assert "sensitive" in skipped["bias.group_shares"]


def test_regression_target_uses_r2(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    ev = quick(tables["train"], tables["disjoint"], tables["holdout"], target="income", metrics=["utility"])
    assert set(ev.scores) == {"utility.r2", "utility.ratio"}
    assert ev["r2"].reference is not None and ev["r2"].reference > 0.3
    assert ev["ratio"].value == pytest.approx(1.0, abs=0.15)
    assert not math.isnan(ev["r2"].value)


def test_a_synthetic_column_left_all_missing_still_scores_utility(
    tables: dict[str, pd.DataFrame], quick: Quick
) -> None:
    # e.g. MST at a small epsilon releases no category of a column; TSTR must still run, and lose
    syn = tables["disjoint"].assign(balance=np.nan)
    ev = quick(tables["train"], syn, tables["holdout"], target="default", metrics=["utility"])
    full = quick(
        tables["train"], tables["disjoint"], tables["holdout"], target="default", metrics=["utility"]
    )
    assert not math.isnan(ev["roc_auc"].value)
    assert ev["roc_auc"].value < full["roc_auc"].value - 0.1  # balance is what predicts a default


def test_every_kind_is_scored_all_missing_and_sparse_columns_included() -> None:
    # issue 13: a table with every kind (an all-missing column and a 99 %-missing one among them) is
    # scored: no crash in validity (the empty column has no code) or detection (a fold with no value)
    from synthwise.generators import create
    from synthwise.testing import kinds_table

    real, holdout = kinds_table(300, seed=0), kinds_table(200, seed=1)
    synthetic = create("cart", seed=0).fit(real).sample(300)
    ev = evaluate(real, synthetic, holdout=holdout, target="group", seed=0, n_bootstrap=0, baselines=False)
    assert ev["valid_rows"].value == 1.0
    assert 0.0 <= ev["detection_auc"].value <= 1.0
