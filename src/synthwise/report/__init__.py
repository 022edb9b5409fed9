"""The evaluation report: one self-contained HTML page with the scores and inline SVG charts.

``render_html(evaluation)`` returns the page; ``write_html(evaluation, path)`` writes it atomically.
The report sits above the evaluation: it reads :class:`~synthwise.evaluation.result.Evaluation`, which
knows nothing of it. A hand-made evaluation to preview the report without running the metrics is in
:mod:`synthwise.testing.reports` (``python -m synthwise.testing.reports report.html``).
"""

from __future__ import annotations

from synthwise.report.html import render_html, write_html

__all__ = ["render_html", "write_html"]
