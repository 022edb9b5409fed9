"""The report's charts as inline SVG strings: histograms, grouped bars, curves, scatter, heatmap, bullets.

Each function takes plain numbers (lists or arrays; None / NaN entries are tolerated and skipped), never
raises on empty or degenerate input (it draws a labelled empty frame instead), and puts a ``<title>``
tooltip on every mark a reader may want to inspect.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthwise.report.svg import (
    GRID,
    INK,
    MUTED,
    Frame,
    LegendItem,
    as_float_list,
    esc,
    fmt,
    interpolate_color,
    left_margin,
    legend,
    nice_ticks,
    num,
    padded_range,
    svg_open,
    text,
    truncate,
    x_axis,
    y_axis,
)

HEAT_STOPS = ((0.0, "#f8f9fa"), (0.15, "#fde4d0"), (0.5, "#f4935e"), (1.0, "#a3211b"))


@dataclass(frozen=True)
class Series:
    """Named values drawn in one colour (bar heights, densities or curve points)."""

    name: str
    values: Sequence[float]
    color: str


@dataclass(frozen=True)
class Curve:
    """A line through ``(x, y)`` points; ``dashed`` for references such as the ideal diagonal."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    color: str
    dashed: bool = False


def empty_chart(width: float, height: float, label: str, message: str = "no data") -> str:
    """A light frame with a centred message, for a chart whose data is missing or unusable."""
    return (
        svg_open(width, height, f"{label}: {message}", "chart empty")
        + f'<rect x="0.5" y="0.5" width="{num(width - 1)}" height="{num(height - 1)}" rx="6" fill="#fafafa" '
        f'stroke="{GRID}"/>' + text(width / 2, height / 2 + 4, message, size=12) + "</svg>"
    )


def _ymax(*arrays: Sequence[float]) -> float:
    top = [v for arr in arrays for v in arr if math.isfinite(v)]
    best = max(top) if top else 0.0
    return best * 1.08 if best > 0 else 1.0


