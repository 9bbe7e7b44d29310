"""Self-contained SVG charts for reports: no JavaScript, no network; titled, labelled axes.

Each chart has a title, a labelled x axis, and a y axis whose label carries the unit. Text is
escaped here, so the SVG can be placed in a page as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 680, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 44, 92
CHAR_PX = 6.5


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum at or above `value`, and its tick step (1, 2 or 5 x 10^n)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2g}"


def _legend(series: Sequence[Series]) -> tuple[list[str], int]:
    """Legend entries wrapped into rows above the plot; returns the SVG and the rows' height."""
    if len(series) < 2:
        return [], 0
    parts, x, y = [], float(LEFT), 28.0
    for i, s in enumerate(series):
        width = 22 + 7 * len(s.name)
        if x + width > WIDTH - RIGHT:
            x, y = float(LEFT), y + 15.0
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 9:.0f}" font-size="11">{escape(s.name)}</text>'
        )
        x += width
    return parts, int(y - 28)


def _frame(
    title: str, x_label: str, y_label: str, y_max: float, step: float, top: int
) -> list[str]:
    plot_h = HEIGHT - top - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="{WIDTH / 2}" y="20" text-anchor="middle" '
        f'font-size="15" font-weight="600">{escape(title)}</text>',
    ]
    ticks = round(y_max / step)
    for i in range(ticks + 1):
        value = i * step
        y = top + plot_h - plot_h * value / y_max
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>'
        )
    parts += [
        f'<line class="axis-y" x1="{LEFT}" x2="{LEFT}" y1="{top}" y2="{top + plot_h}" '
        'stroke="#333"/>',
        f'<line class="axis-x" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="#333"/>',
        f'<text class="axis-label-x" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text class="axis-label-y" transform="translate(16 {top + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>',
    ]
    return parts


def _x_labels(categories: Sequence[str], centres: Sequence[float]) -> list[str]:
    base = HEIGHT - BOTTOM + 16
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(categories))
    tilt = max((len(c) for c in categories), default=0) * CHAR_PX > slot * 0.9
    parts = []
    for label, x in zip(categories, centres, strict=True):
        rotate = f' transform="rotate(-25 {x:.1f} {base})"' if tilt else ""
        anchor = "end" if tilt else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{base}" text-anchor="{anchor}"{rotate}>{escape(label)}</text>'
        )
    return parts


def _top(series: Sequence[Series], stacked: bool) -> float:
    if stacked:
        columns = zip(*(s.values for s in series), strict=True)
        return max((sum(v or 0 for v in col) for col in columns), default=0.0)
    return max((v for s in series for v in s.values if v is not None), default=0.0)


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    stacked: bool = False,
    y_max: float | None = None,
) -> str:
    """Vertical bars, grouped side by side or stacked, one colour per series."""
    top, step = nice_max(y_max if y_max is not None else _top(series, stacked))
    legend, extra = _legend(series)
    plot_top = TOP + extra
    parts = _frame(title, x_label, y_label, top, step, plot_top) + legend
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - plot_top - BOTTOM
    slot = plot_w / max(1, len(categories))
    width = slot * 0.7 / (1 if stacked else max(1, len(series)))
    centres = []
    for c in range(len(categories)):
        x0 = LEFT + c * slot + slot * 0.15
        centres.append(LEFT + c * slot + slot / 2)
        base = float(plot_top + plot_h)
        for i, s in enumerate(series):
            value = s.values[c]
            if value is None:
                continue
            h = plot_h * value / top
            x = x0 if stacked else x0 + i * width
            y = base - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(s.name)}, '
                f"{escape(categories[c])}: {_fmt(value)}</title></rect>"
            )
            if stacked:
                base = y
    parts += _x_labels(categories, centres)
    return "".join(parts) + "</svg>"


def line_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
) -> str:
    """One line with point markers per series; a missing value breaks the line."""
    top, step = nice_max(_top(series, stacked=False))
    legend, extra = _legend(series)
    plot_top = TOP + extra
    parts = _frame(title, x_label, y_label, top, step, plot_top) + legend
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - plot_top - BOTTOM
    slot = plot_w / max(1, len(categories))
    centres = [LEFT + c * slot + slot / 2 for c in range(len(categories))]
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [
            (centres[c], plot_top + plot_h - plot_h * v / top)
            for c, v in enumerate(s.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
    parts += _x_labels(categories, centres)
    return "".join(parts) + "</svg>"
