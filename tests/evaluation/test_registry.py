"""The metric registry: names, groups, ideals, lookups."""

from __future__ import annotations

import pytest

from synthwise.errors import InvalidParameterError
from synthwise.evaluation import GROUPS, get_metric, list_metrics, metric
from synthwise.evaluation.registry import BUILTIN_MODULES, select_metrics


def test_every_metric_has_a_unique_short_name_and_a_docstring_with_its_ideal() -> None:
    names = [s.name for s in list_metrics()]
    specs = [s for s in list_metrics() if s.func.__module__ in BUILTIN_MODULES]
    assert len(names) == len(set(names))
    for s in specs:
        assert s.group in GROUPS and s.description, s.key
        assert "ideal" in (s.func.__doc__ or "").lower(), s.key
        assert s.bounds[0] <= s.ideal <= s.bounds[1], s.key


def test_issue_metrics_are_registered() -> None:
    keys = {s.key for s in list_metrics()}
    assert {
        "fidelity.alpha_precision",
        "diversity.beta_recall",
        "memorization.authenticity",
        "fidelity.precision",
        "diversity.recall",
        "fidelity.density",
        "diversity.coverage",
        "fidelity.marginals",
        "fidelity.pairs",
        "fidelity.detection_auc",
        "utility.roc_auc",
        "utility.macro_f1",
        "utility.balanced_accuracy",
        "utility.r2",
        "utility.ratio",
        "privacy.dcr_share",
        "privacy.exact_copies",
        "privacy.nndr",
        "privacy.mia_auc",
        "validity.valid_rows",
        "bias.group_shares",
        "bias.target_by_group",
    } <= keys


def test_lookup_by_short_full_and_group_name() -> None:
    assert get_metric("authenticity").key == "memorization.authenticity"
    assert get_metric("memorization.authenticity").name == "authenticity"
    assert {s.group for s in select_metrics(["privacy"])} == {"privacy"}
    with pytest.raises(InvalidParameterError, match="Unknown metric 'authentcity'"):
        get_metric("authentcity")


def test_registration_rules() -> None:
    with pytest.raises(InvalidParameterError):
        metric("x", "no_such_group")
    with pytest.raises(InvalidParameterError, match="needs an explicit ideal"):
        metric("x", "fidelity", "target")
    with pytest.raises(InvalidParameterError, match="already registered"):
        metric("authenticity", "fidelity")(lambda ctx: 0.0)


_NAMES_SCRIPT = """
import json, sys
import numpy as np, pandas as pd
if sys.argv[1] == "sequential-first":
    import synthwise.evaluation.sequential  # noqa: F401
from synthwise.evaluation import evaluate
rng = np.random.default_rng(0)
df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(["x", "y"], 60)})
ev = evaluate(df, df, seed=0, n_bootstrap=0, baselines=False, row_flags=False)
print(json.dumps({"computed": sorted(ev.scores), "skipped": sorted(ev.manifest["skipped"])}))
"""


def test_the_metrics_an_evaluation_sees_do_not_depend_on_what_was_imported_before() -> None:
    import json
    import subprocess
    import sys

    def names(mode: str) -> dict[str, list[str]]:
        out = subprocess.run(
            [sys.executable, "-c", _NAMES_SCRIPT, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    fresh, after = names("fresh"), names("sequential-first")
    assert fresh == after
    assert not any(".seq_" in key for key in fresh["computed"] + fresh["skipped"])  # a plain table


def test_sequence_metrics_are_registered_with_the_built_ins() -> None:
    sequential = [s for s in list_metrics() if s.sequential]
    assert {s.func.__module__ for s in sequential} == {"synthwise.evaluation.sequential"}
    assert all(s.name.startswith("seq_") for s in sequential) and len(sequential) >= 11
    assert select_metrics(None, sequences=False) == [s for s in list_metrics() if not s.sequential]
    assert select_metrics(None) == list_metrics()
    assert not any(s.sequential for s in select_metrics(["privacy"], sequences=False))
    assert [s.key for s in select_metrics(["seq_dcr_share"], sequences=False)] == ["privacy.seq_dcr_share"]
