"""Small inline gauges for tables and cards: a bullet gauge for metric values and a score meter."""

from __future__ import annotations

import math

from synthwise.report.svg import GRID, num

LEVEL_COLORS = {"good": "#16a34a", "fair": "#d97706", "poor": "#dc2626"}


def score_level(score: float) -> str:
    """``good`` (≥ 0.9), ``fair`` (≥ 0.75) or ``poor`` for a similarity score where 1 is ideal."""
    return "good" if score >= 0.9 else "fair" if score >= 0.75 else "poor"


def bullet(
    value: float,
    *,
    bounds: tuple[float, float],
    ideal: float | None = None,
    reference: float | None = None,
    ci: tuple[float, float] | None = None,
    color: str = "#334155",
    width: float = 130,
    height: float = 18,
) -> str:
    """A one-line gauge of ``value`` in finite ``bounds``: CI band, ideal tick (green), holdout (blue).

    Returns ``""`` when the bounds are not finite or the value is not a number.
    """
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo and math.isfinite(value)):
        return ""
    pad = 5.0

    def x(v: float) -> float:
        return pad + (min(hi, max(lo, float(v))) - lo) / (hi - lo) * (width - 2 * pad)

    mid = height / 2
    parts = [
        f'<svg class="bullet" viewBox="0 0 {num(width)} {num(height)}" width="{num(width)}" '
        f'height="{num(height)}" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
    ]
    parts.append(
        f'<rect x="{num(pad)}" y="{num(mid - 2)}" width="{num(width - 2 * pad)}" height="4" rx="2" '
        f'fill="{GRID}"/>'
    )
    if ci is not None and all(math.isfinite(float(c)) for c in ci):
        c0, c1 = sorted(float(c) for c in ci)
        parts.append(
            f'<rect x="{num(x(c0))}" y="{num(mid - 4)}" width="{num(max(1.0, x(c1) - x(c0)))}" '
            f'height="8" rx="2" fill="{color}" fill-opacity="0.22"/>'
        )
    for mark, mcolor in ((ideal, "#16a34a"), (reference, "#2563eb")):
        if mark is not None and math.isfinite(float(mark)):
            parts.append(
                f'<line x1="{num(x(mark))}" y1="{num(mid - 7)}" x2="{num(x(mark))}" '
                f'y2="{num(mid + 7)}" stroke="{mcolor}" stroke-width="2"/>'
            )
    parts.append(
        f'<circle cx="{num(x(value))}" cy="{num(mid)}" r="4.5" fill="{color}" stroke="#fff" '
        'stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def meter(
    value: float, *, lo: float = 0.0, hi: float = 1.0, width: float = 120, color: str | None = None
) -> str:
    """A small horizontal bar showing ``value`` between ``lo`` and ``hi`` (for the worst-columns tables).

    Without ``color`` the bar takes the colour of :func:`score_level`.
    """
    if not math.isfinite(value) or hi <= lo:
        return ""
    color = color or LEVEL_COLORS[score_level(value)]
    frac = min(1.0, max(0.0, (value - lo) / (hi - lo)))
    return (
        f'<svg class="meter" viewBox="0 0 {num(width)} 10" width="{num(width)}" height="10" '
        'aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="{num(width)}" height="10" rx="3" fill="{GRID}"/>'
        f'<rect width="{num(width * frac)}" height="10" rx="3" fill="{color}"/></svg>'
    )
