"""Privacy attacks: known cases (copies leak, a disjoint real sample does not), exact k / l, the gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import synthwise.evaluation.risk  # noqa: F401  (registers the attack metrics)
from synthwise.errors import ColumnError, InvalidParameterError
from synthwise.evaluation import MetricResult, Settings, evaluate
from synthwise.evaluation.attacks import (
    attribute_inference,
    domias,
    k_anonymity,
    l_diversity,
    leak_check,
    unique_combination_share,
    wilson_interval,
)
from synthwise.evaluation.context import Context, RealSide
from synthwise.evaluation.risk import attribute_risk, qi_unique_share
from synthwise.evaluation.risk import k_anonymity as k_metric
from synthwise.guard import Gate
from synthwise.schema import infer_schema

QIS = ["student", "default"]


@pytest.fixture(scope="module")
def split(
    default_split: tuple[pd.DataFrame, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, holdout, disjoint real sample): the train is what a generator saw."""
    train, holdout = default_split
    return train.iloc[:2000].reset_index(drop=True), holdout, train.iloc[4000:6000].reset_index(drop=True)


# -- exact group measures -------------------------------------------------------------------------------
def test_k_anonymity_and_l_diversity_known_case() -> None:
    df = pd.DataFrame(
        {
            "zip": ["1", "1", "1", "2", "2", None, None],
            "age": [30, 30, 30, 40, 40, 50, 50],
            "disease": ["flu", "flu", "cold", "flu", "flu", "hiv", "flu"],
        }
    )
    assert k_anonymity(df, ["zip", "age"]) == 2
    assert k_anonymity(df, ["zip"]) == 2  # missing is a value of its own
    assert l_diversity(df, ["zip", "age"], "disease") == 1  # the zip-2 group all have flu
    assert l_diversity(df.iloc[[0, 1, 2, 5, 6]], ["zip", "age"], "disease") == 2


def test_unique_combination_share_counts_real_singletons() -> None:
    real = pd.DataFrame({"a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"]})
    synth = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["x", "y", "z", "z"]})  # float dtype on purpose
    assert unique_combination_share(real, synth, ["a", "b"]) == pytest.approx(0.5)


def test_group_measures_reject_unknown_columns() -> None:
    with pytest.raises(InvalidParameterError, match="not in the data"):
        k_anonymity(pd.DataFrame({"a": [1]}), ["nope"])
    with pytest.raises(InvalidParameterError):
        k_anonymity(pd.DataFrame({"a": [1]}), [])


# -- intervals ------------------------------------------------------------------------------------------
def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-3)
    low, high = wilson_interval(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-3)


@given(n=st.integers(1, 5000), share=st.floats(0, 1))
def test_wilson_interval_holds_the_estimate(n: int, share: float) -> None:
    s = round(share * n)
    low, high = wilson_interval(s, n)
    assert 0.0 <= low <= s / n <= high <= 1.0


# -- membership and attribute inference -----------------------------------------------------------------
def test_domias_flags_copies_and_not_a_disjoint_sample(split) -> None:
    train, holdout, other = split
    copied = domias(train, holdout, train, max_rows=600, n_bootstrap=50)
    fresh = domias(train, holdout, other, max_rows=600, n_bootstrap=50)
    assert copied.auc > 0.7 and copied.ci[0] > 0.6
    assert abs(fresh.auc - 0.5) < 0.06
    assert fresh.ci[0] < 0.5 < fresh.ci[1] or abs(fresh.auc - 0.5) < 0.03


def test_attribute_inference_on_copies_and_on_a_disjoint_sample(split) -> None:
    train, holdout, other = split
    qis = ["student", "balance", "default"]
    copied = attribute_inference(train, holdout, train, qis, "income", max_rows=600)
    fresh = attribute_inference(train, holdout, other, qis, "income", max_rows=600)
    assert copied.train.value > 0.9 and copied.risk > 0.8
    assert copied.train.low <= copied.train.value <= copied.train.high
    assert fresh.risk < 0.1
    assert 0 <= fresh.baseline.value < 0.3


def test_attribute_inference_needs_a_secret_outside_the_qis(split) -> None:
    train, holdout, _ = split
    with pytest.raises(InvalidParameterError, match="secret"):
        attribute_inference(train, holdout, train, ["student"], "student")


# -- leak check -----------------------------------------------------------------------------------------
def test_leak_check_finds_pii_and_rare_copies() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {
            "email": [f"person{i}@example.com" for i in range(300)],
            "plan": rng.choice(["basic", "pro"], 300),
            "spend": np.round(rng.gamma(2.0, 30.0, 300), 2),
        }
    )
    copied = leak_check(real, real.iloc[:50])
    assert copied.pii == {"email": (50, 1.0)}
    assert copied.columns == ("plan", "spend")  # personal data is checked apart, not in combinations
    unique = ~real.duplicated(["plan", "spend"], keep=False)
    assert copied.rare_copies == int(unique.iloc[:50].sum()) >= 45 and copied.leaking
    fresh = real.assign(email=[f"new{i}@example.org" for i in range(300)], spend=real["spend"] + 1000)
    clean = leak_check(real, fresh)
    assert clean.pii == {"email": (0, 0.0)} and clean.rare_copies == 0 and not clean.leaking


# -- as evaluation metrics ------------------------------------------------------------------------------
def test_evaluation_flags_a_copy_and_not_a_fresh_sample(split) -> None:
    train, holdout, other = split
    metrics = ["domias_auc", "rare_copies"]
    kw = {"metrics": metrics, "n_bootstrap": 20, "baselines": False, "row_flags": False, "max_rows": 800}
    copied = evaluate(train, train, holdout=holdout, **kw)
    fresh = evaluate(train, other, holdout=holdout, **kw)
    assert copied["domias_auc"].value > 0.7
    assert copied["rare_copies"].value == pytest.approx(1.0)
    assert abs(fresh["domias_auc"].value - 0.5) < 0.07
    assert fresh["rare_copies"].value == 0.0
    assert copied["domias_auc"].ci is not None


