"""Small server-side SVG charts for the dashboards (pure; no JavaScript).

:func:`distribution_chart` draws, for each metric, a box (first to third quartile), the median,
whiskers from minimum to maximum and one dot per municipality, on a 0–100 axis with grid lines
at the maturity level bounds. The page shows the same figures in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from dx_assess.core.dashboards.regional import Distribution, strip_positions

INK = "#1a1a1a"
MUTED = "#595959"
BOX_FILL = "#cfe3f0"
BRAND = "#00558c"
#: Dots stacked at most this high; the rest of a pile is written as "+n" beside it.
STACK = 5


def distribution_chart(
    items: Sequence[Distribution],
    gridlines: Sequence[float],
    *,
    title: str,
    description: str,
    id_prefix: str = "dist",
) -> str:
    label_w, plot_w, right = 250.0, 440.0, 24.0
    row_h, top, axis_h = 46.0, 8.0, 26.0
    width = label_w + plot_w + right
    height = top + row_h * len(items) + axis_h

    def x(v: float) -> float:
        return label_w + plot_w * max(0.0, min(100.0, v)) / 100

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'class="chart" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    bottom = top + row_h * len(items)
    for g in (0.0, *gridlines, 100.0):
        parts.append(
            f'<line x1="{x(g):.1f}" y1="{top:.0f}" x2="{x(g):.1f}" y2="{bottom:.0f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{x(g):.1f}" y="{bottom + 17:.0f}" font-size="12" fill="{MUTED}" '
            f'text-anchor="middle">{g:g}</text>'
        )
    for i, d in enumerate(items):
        mid = top + row_h * i + row_h / 2 + 6
        parts.append(
            f'<text x="{label_w - 10:.0f}" y="{mid + 4:.0f}" font-size="12.5" fill="{INK}" '
            f'text-anchor="end">{escape(d.metric.title)}</text>'
        )
        if d.n == 0 or d.minimum is None or d.maximum is None:
            parts.append(
                f'<text x="{label_w + 8:.0f}" y="{mid + 4:.0f}" font-size="12" '
                f'fill="{MUTED}">提出された回答なし</text>'
            )
            continue
        parts.append(
            f'<line x1="{x(d.minimum):.1f}" y1="{mid:.1f}" x2="{x(d.maximum):.1f}" '
            f'y2="{mid:.1f}" stroke="{INK}" stroke-width="1.2"/>'
        )
        if d.q1 is not None and d.q3 is not None:
            parts.append(
                f'<rect x="{x(d.q1):.1f}" y="{mid - 8:.1f}" '
                f'width="{max(1.0, x(d.q3) - x(d.q1)):.1f}" '
                f'height="16" fill="{BOX_FILL}" stroke="{BRAND}" stroke-width="1.2"/>'
            )
        if d.median is not None:
            parts.append(
                f'<line x1="{x(d.median):.1f}" y1="{mid - 10:.1f}" x2="{x(d.median):.1f}" '
                f'y2="{mid + 10:.1f}" stroke="{INK}" stroke-width="3"/>'
            )
        hidden: dict[float, int] = {}  # x of a full stack -> dots not drawn above it
        top_x = 0.0
        for px, level in strip_positions(d.values, plot_w):
            if level >= STACK:
                hidden[top_x] = hidden.get(top_x, 0) + 1
                continue
            if level == STACK - 1:
                top_x = px
            parts.append(
                f'<circle cx="{label_w + px:.1f}" cy="{mid - 13 - 3.4 * level:.1f}" r="2.3" '
                f'fill="{BRAND}" fill-opacity="0.75"/>'
            )
        for px, extra in hidden.items():
            parts.append(
                f'<text x="{label_w + px + 4:.1f}" y="{mid - 13 - 3.4 * (STACK - 1):.1f}" '
                f'font-size="10" fill="{INK}">+{extra}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
