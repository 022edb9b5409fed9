"""The evaluation report: one self-contained HTML page with the scores and inline SVG charts.

``render_html(evaluation)`` returns the page; ``Evaluation.to_html(path)`` writes it atomically.
``example_evaluation()`` builds a realistic hand-made evaluation to preview the report without running
the metrics (``python -m synthwise.report report.html``).
"""

from __future__ import annotations

from synthwise.report.example import example_evaluation
from synthwise.report.html import render_html

__all__ = ["example_evaluation", "render_html"]
