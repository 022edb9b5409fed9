"""The quality gate: thresholds from strings and files, direction-aware shorthand, clear failures."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError
from synthwise.evaluation import Evaluation, MetricResult
from synthwise.guard import Gate, GateFailure


def _ev(**values: float) -> Evaluation:
    specs = {
        "alpha_precision": ("fidelity", 1.0, "maximize"),
        "authenticity": ("memorization", 1.0, "maximize"),
        "dcr_share": ("privacy", 0.5, "target"),
        "exact_copies": ("privacy", 0.0, "minimize"),
        "detection_auc": ("fidelity", 0.5, "target"),
    }
    metrics = [
        MetricResult(group=specs[k][0], name=k, value=v, ideal=specs[k][1], direction=specs[k][2])  # type: ignore[arg-type]
        for k, v in values.items()
    ]
    return Evaluation(metrics=metrics)


def test_gate_is_exposed_on_the_package() -> None:
    assert sw.Gate is Gate


def test_explicit_operators() -> None:
    gate = Gate.from_string("alpha_precision>=0.9, authenticity>=0.7,dcr_share<=0.6")
    assert gate.check(_ev(alpha_precision=0.95, authenticity=0.8, dcr_share=0.55)).passed
    result = gate.check(_ev(alpha_precision=0.95, authenticity=0.3, dcr_share=0.8))
    assert not result.passed and not result
    assert result.failures == [
        GateFailure("memorization.authenticity", 0.3, ">=", 0.7),
        GateFailure("privacy.dcr_share", 0.8, "<=", 0.6),
    ]
    assert "memorization.authenticity = 0.3, needs >= 0.7" in result.summary()


def test_fail_under_shorthand_follows_each_metrics_direction() -> None:
    gate = Gate.from_string("authenticity=0.5,exact_copies=0.01,dcr_share=0.6,detection_auc=0.4")
    ops = {
        name: op
        for name, _, op, _ in gate.check(
            _ev(authenticity=0.6, exact_copies=0.0, dcr_share=0.5, detection_auc=0.5)
        ).checked
    }
    assert ops == {
        "memorization.authenticity": ">=",
        "privacy.exact_copies": "<=",
        "privacy.dcr_share": "<=",
        "fidelity.detection_auc": ">=",
    }
    assert not gate.check(_ev(authenticity=0.6, exact_copies=0.02, dcr_share=0.5, detection_auc=0.5)).passed


def test_full_names_work_like_short_names() -> None:
    ev = _ev(authenticity=0.2)
    assert (
        Gate.from_string("memorization.authenticity>=0.5").check(ev).failures
        == Gate.from_string("authenticity>=0.5").check(ev).failures
    )


def test_a_metric_that_was_not_computed_fails() -> None:
    result = Gate.from_string("dcr_share<=0.6").check(_ev(authenticity=0.9))
    assert not result.passed
    failure = result.failures[0]
    assert failure.metric == "privacy.dcr_share" and math.isnan(failure.value)
    assert "not computed" in result.summary()


@pytest.mark.parametrize("text", ["authentcity>=0.5", "authenticity>>0.5", "authenticity", ""])
def test_bad_thresholds_raise_with_a_fix(text: str) -> None:
    with pytest.raises(InvalidParameterError, match="Fix"):
        Gate.from_string(text)


def test_yaml_and_toml_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "gate.yaml"
    yaml_file.write_text(
        "gate:\n  alpha_precision: '>= 0.9'\n  authenticity: 0.5\n  dcr_share: {op: '<=', value: 0.6}\n"
    )
    toml_file = tmp_path / "gate.toml"
    toml_file.write_text(
        '[thresholds]\nalpha_precision = ">= 0.9"\nauthenticity = 0.5\ndcr_share = "<= 0.6"\n'
    )
    list_file = tmp_path / "list.yml"
    list_file.write_text("- alpha_precision>=0.9\n- authenticity=0.5\n- dcr_share<=0.6\n")
    ev_good = _ev(alpha_precision=0.95, authenticity=0.6, dcr_share=0.5)
    ev_bad = _ev(alpha_precision=0.95, authenticity=0.6, dcr_share=0.7)
    for path in (yaml_file, toml_file, list_file):
        gate = Gate.from_file(path)
        assert len(gate.thresholds) == 3, path
        assert gate.check(ev_good).passed and not gate.check(ev_bad).passed, path


def test_unreadable_gate_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="does not exist"):
        Gate.from_file(tmp_path / "missing.yaml")
    bad = tmp_path / "gate.json"
    bad.write_text("{}")
    with pytest.raises(InvalidParameterError, match="unknown format"):
        Gate.from_file(bad)
    broken = tmp_path / "gate.toml"
    broken.write_text("authenticity = [")
    with pytest.raises(InvalidParameterError, match="cannot be parsed"):
        Gate.from_file(broken)


def test_gates_combine_and_describe_themselves() -> None:
    gate = Gate.from_string("authenticity>=0.5") + Gate({"dcr_share": "<= 0.6"})
    assert gate.summary() == "authenticity>=0.5\ndcr_share<=0.6"
    assert (
        Gate.from_string("authenticity>=0.5").check(_ev(authenticity=0.9)).summary()
        == "Gate passed: 1 of 1 thresholds met."
    )
