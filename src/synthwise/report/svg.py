"""Small SVG building blocks for the report: escaping, number formats, scales, ticks, axes, legends.

Everything returns plain strings of SVG markup meant to be inlined in an HTML page (the HTML parser reads
inline SVG, so ``html.escape`` is the right escaping for both text and attributes). No randomness, no
floating-point noise in the output: coordinates are rounded to one decimal, so the same input gives the
same bytes.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

REAL_COLOR = "#4C78A8"
SYNTHETIC_COLOR = "#F58518"
HOLDOUT_COLOR = "#54A24B"
INK = "#2b2f36"
MUTED = "#6b7280"
GRID = "#e5e7eb"


def esc(text: Any) -> str:
    """``text`` as a string safe inside HTML/SVG text and quoted attributes."""
    return html.escape(str(text), quote=True)


def is_number(value: Any) -> bool:
    """True for a finite real number (bools excluded)."""
    if isinstance(value, bool) or value is None:
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, digits: int = 3) -> str:
    """A number for people: ``0.953``, ``12.4``, ``1,204``, ``1.2e-05``; ``—`` for None / NaN / inf."""
    if not is_number(value):
        return "—"
    v = float(value)
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e7 or a < 1e-4:
        return f"{v:.2e}"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a < 0.01:
        return f"{v:.{digits - 1}g}"  # 0.0012, not 0.001
    return f"{v:.{digits}f}"


def fmt_tick(value: float, step: float) -> str:
    """A tick label with as many decimals as the tick step needs."""
    if abs(value) < step * 1e-9:
        return "0"
    a = abs(value)
    if a >= 1e6 or a < 1e-4:
        return f"{value:.1e}"
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > step * 1e-6:
        decimals += 1  # enough decimals to write the step exactly: 2.5 -> 1, 0.25 -> 2
    if a >= 1000 and decimals == 0:
        return f"{value:,.0f}"
    return f"{value:.{decimals}f}"


def num(value: float) -> str:
    """A coordinate with one decimal and no trailing zeros (``12``, ``12.5``)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def truncate(label: str, max_chars: int) -> str:
    """``label`` cut to ``max_chars`` characters with an ellipsis."""
    return label if len(label) <= max_chars else label[: max(1, max_chars - 1)] + "…"


def finite_array(values: Any) -> np.ndarray:
    """A 1-D float array of the finite entries of ``values`` (None, NaN, inf and junk dropped)."""
    if values is None:
        return np.empty(0)
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        arr = np.asarray([float(v) if is_number(v) else np.nan for v in values], dtype=float)
    return arr[np.isfinite(arr)]


def as_float_list(values: Any, length: int | None = None) -> list[float]:
    """``values`` as floats with non-numbers turned into NaN, padded or cut to ``length`` when given."""
    out = [float(v) if is_number(v) else math.nan for v in (values if values is not None else [])]
    if length is not None:
        out = (out + [math.nan] * length)[:length]
    return out


def nice_step(span: float, n_ticks: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``n_ticks`` ticks over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, n_ticks)
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def nice_ticks(lo: float, hi: float, n_ticks: int = 5) -> list[float]:
    """Round tick values inside ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        return [lo]
    step = nice_step(hi - lo, n_ticks)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def left_margin(ticks: Sequence[float], *, titled: bool = True) -> float:
    """Pixels left of the plot area so the longest y tick label (and the rotated axis title) fit."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    longest = max((len(fmt_tick(t, step)) for t in ticks), default=1)
    return 12 + 6 * longest + (16 if titled else 0)


@dataclass(frozen=True)
class Scale:
    """A linear map from the data interval ``[d0, d1]`` to the pixel interval ``[r0, r1]``."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (value - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)


def padded_range(lo: float, hi: float) -> tuple[float, float]:
    """A non-empty interval around ``[lo, hi]`` (a point gets one unit either side)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


@dataclass(frozen=True)
class Frame:
    """A plot area inside an SVG of ``width`` x ``height`` pixels, with margins for the axes."""

    width: float
    height: float
    left: float = 46
    right: float = 12
    top: float = 12
    bottom: float = 34

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.height - self.bottom

    @property
    def y1(self) -> float:
        return self.top

    def xscale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.x0, self.x1)

    def yscale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.y0, self.y1)


def svg_open(width: float, height: float, label: str, css_class: str = "chart") -> str:
    """The opening ``<svg>`` tag, responsive (viewBox) and labelled for screen readers."""
    return (
        f'<svg class="{esc(css_class)}" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{esc(label)}</title>"
    )