def _context(train: pd.DataFrame, synth: pd.DataFrame, holdout: pd.DataFrame) -> Context:
    schema = infer_schema(train)
    real = RealSide(train, schema, settings=Settings(max_rows=600), seed=0, target="income")
    real.quasi_identifiers = ["student", "default"]
    return Context(real, real.prepare(synth, "synthetic"), real.prepare(holdout, "holdout"))


def test_qi_metrics_read_the_declared_quasi_identifiers(split) -> None:
    train, holdout, other = split
    ctx = _context(train, other, holdout)
    assert k_metric(ctx).value == k_anonymity(other, QIS)
    assert qi_unique_share(ctx).value == 0.0  # four big groups: nobody is unique on these QIs
    risk = attribute_risk(ctx)
    assert 0.0 <= risk.value <= 1.0 and {"train", "holdout", "baseline"} <= set(risk.details)


def test_evaluate_takes_quasi_identifiers_and_a_secret(split) -> None:
    train, holdout, _ = split
    kw = {"n_bootstrap": 0, "baselines": False, "row_flags": False, "max_rows": 800}
    metrics = ["k_anonymity", "l_diversity", "qi_unique_share", "attribute_risk"]
    ev = evaluate(
        train, train, holdout=holdout, metrics=metrics, quasi_identifiers=QIS, secret="balance", **kw
    )
    assert set(ev.scores) == {f"privacy.{m}" for m in metrics}
    assert ev["k_anonymity"].value == k_anonymity(train, QIS)  # a copy is as anonymous as the train
    assert ev["attribute_risk"].details["secret"] == "balance"
    assert ev.manifest["quasi_identifiers"] == QIS and ev.manifest["secret"] == "balance"
    without = evaluate(train, train, holdout=holdout, metrics=metrics, **kw)
    assert not without.scores and "quasi-identifiers" in without.manifest["skipped"]["privacy.k_anonymity"]


@pytest.mark.parametrize(
    ("qis", "secret", "message"),
    [(["student", "zip"], None, "'zip'"), (QIS, "student", "both the secret and a quasi-identifier")],
)
def test_bad_quasi_identifiers_are_clear_errors(
    split, qis: list[str], secret: str | None, message: str
) -> None:
    train, holdout, _ = split
    with pytest.raises(ColumnError, match=message):
        evaluate(train, train, holdout=holdout, metrics=["k_anonymity"], quasi_identifiers=qis, secret=secret)


def test_gate_accepts_privacy_thresholds(split) -> None:
    train, holdout, other = split
    kw = {
        "metrics": ["dcr_share", "mia_auc"],
        "n_bootstrap": 0,
        "baselines": False,
        "row_flags": False,
        "max_rows": 800,
    }
    gate = Gate.from_string("dcr_share<=0.55,mia_auc<=0.6,k_anonymity>=5")
    results = {}
    for name, synth in (("copy", train), ("fresh", other)):
        ev = evaluate(train, synth, holdout=holdout, **kw)
        ev.metrics.append(
            MetricResult(
                "privacy",
                "k_anonymity",
                float(k_anonymity(synth, QIS)),
                float("inf"),
                bounds=(0.0, float("inf")),
                direction="maximize",
            )
        )
        results[name] = gate.check(ev)
    assert results["fresh"].passed, results["fresh"].summary()
    assert not results["copy"].passed
    assert {f.metric for f in results["copy"].failures} >= {"privacy.dcr_share"}


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(1, 700), d=st.integers(1, 9), seed=st.integers(0, 2**16))
@example(n=18, m=411, d=9, seed=409)  # a bandwidth small against the rows' magnitudes: float32 alone is off
def test_log_kde_is_the_gaussian_kde_log_density(n: int, m: int, d: int, seed: int) -> None:
    from scipy.special import logsumexp

    from synthwise.evaluation.attacks import log_kde

    rng = np.random.default_rng(seed)
    points = rng.normal(size=(m, d)) * rng.uniform(0.1, 10) + rng.normal(size=d) * 5
    queries = np.vstack([points[: min(n, m)], rng.normal(size=(n, d)) * 3])
    h = float(rng.uniform(0.05, 3))
    d2 = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    exact = logsumexp(-d2 / (2 * h * h), axis=1) - np.log(m) - d * np.log(h * np.sqrt(2 * np.pi))
    got = log_kde(queries, points, h)
    assert np.allclose(got, exact, rtol=1e-6, atol=1e-4)


def test_log_kde_rows_far_from_every_point_are_exact() -> None:
    """Rows whose every kernel term underflows take the shifted path, and mix with near rows."""
    from scipy.special import logsumexp

    from synthwise.evaluation.attacks import log_kde

    rng = np.random.default_rng(3)
    points = rng.normal(size=(500, 4))
    queries = np.vstack([points[:5] + 0.01, rng.normal(size=(5, 4)) * 40 + 200])
    h = 0.2
    d2 = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    exact = logsumexp(-d2 / (2 * h * h), axis=1) - np.log(500) - 4 * np.log(h * np.sqrt(2 * np.pi))
    got = log_kde(queries, points, h, block=700)
    assert np.all(exact[5:] < -1e5)  # far: every term is below e^-700
    assert np.allclose(got, exact, rtol=1e-9, atol=1e-6)
