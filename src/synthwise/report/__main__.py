"""Write the example report (a preview; no metrics run): ``python -m synthwise.report [OUT.html] [N]``."""

from __future__ import annotations

import sys

from synthwise.io import write_text
from synthwise.report.example import example_evaluation
from synthwise.report.html import render_html


def main(argv: list[str]) -> int:
    """Render :func:`example_evaluation` to ``argv[0]`` (default ``report.html``); print the path."""
    out = argv[0] if argv else "report.html"
    n_columns = int(argv[1]) if len(argv) > 1 else 10
    write_text(render_html(example_evaluation(n_columns=n_columns)), out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
