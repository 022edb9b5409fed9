"""The report's plot sections, one function each, from :class:`~synthwise.evaluation.result.PlotData`.

Every function returns an HTML fragment and copes with missing data by saying what is missing and why,
instead of failing: a report of a partial evaluation is still a report.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthwise.evaluation.result import Evaluation
from synthwise.random import make_rng
from synthwise.report.charts import (
    Curve,
    Series,
    grouped_bars,
    heatmap,
    histogram,
    line_chart,
    scatter,
)
from synthwise.report.gauges import meter, score_level
from synthwise.report.svg import (
    HOLDOUT_COLOR,
    REAL_COLOR,
    SYNTHETIC_COLOR,
    esc,
    finite_array,
    fmt,
    is_number,
)

MAX_PROJECTION_POINTS = 2_000  # per side
MAX_HEATMAP_COLUMNS = 60
DCR_BINS = 30


def section(anchor: str, title: str, intro: str, body: str) -> str:
    """A titled report section with a one-paragraph explanation."""
    return (
        f'<section id="{esc(anchor)}" class="card"><h2>{esc(title)}</h2>'
        f'<p class="intro">{intro}</p>{body}</section>'
    )


def missing(message: str) -> str:
    """A muted note standing in for a chart that could not be drawn."""
    return f'<p class="missing">{esc(message)}</p>'


def _column_scores(ev: Evaluation) -> dict[str, float]:
    scores: dict[str, float] = {}
    for item in ev.plots.worst_columns or []:
        if len(item) >= 2 and is_number(item[1]):
            scores[str(item[0])] = float(item[1])
    for name, spec in (ev.plots.marginals or {}).items():
        if isinstance(spec, dict) and is_number(spec.get("score")):
            scores[str(name)] = float(spec["score"])
    return scores


def marginal_anchor(index: int) -> str:
    """The element id of the ``index``-th marginal figure (ids never contain column names)."""
    return f"marginal-{index}"


def marginals_section(ev: Evaluation) -> str:
    """One small chart per column: histogram for numerics, grouped bars for categoricals."""
    marginals = ev.plots.marginals or {}
    intro = (
        "Real (blue) against synthetic (orange) for every column: histograms of densities for numeric "
        "columns over bins taken from the real data, shares per category for the others. The score is "
        "1 − KS statistic (numeric) or 1 − total variation distance (categorical); 1 is ideal."
    )
    if not marginals:
        return section("marginals", "Column distributions", intro, missing("No marginal data was computed."))
    scores = _column_scores(ev)
    figures = []
    for i, (name, spec) in enumerate(marginals.items()):
        col = str(name)
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("kind", "numeric" if "edges" in spec else "categorical"))
        real = Series("real", spec.get("real") or [], REAL_COLOR)
        syn = Series("synthetic", spec.get("synthetic") or [], SYNTHETIC_COLOR)
        label = f"Distribution of {col}: real vs synthetic"
        if spec.get("edges") is not None:
            chart = histogram(spec["edges"], real, syn, label=label)
        else:
            chart = grouped_bars([str(v) for v in spec.get("labels") or []], [real, syn], label=label)
        score = scores.get(col)
        badge = ""
        if score is not None:
            badge = f'<span class="score {score_level(score)}" title="column score">{fmt(score)}</span>'
        figures.append(
            f'<figure class="marginal" id="{marginal_anchor(i)}" data-column="{esc(col)}">'
            f'<figcaption><span class="colname" title="{esc(col)}">{esc(col)}</span>'
            f'<span class="kind">{esc(kind)}</span>{badge}</figcaption>{chart}</figure>'
        )
    tools = (
        f'<div class="tools"><input type="search" id="column-filter" placeholder="Filter {len(figures)} '
        f'columns…" aria-label="Filter columns"><span id="filter-count"></span></div>'
    )
    return section(
        "marginals", "Column distributions", intro, tools + f'<div class="grid">{"".join(figures)}</div>'
    )


def correlation_section(ev: Evaluation) -> str:
    """The heatmap of |correlation(real) − correlation(synthetic)| for every pair of columns."""
    intro = (
        "Absolute difference between the real and the synthetic pairwise correlations (lower triangle). "
        "White is ideal; dark cells are relationships the generator did not learn."
    )
    data = ev.plots.correlation_diff
    if not data or not data.get("columns") or data.get("matrix") is None:
        return section(
            "correlations",
            "Pairwise correlation difference",
            intro,
            missing("No correlation data was computed."),
        )
    names = [str(c) for c in data["columns"]]
    try:
        mat = np.abs(np.asarray(data["matrix"], dtype=float))
    except (TypeError, ValueError):
        return section(
            "correlations",
            "Pairwise correlation difference",
            intro,
            missing("The correlation matrix could not be read."),
        )
    if mat.ndim != 2 or mat.shape[0] != len(names) or mat.shape[1] != len(names):
        return section(
            "correlations",
            "Pairwise correlation difference",
            intro,
            missing(f"The correlation matrix has shape {mat.shape}, not {len(names)} x {len(names)}."),
        )
    note = ""
    if len(names) > MAX_HEATMAP_COLUMNS:
        with np.errstate(invalid="ignore"):
            worst = np.nan_to_num(np.nanmax(np.where(np.isfinite(mat), mat, -1.0), axis=1), nan=-1.0)
        keep = np.sort(np.argsort(-worst, kind="stable")[:MAX_HEATMAP_COLUMNS])
        names = [names[k] for k in keep]
        mat = mat[np.ix_(keep, keep)]
        note = missing(
            f"Showing the {MAX_HEATMAP_COLUMNS} columns with the largest differences "
            f"of {len(data['columns'])}."
        )
    chart = heatmap(names, mat.tolist(), label="Pairwise correlation difference |real − synthetic|")
    return section(
        "correlations", "Pairwise correlation difference", intro, f'{note}<div class="scroll">{chart}</div>'
    )


def _curve(spec: dict[str, Any] | None, xkey: str, ykey: str) -> tuple[list[Any], list[Any]] | None:
    if not spec or spec.get(xkey) is None or spec.get(ykey) is None:
        return None
    return list(spec[xkey]), list(spec[ykey])


def curves_section(ev: Evaluation) -> str:
    """Alpha-precision and beta-recall curves against the ideal diagonal."""
    intro = (
        "The 3D score's curves (Alaa et al., ICML 2022). For each level α, the share of synthetic rows "
        "inside the real data's α-support (precision) and, for each β, the share of real rows inside "
        "the synthetic data's β-support (recall). A perfect generator follows the dashed diagonal; the "
        "integrated score is 1 − 2 × the mean gap to it."
    )
    charts = []
    for spec, xkey, ykey, key, title, xlabel in (
        (ev.plots.alpha_curve, "alpha", "precision", "fidelity.alpha_precision", "α-precision", "α"),
        (ev.plots.beta_curve, "beta", "recall", "diversity.beta_recall", "β-recall", "β"),
    ):
        pts = _curve(spec, xkey, ykey)
        metric = ev.get(key)
        score = f' <span class="muted">integrated: {fmt(metric.value)}</span>' if metric is not None else ""
        if pts is None:
            body = missing(f"No {title} curve was computed.")
        else:
            body = line_chart(
                [
                    Curve("ideal", [0, 1], [0, 1], "#9ca3af", dashed=True),
                    Curve(title, pts[0], pts[1], SYNTHETIC_COLOR),
                ],
                label=f"{title} curve",
                xlabel=xlabel,
                ylabel=title,
            )
        charts.append(f'<figure class="wide"><figcaption>{esc(title)}{score}</figcaption>{body}</figure>')
    return section(
        "curves", "Fidelity and diversity curves", intro, f'<div class="row">{"".join(charts)}</div>'
    )


def _exact_share(values: np.ndarray) -> str:
    return "—" if values.size == 0 else f"{100 * float(np.mean(values <= 1e-12)):.2f}%"


def dcr_section(ev: Evaluation) -> str:
    """Histograms of the distance to the closest training record, synthetic vs holdout rows."""
    intro = (
        "Distance from each row to its closest training row. Synthetic rows (orange) should be no closer "
        "to the training data than real holdout rows (green) are: a pile-up near zero is memorization."
    )
    data = ev.plots.dcr or {}
    syn = finite_array(data.get("synthetic_to_train"))
    hold = finite_array(data.get("holdout_to_train"))
    if syn.size == 0 and hold.size == 0:
        return section(
            "dcr",
            "Distance to closest record",
            intro,
            missing("No distances were computed (a holdout is needed for the privacy metrics)."),
        )
    pooled = np.concatenate([syn, hold])
    hi = float(np.quantile(pooled, 0.99)) if pooled.size else 1.0
    hi = hi if hi > 0 else float(pooled.max()) if pooled.size and pooled.max() > 0 else 1.0
    edges = np.linspace(0.0, hi, DCR_BINS + 1)

    def density(values: np.ndarray) -> list[float]:
        counts, _ = np.histogram(np.clip(values, 0.0, hi), bins=edges)
        total = counts.sum()
        return (counts / (total * (edges[1] - edges[0]))).tolist() if total else [math.nan] * DCR_BINS

    series = [
        Series(name, density(arr), color)
        for name, arr, color in (
            ("holdout → train", hold, HOLDOUT_COLOR),
            ("synthetic → train", syn, SYNTHETIC_COLOR),
        )
        if arr.size
    ]
    chart = histogram(
        edges.tolist(),
        series[0],
        series[1] if len(series) > 1 else None,
        label="Distance to closest training record",
        xlabel="distance to closest training row (last bin includes the top 1%)",
        width=560,
        height=280,
    )
    rows = "".join(
        f"<tr><th>{name}</th><td>{arr.size:,}</td><td>{fmt(np.median(arr)) if arr.size else '—'}</td>"
        f"<td>{fmt(np.quantile(arr, 0.05)) if arr.size else '—'}</td><td>{_exact_share(arr)}</td></tr>"
        for name, arr in (("synthetic → train", syn), ("holdout → train", hold))
    )
    stats = (
        '<table class="compact"><thead><tr><th></th><th>rows</th><th>median</th><th>5th percentile</th>'
        f"<th>exact copies</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    note = "" if hold.size else missing("No holdout was given: there is no reference distribution.")
    return section("dcr", "Distance to closest record", intro, f'<div class="row">{chart}{stats}</div>{note}')


def _subsample(points: Any, cap: int, seed: int) -> np.ndarray:
    try:
        arr = np.asarray(points if points is not None else [], dtype=float)
    except (TypeError, ValueError):
        return np.empty((0, 2))
    if arr.size == 0 or arr.ndim != 2 or arr.shape[1] < 2:
        return np.empty((0, 2))
    arr = arr[:, :2]
    arr = arr[np.isfinite(arr).all(axis=1)]
    if arr.shape[0] > cap:
        idx = np.sort(make_rng(seed).choice(arr.shape[0], size=cap, replace=False))
        arr = arr[idx]
    return arr


def projection_section(ev: Evaluation) -> str:
    """A 2-D projection of real and synthetic rows in the evaluation's embedding."""
    intro = (
        "Real and synthetic rows in a 2-D projection of the embedding fitted on the real data. Synthetic "
        f"points should cover the real cloud without leaving it. At most {MAX_PROJECTION_POINTS:,} "
        "points per side are drawn (a seeded random subset)."
    )
    data = ev.plots.projection or {}
    real = _subsample(data.get("real"), MAX_PROJECTION_POINTS, 0)
    syn = _subsample(data.get("synthetic"), MAX_PROJECTION_POINTS, 1)
    if real.shape[0] == 0 and syn.shape[0] == 0:
        return section("projection", "Embedding projection", intro, missing("No projection was computed."))
    chart = scatter(
        [("real", real, REAL_COLOR), ("synthetic", syn, SYNTHETIC_COLOR)],
        label="2-D projection of real and synthetic rows",
    )
    return section("projection", "Embedding projection", intro, f'<div class="scroll">{chart}</div>')