def text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    size: float = 10,
    fill: str = MUTED,
    rotate: float | None = None,
    weight: str | None = None,
    full: str | None = None,
) -> str:
    """A ``<text>`` element; ``full`` adds a tooltip (e.g. the untruncated label)."""
    transform = f' transform="rotate({num(rotate)} {num(x)} {num(y)})"' if rotate else ""
    bold = f' font-weight="{weight}"' if weight else ""
    tip = f"<title>{esc(full)}</title>" if full is not None else ""
    return (
        f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" font-size="{num(size)}" '
        f'fill="{fill}"{bold}{transform}>{tip}{esc(content)}</text>'
    )


def x_axis(
    frame: Frame,
    scale: Scale,
    ticks: Iterable[float],
    *,
    label: str = "",
    formatter: Callable[[float], str] | None = None,
    grid: bool = False,
) -> str:
    """Bottom axis line, ticks, tick labels, optional vertical grid lines and an axis title."""
    ticks = list(ticks)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    show = formatter or (lambda t: fmt_tick(t, step))
    parts = [
        f'<line x1="{num(frame.x0)}" y1="{num(frame.y0)}" x2="{num(frame.x1)}" y2="{num(frame.y0)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    ]
    for t in ticks:
        x = scale(t)
        if grid:
            parts.append(
                f'<line x1="{num(x)}" y1="{num(frame.y1)}" x2="{num(x)}" y2="{num(frame.y0)}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
        parts.append(
            f'<line x1="{num(x)}" y1="{num(frame.y0)}" x2="{num(x)}" y2="{num(frame.y0 + 4)}" '
            f'stroke="{MUTED}"/>'
        )
        parts.append(text(x, frame.y0 + 14, show(t)))
    if label:
        parts.append(text((frame.x0 + frame.x1) / 2, frame.height - 4, label, fill=INK))
    return "".join(parts)


def y_axis(
    frame: Frame,
    scale: Scale,
    ticks: Iterable[float],
    *,
    label: str = "",
    formatter: Callable[[float], str] | None = None,
    grid: bool = True,
) -> str:
    """Left axis with horizontal grid lines, tick labels and a rotated axis title."""
    ticks = list(ticks)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    show = formatter or (lambda t: fmt_tick(t, step))
    parts = []
    for t in ticks:
        y = scale(t)
        if grid:
            parts.append(
                f'<line x1="{num(frame.x0)}" y1="{num(y)}" x2="{num(frame.x1)}" y2="{num(y)}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
        parts.append(text(frame.x0 - 5, y + 3.5, show(t), anchor="end"))
    parts.append(
        f'<line x1="{num(frame.x0)}" y1="{num(frame.y1)}" x2="{num(frame.x0)}" y2="{num(frame.y0)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    if label:
        mid = (frame.y0 + frame.y1) / 2
        parts.append(text(11, mid, label, fill=INK, rotate=-90))
    return "".join(parts)


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a swatch (``"box"``, ``"line"``, ``"dash"`` or ``"dot"``) and its label."""

    label: str
    color: str
    shape: str = "box"


def legend(items: Sequence[LegendItem], x: float, y: float, *, anchor_right: bool = True) -> str:
    """A one-line legend whose top-right (or top-left) corner is at ``(x, y)``."""
    widths = [22 + 6.2 * len(item.label) for item in items]
    total = sum(widths) + 8 * (len(items) - 1)
    cx = x - total if anchor_right else x
    parts = ['<g class="legend">']
    for item, w in zip(items, widths, strict=True):
        cy = y + 6
        if item.shape == "box":
            parts.append(
                f'<rect x="{num(cx)}" y="{num(cy - 5)}" width="14" height="10" rx="2" '
                f'fill="{item.color}" fill-opacity="0.6" stroke="{item.color}"/>'
            )
        elif item.shape == "dot":
            parts.append(f'<circle cx="{num(cx + 7)}" cy="{num(cy)}" r="4" fill="{item.color}"/>')
        else:
            dash = ' stroke-dasharray="4 3"' if item.shape == "dash" else ""
            parts.append(
                f'<line x1="{num(cx)}" y1="{num(cy)}" x2="{num(cx + 14)}" y2="{num(cy)}" '
                f'stroke="{item.color}" stroke-width="2"{dash}/>'
            )
        parts.append(text(cx + 18, cy + 3.5, item.label, anchor="start", fill=INK))
        cx += w + 8
    parts.append("</g>")
    return "".join(parts)


def interpolate_color(stops: Sequence[tuple[float, str]], t: float) -> str:
    """The colour at ``t`` in [0, 1] on a piecewise-linear gradient of ``(position, "#rrggbb")`` stops."""
    t = min(1.0, max(0.0, t))
    for (p0, c0), (p1, c1) in itertools.pairwise(stops):
        if t <= p1:
            f = 0.0 if p1 == p0 else (t - p0) / (p1 - p0)
            rgb0 = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
            rgb1 = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
            mixed = [round(a + (b - a) * f) for a, b in zip(rgb0, rgb1, strict=True)]
            return "#" + "".join(f"{v:02x}" for v in mixed)
    return stops[-1][1]
