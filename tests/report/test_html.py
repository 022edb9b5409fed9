"""The HTML report: structure, escaping, self-containment and robustness to partial evaluations."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthwise.evaluation.result import Evaluation, MetricResult, PlotData
from synthwise.report import render_html, write_html
from synthwise.report.svg import fmt, nice_ticks
from synthwise.report.verdict import judge
from synthwise.testing.reports import HOSTILE_NAMES, example_evaluation


class _Collector(HTMLParser):
    """Every start tag with its (unescaped) attributes, in document order, plus the text of <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


def with_attr(doc: _Collector, tag: str, attr: str) -> list[dict[str, str]]:
    return [attrs for t, attrs in doc.tags if t == tag and attr in attrs]


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return example_evaluation(n_columns=14, seed=3)


@pytest.fixture(scope="module")
def page(evaluation: Evaluation) -> str:
    return render_html(evaluation)


def test_render_html_returns_one_complete_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert page.count("<html") == 1 and page.count("<body") == 1


def test_render_html_loads_nothing_from_the_network(page: str) -> None:
    doc = parse(page)
    for _tag, attrs in doc.tags:
        for name in ("src", "href", "action", "poster", "data"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "ftp:")), (name, value)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.IGNORECASE)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, flags=re.IGNORECASE)
    assert not any(t in ("link", "iframe", "img", "object", "embed") for t, _ in doc.tags)
    csp = [
        a["content"]
        for a in with_attr(doc, "meta", "http-equiv")
        if a["http-equiv"] == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in csp[0]


def test_every_column_has_a_marginal_plot(evaluation: Evaluation, page: str) -> None:
    figures = [a for a in with_attr(parse(page), "figure", "data-column")]
    assert [f["data-column"] for f in figures] == list(evaluation.plots.marginals)
    # each marginal figure holds an svg chart that is not the empty placeholder
    blocks = re.findall(r'<figure class="marginal".*?</figure>', page, flags=re.DOTALL)
    assert len(blocks) == len(evaluation.plots.marginals)
    assert all('<svg class="chart"' in block for block in blocks)


def test_numeric_columns_get_histograms_and_categoricals_get_bars(evaluation: Evaluation, page: str) -> None:
    blocks = re.findall(r'<figure class="marginal".*?</figure>', page, flags=re.DOTALL)
    for block, spec in zip(blocks, evaluation.plots.marginals.values(), strict=True):
        if spec["kind"] == "numeric":
            n_bins = len(spec["edges"]) - 1
            assert block.count('class="hit"') == n_bins  # one hover target per bin
            assert "<path" in block  # the synthetic step line
        else:
            assert block.count('class="hit"') == len(spec["labels"])  # one hover target per category


def test_score_table_shows_every_metric_with_value_ideal_and_reference(
    evaluation: Evaluation, page: str
) -> None:
    rows = [a["data-metric"] for a in with_attr(parse(page), "tr", "data-metric")]
    assert rows == [m.key for m in _grouped(evaluation.metrics)]
    for m in evaluation.metrics:
        row = re.search(
            rf'<tr class="metric[^"]*" data-metric="{re.escape(m.key)}">.*?</tr>', page, re.DOTALL
        )
        assert row is not None, m.key
        assert fmt(m.value) in row.group(0) and fmt(m.ideal) in row.group(0)
        if m.reference is not None:
            assert fmt(m.reference) in row.group(0)
        if m.ci is not None:
            assert f"{fmt(m.ci[0])} – {fmt(m.ci[1])}" in row.group(0)


def _grouped(metrics: list[MetricResult]) -> list[MetricResult]:
    order = ["fidelity", "diversity", "memorization", "utility", "privacy", "bias", "validity"]
    extra = sorted({m.group for m in metrics} - set(order))
    return [m for g in order + extra for m in metrics if m.group == g]


def test_saturated_metric_is_marked_and_explained(evaluation: Evaluation, page: str) -> None:
    saturated = [m for m in evaluation.metrics if m.saturated]
    assert saturated
    for m in saturated:
        row = re.search(
            rf'<tr class="metric[^"]*saturated" data-metric="{re.escape(m.key)}">.*?</tr>', page, re.DOTALL
        )
        assert row is not None and 'class="badge sat"' in row.group(0)
    assert "Saturated metrics" in page and "independent-marginals resample" in page


def test_header_shows_the_three_d_score(evaluation: Evaluation, page: str) -> None:
    header = page[page.index("<header") : page.index("</header>")]
    for label, value in evaluation.three_d.items():
        assert label.capitalize() in header
        assert f'<div class="dim-value">{fmt(value)}</div>' in header
    assert header.count('class="badge ') >= 3  # a verdict per dimension
    flags = evaluation.row_flags
    assert flags is not None
    assert f"Row audit of {len(flags):,} synthetic rows" in header
    assert f"{100 * flags['typical'].mean():.1f}%</b> typical" in header


def test_hostile_column_names_are_escaped(page: str) -> None:
    doc = parse(page)
    assert len(doc.scripts) == 1  # only the report's own script
    assert "alert('x')" not in doc.scripts[0]
    assert "<script>alert" not in page
    assert all(name not in page for name in HOSTILE_NAMES)  # never raw: always escaped
    names = [a["data-column"] for a in with_attr(doc, "figure", "data-column")]
    assert all(name in names for name in HOSTILE_NAMES)  # round-trips through escaping unchanged


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=4, unique=True))
def test_any_column_name_round_trips_through_escaping(names: list[str]) -> None:
    marginals = {
        n: {"kind": "categorical", "labels": [n, "x"], "real": [0.5, 0.5], "synthetic": [0.4, 0.6]}
        for n in names
    }
    matrix = np.full((len(names), len(names)), 0.1).tolist()
    ev = Evaluation(
        metrics=[MetricResult("fidelity", "marginals", 0.9, 1.0, description=names[0])],
        plots=PlotData(
            marginals=marginals,
            correlation_diff={"columns": names, "matrix": matrix},
            worst_columns=[(names[0], 0.5)],
            worst_pairs=[(names[0], names[1], 0.4)],
        ),
        manifest={"note": names[-1]},
    )
    doc = parse(render_html(ev))
    assert [a["data-column"] for a in with_attr(doc, "figure", "data-column")] == names
    assert len(doc.scripts) == 1


