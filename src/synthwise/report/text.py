"""The report's text section: for each free-text column, the 3D cards in MiniLM space, word-count
histograms, the most frequent word bigrams (real vs synthetic), synthetic samples beside their nearest
real texts, and the worst near copies (truncated). Drawn from ``Evaluation.plots.text``."""

from __future__ import annotations

from typing import Any

from synthwise.evaluation.result import Evaluation
from synthwise.report.charts import Series, grouped_bars, histogram
from synthwise.report.gauges import meter
from synthwise.report.sections import section
from synthwise.report.svg import REAL_COLOR, SYNTHETIC_COLOR, esc, fmt

CARDS = (
    ("alpha_precision", "α-precision", "fidelity.text_alpha_precision"),
    ("beta_recall", "β-recall", "diversity.text_beta_recall"),
    ("authenticity", "authenticity", "memorization.text_authenticity"),
)


def _cards(ev: Evaluation, values: dict[str, float]) -> str:
    cells = []
    for key, title, metric_key in CARDS:
        if key not in values:
            continue
        m = ev.get(metric_key)
        ref = (
            f'<span class="muted">holdout {fmt(m.reference)}</span>' if m and m.reference is not None else ""
        )
        cells.append(
            f"<figure><figcaption>{esc(title)}</figcaption>{meter(float(values[key]))}{ref}</figure>"
        )
    return f'<div class="row">{"".join(cells)}</div>' if cells else ""


def _pairs_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A table of ``rows`` with ``columns`` as (header, key); numbers are formatted, texts escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h, _ in columns)

    def cell(value: Any) -> str:
        return esc(value if isinstance(value, str) else fmt(value))

    body = "".join(
        "<tr>" + "".join(f"<td>{cell(r.get(k, ''))}</td>" for _, k in columns) + "</tr>" for r in rows
    )
    return f'<table class="scores"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def text_section(ev: Evaluation) -> str:
    """The text section, or "" when the evaluated table has no text column judged as text."""
    data = ev.plots.text
    columns = [c for c in data if not c.startswith("_")]
    if not columns:
        return ""
    intro = (
        "Free-text columns judged as text: embeddings in MiniLM space (alpha-precision, beta-recall, "
        "authenticity), word counts, frequent word pairs, synthetic texts beside their nearest real "
        "texts, and the synthetic texts that nearly copy a real one (word 5-gram or word-set overlap, "
        "or a long common substring)."
    )
    parts = [_cards(ev, data.get("_three_d", {}))]
    for col in columns:
        d = data[col]
        length = d["length"]
        hist = histogram(
            length["edges"],
            Series("real", length["real"], REAL_COLOR),
            Series("synthetic", length["synthetic"], SYNTHETIC_COLOR),
            label=f"{col}: words per text",
            xlabel="words",
        )
        bi = d["bigrams"]
        bars = grouped_bars(
            bi["labels"],
            [Series("real", bi["real"], REAL_COLOR), Series("synthetic", bi["synthetic"], SYNTHETIC_COLOR)],
            label=f"{col}: most frequent word pairs",
        )
        parts.append(
            f"<h3>{esc(col)}</h3>"
            f'<div class="row"><figure><figcaption>words per text</figcaption>{hist}</figure>'
            f"<figure><figcaption>most frequent word pairs (share)</figcaption>{bars}</figure></div>"
            f"<h4>Synthetic samples and their nearest real texts ({esc(d.get('nearest_by', ''))})</h4>"
            + _pairs_table(d["samples"], [("synthetic", "synthetic"), ("nearest real", "nearest_real")])
        )
        near = d.get("near_copies")
        if near is not None:
            parts.append(
                "<h4>Near copies (worst first)</h4>"
                + (
                    _pairs_table(
                        near,
                        [
                            ("synthetic", "synthetic"),
                            ("real", "real"),
                            ("5-gram Jaccard", "jaccard5"),
                            ("word-set Jaccard", "jaccard_words"),
                            ("common substring", "lcs_share"),
                        ],
                    )
                    if near
                    else '<p class="muted">No synthetic text nearly copies a real one.</p>'
                )
            )
    return section("text", "Free text", intro, "".join(parts))