def _score(value: Any) -> float:
    return float(value) if is_number(value) else math.nan


def _score_table(headers: list[str], rows: list[tuple[list[str], float]], empty: str) -> str:
    """A compact table: escaped-or-linked cells, then the score and its meter."""
    if not rows:
        return missing(empty)
    head = "".join(f"<th>{esc(h)}</th>" for h in [*headers, "score"]) + "<th></th>"
    body = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + f"<td class='num'>{fmt(score)}</td>"
        f"<td>{meter(score)}</td></tr>"
        for cells, score in rows
    )
    return f'<table class="compact"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def worst_section(ev: Evaluation) -> str:
    """Tables of the columns and pairs of columns the generator reproduced worst."""
    intro = "The columns and pairs with the lowest similarity scores (1 is ideal): where to look first."
    anchors = {str(n): marginal_anchor(i) for i, n in enumerate(ev.plots.marginals or {})}
    col_rows = []
    for item in ev.plots.worst_columns or []:
        if len(item) >= 2:
            name = str(item[0])
            link = f'<a href="#{anchors[name]}">{esc(name)}</a>' if name in anchors else esc(name)
            col_rows.append(([link], _score(item[1])))
    pair_rows = [
        ([esc(item[0]), esc(item[1])], _score(item[2]))
        for item in ev.plots.worst_pairs or []
        if len(item) >= 3
    ]
    cols = _score_table(["column"], col_rows, "No column scores.")
    pairs = _score_table(["column", "column"], pair_rows, "No pair scores.")
    body = f'<div class="row"><div><h3>Worst columns</h3>{cols}</div>'
    body += f"<div><h3>Worst pairs</h3>{pairs}</div></div>"
    return section("worst", "Worst columns and pairs", intro, body)