def test_empty_evaluation_renders_every_section_with_notes() -> None:
    page = render_html(Evaluation(metrics=[]))
    for anchor in ("scores", "marginals", "correlations", "curves", "dcr", "projection", "worst", "manifest"):
        assert f'id="{anchor}"' in page
    assert page.count('class="missing"') >= 8
    assert len(parse(page).scripts) == 1


def test_optional_fields_none_or_degenerate_render_without_error() -> None:
    inf = float("inf")
    odd: dict[str, Any] = {"x": None, "independent": float("nan")}
    metrics = [
        MetricResult("fidelity", "alpha_precision", float("nan"), 1.0),
        MetricResult("fidelity", "density", 3.2, 1.0, bounds=(0.0, inf), direction="target", ci=(2.0, inf)),
        MetricResult("custom", "odd", -1e12, 0.0, bounds=(-inf, inf), reference=float("nan"), baselines=odd),
        MetricResult("privacy", "exact_copies", 0.0, 0.0, direction="minimize", saturated=True),
    ]
    plots = PlotData(
        marginals={
            "empty": {},
            "one_edge": {"kind": "numeric", "edges": [1.0], "real": [], "synthetic": []},
            "ragged": {
                "kind": "numeric",
                "edges": [0, 1, 2, 3],
                "real": [0.1, None],
                "synthetic": [float("nan")] * 5,
            },
            "flat": {"kind": "numeric", "edges": [0, 0, 0], "real": [1, 1], "synthetic": [1, 1]},
            "many": {
                "kind": "categorical",
                "labels": [f"c{i}" for i in range(120)],
                "real": list(np.full(120, 1 / 120)),
                "synthetic": list(np.full(120, 1 / 120)),
            },
            "no_labels": {"kind": "categorical", "labels": [], "real": [], "synthetic": []},
        },
        correlation_diff={"columns": ["a", "b", "c"], "matrix": [[0, 1], [1, 0]]},
        alpha_curve={"alpha": [], "precision": []},
        beta_curve={"beta": [0.0, 0.5, 1.0], "recall": [0.0, odd["x"], float("nan")]},
        dcr={"synthetic_to_train": [0.0, 0.0, 0.0], "holdout_to_train": []},
        projection={"real": [[float("nan"), 1.0]], "synthetic": [[1.0, 2.0, 3.0]]},
        worst_columns=[("empty", float("nan"))],
        worst_pairs=[("a", "b", math.nan)],
    )
    flags = pd.DataFrame({"typical": [True, None, False]})
    page = render_html(
        Evaluation(metrics=metrics, plots=plots, row_flags=flags, manifest={"arr": np.arange(3)})
    )
    doc = parse(page)
    assert [a["data-column"] for a in with_attr(doc, "figure", "data-column")] == list(plots.marginals)
    assert "(other 101)" in page  # 120 categories capped to 19 + one merged bar
    assert "not 3 x 3" in page  # the malformed correlation matrix is reported, not drawn
    assert "<b>33.3%</b> typical" in page  # a missing flag counts as not passed
    assert ">nan<" not in page.lower() and ">inf<" not in page.lower()  # missing numbers show as —