def histogram(
    edges: Sequence[float],
    filled: Series,
    outlined: Series | None = None,
    *,
    label: str,
    xlabel: str = "",
    ylabel: str = "density",
    width: float = 330,
    height: float = 190,
) -> str:
    """Two distributions over the same bins: ``filled`` as bars, optional ``outlined`` as a step line.

    ``edges`` has one more entry than each series. Each bin carries a tooltip with both values.
    """
    e = as_float_list(edges)
    nbins = len(e) - 1
    if nbins < 1 or any(not math.isfinite(v) for v in e) or any(b <= a for a, b in itertools.pairwise(e)):
        return empty_chart(width, height, label, "no histogram data")
    a = as_float_list(filled.values, nbins)
    b = as_float_list(outlined.values if outlined is not None else [], nbins)
    top = _ymax(a, b)
    frame = Frame(width, height, left=left_margin(nice_ticks(0.0, top, 4)), top=26)
    lo, hi = padded_range(e[0], e[-1])
    xs = frame.xscale(lo, hi)
    ys = frame.yscale(0.0, top)
    parts = [svg_open(width, height, label)]
    parts.append(y_axis(frame, ys, nice_ticks(0.0, ys.d1, 4), label=ylabel))
    for i in range(nbins):
        if math.isfinite(a[i]) and a[i] > 0:
            x0, x1 = xs(e[i]), xs(e[i + 1])
            parts.append(
                f'<rect x="{num(x0)}" y="{num(ys(a[i]))}" width="{num(max(0.5, x1 - x0))}" '
                f'height="{num(frame.y0 - ys(a[i]))}" fill="{filled.color}" fill-opacity="0.55"/>'
            )
    path: list[str] = []
    pen_down = False
    for i in range(nbins):
        if not math.isfinite(b[i]):
            pen_down = False
            continue
        x0, x1, y = xs(e[i]), xs(e[i + 1]), ys(b[i])
        path.append(f"{'L' if pen_down else 'M'}{num(x0)} {num(y)}H{num(x1)}")
        pen_down = True
    if path and outlined is not None:
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="{outlined.color}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    for i in range(nbins):
        x0, x1 = xs(e[i]), xs(e[i + 1])
        tip = f"[{fmt(e[i])}, {fmt(e[i + 1])}): {filled.name} {fmt(a[i])}"
        if outlined is not None:
            tip += f", {outlined.name} {fmt(b[i])}"
        parts.append(
            f'<rect class="hit" x="{num(x0)}" y="{num(frame.y1)}" width="{num(max(0.5, x1 - x0))}" '
            f'height="{num(frame.y0 - frame.y1)}" fill="transparent"><title>{esc(tip)}</title></rect>'
        )
    parts.append(x_axis(frame, xs, nice_ticks(lo, hi, 4), label=xlabel))
    items = [LegendItem(filled.name, filled.color)]
    if outlined is not None:
        items.append(LegendItem(outlined.name, outlined.color, "line"))
    parts.append(legend(items, frame.x1, 4))
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    ylabel: str = "share",
    width: float = 330,
    height: float = 190,
    max_bars: int = 20,
) -> str:
    """Side-by-side bars per category; beyond ``max_bars`` categories the smallest are merged into one."""
    names = [str(lab) for lab in labels]
    if not names or not series:
        return empty_chart(width, height, label, "no categories")
    values = [as_float_list(s.values, len(names)) for s in series]
    if len(names) > max_bars:
        weight = [max((v[i] for v in values if math.isfinite(v[i])), default=0.0) for i in range(len(names))]
        keep = sorted(sorted(range(len(names)), key=lambda i: -weight[i])[: max_bars - 1])
        rest = [i for i in range(len(names)) if i not in set(keep)]
        names = [names[i] for i in keep] + [f"(other {len(rest)})"]
        values = [[v[i] for i in keep] + [float(np.nansum([v[i] for i in rest]))] for v in values]
    rotate = len(names) > 6 or max(len(n) for n in names) > 8
    top = _ymax(*values)
    frame = Frame(
        width, height, left=left_margin(nice_ticks(0.0, top, 4)), top=26, bottom=62 if rotate else 34
    )
    ys = frame.yscale(0.0, top)
    band = (frame.x1 - frame.x0) / len(names)
    bar = band * 0.8 / len(series)
    parts = [svg_open(width, height, label)]
    parts.append(y_axis(frame, ys, nice_ticks(0.0, ys.d1, 4), label=ylabel))
    for i, name in enumerate(names):
        bx = frame.x0 + i * band + band * 0.1
        for s, vals in zip(series, values, strict=True):
            v = vals[i]
            if math.isfinite(v) and v > 0:
                parts.append(
                    f'<rect x="{num(bx)}" y="{num(ys(v))}" width="{num(max(0.5, bar - 0.5))}" '
                    f'height="{num(frame.y0 - ys(v))}" fill="{s.color}" fill-opacity="0.85"/>'
                )
            bx += bar
        tip = f"{name}: " + ", ".join(
            f"{s.name} {fmt(vals[i])}" for s, vals in zip(series, values, strict=True)
        )
        parts.append(
            f'<rect class="hit" x="{num(frame.x0 + i * band)}" y="{num(frame.y1)}" width="{num(band)}" '
            f'height="{num(frame.y0 - frame.y1)}" fill="transparent"><title>{esc(tip)}</title></rect>'
        )
        cx = frame.x0 + (i + 0.5) * band
        if rotate:
            parts.append(text(cx + 3, frame.y0 + 10, truncate(name, 12), anchor="end", rotate=-40, full=name))
        else:
            parts.append(text(cx, frame.y0 + 14, truncate(name, 10), full=name))
    parts.append(
        f'<line x1="{num(frame.x0)}" y1="{num(frame.y0)}" x2="{num(frame.x1)}" y2="{num(frame.y0)}" '
        f'stroke="{MUTED}"/>'
    )
    parts.append(legend([LegendItem(s.name, s.color) for s in series], frame.x1, 4))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    curves: Sequence[Curve],
    *,
    label: str,
    xlabel: str,
    ylabel: str,
    xlim: tuple[float, float] = (0.0, 1.0),
    ylim: tuple[float, float] = (0.0, 1.0),
    width: float = 360,
    height: float = 280,
) -> str:
    """Curves on fixed axes (the 3D score's curves live on the unit square); points carry tooltips."""
    drawn = [c for c in curves if len(c.x) and len(c.y)]
    if not drawn:
        return empty_chart(width, height, label, "no curve data")
    frame = Frame(width, height, left=48, bottom=38, top=28)
    xs, ys = frame.xscale(*xlim), frame.yscale(*ylim)
    parts = [svg_open(width, height, label)]
    parts.append(y_axis(frame, ys, nice_ticks(*ylim, 5), label=ylabel))
    parts.append(x_axis(frame, xs, nice_ticks(*xlim, 5), label=xlabel, grid=True))
    for c in drawn:
        x = as_float_list(c.x)
        y = as_float_list(c.y, len(x))
        pts = [(a, b) for a, b in zip(x, y, strict=True) if math.isfinite(a) and math.isfinite(b)]
        if not pts:
            continue
        d = "".join(f"{'M' if i == 0 else 'L'}{num(xs(a))} {num(ys(b))}" for i, (a, b) in enumerate(pts))
        dash = ' stroke-dasharray="5 4"' if c.dashed else ""
        parts.append(f'<path d="{d}" fill="none" stroke="{c.color}" stroke-width="2"{dash}/>')
        if not c.dashed:
            step = max(1, len(pts) // 40)
            for a, b in pts[::step]:
                parts.append(
                    f'<circle cx="{num(xs(a))}" cy="{num(ys(b))}" r="2.5" fill="{c.color}">'
                    f"<title>{esc(c.name)}: {esc(xlabel)} {fmt(a)} → {esc(ylabel)} {fmt(b)}</title></circle>"
                )
    parts.append(
        legend([LegendItem(c.name, c.color, "dash" if c.dashed else "line") for c in drawn], frame.x1, 4)
    )
    parts.append("</svg>")
    return "".join(parts)


def _pad(lo: float, hi: float, share: float = 0.03) -> tuple[float, float]:
    extra = (hi - lo) * share
    return lo - extra, hi + extra


def scatter(
    groups: Sequence[tuple[str, np.ndarray, str]],
    *,
    label: str,
    width: float = 760,
    height: float = 460,
    xlabel: str = "component 1",
    ylabel: str = "component 2",
) -> str:
    """Point clouds ``(name, array of shape (n, 2), colour)``; each cloud is one compact ``<path>``.

    Points are zero-length round-capped path segments, which keeps a few thousand points small.
    """
    clean = []
    for name, pts, color in groups:
        arr = np.asarray(pts, dtype=float).reshape(-1, 2) if np.size(pts) else np.empty((0, 2))
        arr = arr[np.isfinite(arr).all(axis=1)]
        clean.append((name, arr, color))
    allpts = np.vstack([arr for _, arr, _ in clean]) if clean else np.empty((0, 2))
    if allpts.shape[0] == 0:
        return empty_chart(width, height, label, "no projection data")
    xlo, xhi = _pad(*padded_range(float(allpts[:, 0].min()), float(allpts[:, 0].max())))
    ylo, yhi = _pad(*padded_range(float(allpts[:, 1].min()), float(allpts[:, 1].max())))
    frame = Frame(width, height, left=left_margin(nice_ticks(ylo, yhi, 5)), top=28, bottom=38)
    xs, ys = frame.xscale(xlo, xhi), frame.yscale(ylo, yhi)
    parts = [svg_open(width, height, label)]
    parts.append(y_axis(frame, ys, nice_ticks(ylo, yhi, 5), label=ylabel))
    parts.append(x_axis(frame, xs, nice_ticks(xlo, xhi, 6), label=xlabel, grid=True))
    for name, arr, color in clean:
        if arr.shape[0] == 0:
            continue
        d = "".join(f"M{num(xs(x))} {num(ys(y))}h0" for x, y in arr)
        parts.append(
            f'<path d="{d}" stroke="{color}" stroke-opacity="0.45" stroke-width="4.5" '
            f'stroke-linecap="round" fill="none"><title>{esc(name)}: {arr.shape[0]:,} points</title></path>'
        )
    parts.append(legend([LegendItem(f"{n} ({a.shape[0]:,})", c, "dot") for n, a, c in clean], frame.x1, 4))
    parts.append("</svg>")
    return "".join(parts)


def heatmap(
    labels: Sequence[str],
    matrix: Sequence[Sequence[float]],
    *,
    label: str,
    vmax: float = 0.5,
    value_name: str = "|Δ corr|",
) -> str:
    """The lower triangle of a symmetric matrix as coloured cells (0 white to ``vmax`` dark red).

    NaN cells are grey. Values above ``vmax`` take the darkest colour; the tooltip shows the exact value.
    """
    names = [str(lab) for lab in labels]
    n = len(names)
    if n < 2:
        return empty_chart(420, 160, label, "fewer than two columns")
    rows = [as_float_list(r, n) for r in list(matrix)[:n]]
    rows += [[math.nan] * n] * (n - len(rows))
    cell = max(8.0, min(40.0, 760.0 / n))
    label_chars = 14 if cell >= 14 else 10
    pad = 6.0 * label_chars + 10
    grid_px = cell * (n - 1)
    width = pad + grid_px + 90
    height = 12 + grid_px + pad
    fsize = max(7.0, min(10.0, cell * 0.7))
    parts = [svg_open(width, height, label, "chart heatmap")]
    top = 12.0
    for i in range(1, n):
        y = top + (i - 1) * cell
        parts.append(
            text(
                pad - 5,
                y + cell / 2 + fsize * 0.35,
                truncate(names[i], label_chars),
                anchor="end",
                size=fsize,
                fill=INK,
                full=names[i],
            )
        )
        for j in range(i):
            v = rows[i][j]
            color = "#d1d5db" if not math.isfinite(v) else interpolate_color(HEAT_STOPS, abs(v) / vmax)
            tip = f"{names[i]} × {names[j]}: {value_name} = {fmt(abs(v)) if math.isfinite(v) else 'n/a'}"
            parts.append(
                f'<rect x="{num(pad + j * cell)}" y="{num(y)}" width="{num(cell - 1)}" '
                f'height="{num(cell - 1)}" fill="{color}"><title>{esc(tip)}</title></rect>'
            )
    for j in range(n - 1):
        x = pad + j * cell + cell / 2
        parts.append(
            text(
                x + fsize * 0.35,
                top + grid_px + 6,
                truncate(names[j], label_chars),
                anchor="end",
                size=fsize,
                fill=INK,
                rotate=-60,
                full=names[j],
            )
        )
    # colour legend: a vertical gradient made of thin rects (no <defs> ids, so many heatmaps can coexist)
    lx, ly, lh = pad + grid_px + 24, top, min(160.0, max(80.0, grid_px))
    steps = 24
    for k in range(steps):
        t = 1 - k / steps
        parts.append(
            f'<rect x="{num(lx)}" y="{num(ly + k * lh / steps)}" width="12" '
            f'height="{num(lh / steps + 0.5)}" fill="{interpolate_color(HEAT_STOPS, t)}"/>'
        )
    parts.append(
        f'<rect x="{num(lx)}" y="{num(ly)}" width="12" height="{num(lh)}" fill="none" stroke="{GRID}"/>'
    )
    parts.append(text(lx + 16, ly + 8, f"≥ {fmt(vmax)}", anchor="start", size=9))
    parts.append(text(lx + 16, ly + lh, "0", anchor="start", size=9))
    parts.append(text(lx + 16, ly + lh + 14, value_name, anchor="start", size=9, fill=INK))
    parts.append("</svg>")
    return "".join(parts)