def test_projection_is_capped_per_side() -> None:
    rng = np.random.default_rng(0)
    plots = PlotData(
        projection={
            "real": rng.normal(size=(9_000, 2)).tolist(),
            "synthetic": rng.normal(size=(3_000, 2)).tolist(),
        }
    )
    page = render_html(Evaluation(metrics=[], plots=plots))
    chart = page[page.index('id="projection"') :]
    assert chart.count("h0") == 4_000
    assert "real (2,000)" in chart and "synthetic (2,000)" in chart


def test_fifty_columns_report_stays_small() -> None:
    page = render_html(example_evaluation(n_columns=50, n_points=6_000))
    assert len(parse(page).tags) > 0
    assert len(page.encode("utf-8")) < 1_500_000


def test_same_evaluation_gives_same_bytes(evaluation: Evaluation) -> None:
    assert render_html(evaluation) == render_html(evaluation)


def test_render_does_not_mutate_the_evaluation() -> None:
    ev = example_evaluation(n_columns=6)
    before = ev.to_json()
    render_html(ev)
    assert ev.to_json() == before


def test_to_html_writes_the_report(tmp_path: Path, evaluation: Evaluation) -> None:
    out = tmp_path / "sub" / "report.html"
    assert write_html(evaluation, out) == str(out)
    assert out.read_text(encoding="utf-8") == render_html(evaluation)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.95312, "0.953"), (0.0012, "0.0012"), (0.0, "0"), (1234.5, "1,234"), (float("nan"), "—"), (None, "—")],
)
def test_fmt_shows_numbers_for_people(value: Any, shown: str) -> None:
    assert fmt(value) == shown


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6))
def test_nice_ticks_lie_inside_the_range(lo: float, span: float) -> None:
    ticks = nice_ticks(lo, lo + span, 5)
    assert 1 <= len(ticks) <= 12
    assert all(lo - 1e-6 * span <= t <= lo + span + 1e-6 * span for t in ticks)
    assert all(math.isfinite(t) for t in ticks)


@pytest.mark.parametrize(
    ("metric", "level"),
    [
        (MetricResult("fidelity", "a", 0.95, 1.0, reference=0.96), "good"),  # on par with the holdout
        (MetricResult("fidelity", "a", 0.90, 1.0, reference=0.96), "fair"),
        (MetricResult("fidelity", "a", 0.70, 1.0, reference=0.96), "poor"),
        (MetricResult("fidelity", "a", 0.95, 1.0), "good"),
        (MetricResult("fidelity", "a", 0.55, 0.5, direction="target"), "good"),
        (MetricResult("fidelity", "a", 0.85, 0.5, direction="target"), "poor"),
        (MetricResult("fidelity", "a", 3.0, 1.0, bounds=(0.0, float("inf"))), "poor"),
        (MetricResult("fidelity", "a", float("nan"), 1.0), "unknown"),
    ],
)
def test_verdict_compares_with_the_holdout_reference_when_there_is_one(
    metric: MetricResult, level: str
) -> None:
    verdict = judge(metric)
    assert verdict.level == level
    assert verdict.reason
