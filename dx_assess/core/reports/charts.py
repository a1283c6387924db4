"""Charts for the PDF reports, as SVG with their text as text in the bundled font.

The municipality report's charts (the radar and the position boxes, 8 a report) are written
as SVG directly (a few lines, rectangles and texts: ~1 ms a report instead of ~0.55 s with
matplotlib); the regional report's (status bars, distributions, heat map) are matplotlib
figures with ``svg.fonttype: none``, which keeps their text as ``<text>`` in the bundled
family. WeasyPrint draws that text with the same embedded font as the report: smaller and
faster than outlines, and the PDF stays searchable. Every function takes plain data (from the
report context) and returns a ``data:`` URI for an ``<img>``. Sizes are in millimetres of the
printed page.
"""

from __future__ import annotations

import base64
import html
import io
import math
import statistics
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

from dx_assess.core.reports.assets import FONT_FAMILY, font_paths
from dx_assess.core.vocabulary import Status

OWN = "#00558c"  # the municipality (the brand blue of the web pages)
PEER = "#8c96a0"  # peer medians and boxes
#: The score axis of the box plots: a little room left of 0 so that a median, whisker or
#: score at 0 is drawn beside the axis line, not hidden under it.
X_LIMITS = (-4.0, 102.0)
ACCENT = "#d9822b"
INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d9d9d9"
MM = 1 / 25.4  # inches per millimetre
LEVEL_BOUNDS = (20, 40, 60, 80)
#: The bars' segments, in the statuses' one display order (vocabulary.STATUS_ORDER).
STATUS_COLOURS = {
    Status.NOT_STARTED: "#d9d9d9",
    Status.DRAFT: "#7fb2d6",
    Status.REOPENED: "#d9822b",
    Status.SUBMITTED: "#00558c",
}


@cache
def setup() -> Any:
    """Import matplotlib with the SVG backend and register the bundled font (once a process).
    Returns ``matplotlib.pyplot``."""
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    for path in font_paths().values():
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "dx_assess",
            "font.family": FONT_FAMILY,
            "font.size": 8,
            "axes.unicode_minus": True,
            "axes.edgecolor": MUTED,
            "axes.labelcolor": INK,
            "axes.titlesize": 9,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "figure.dpi": 72,
        }
    )
    return plt


def to_data_uri(fig: Any) -> str:
    plt = setup()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.02)
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def wrap(label: str, width: int = 9) -> str:
    """Break a Japanese label into lines of about ``width`` characters, preferring to break
    after 「・」 or 「の」."""
    if len(label) <= width + 1:  # one character over is better than a lone last one
        return label
    lines, rest = [], label
    while len(rest) > width + 1:
        # a break after 「・」 or 「の」 within a few characters of the width is nicer than
        # cutting a word; otherwise cut at the width
        cuts = [
            k + 1
            for k, c in enumerate(rest)
            if c in "・の" and width // 2 <= k + 1 <= width + 3 and k + 1 < len(rest)
        ]
        cut = min(cuts, key=lambda k: abs(k - width)) if cuts else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return "\n".join(line for line in lines if line)


def _none_to_nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def radar_matplotlib(
    labels: Sequence[str], own: Sequence[float | None], median: Sequence[float | None], name: str
) -> str:
    """(The matplotlib drawing ``radar`` replaced; kept for bench/render_overhead.py.)

    Pillar scores of the municipality against the peer median, on a 0–100 radar.

    Drawn on plain axes (polygons, no polar projection: WeasyPrint's SVG renderer clips a
    polar plot's circular patch wrongly)."""
    plt = setup()
    n = len(labels)
    angles = [math.pi / 2 - 2 * math.pi * k / n for k in range(n)]

    def xy(values: Sequence[float]) -> tuple[list[float], list[float]]:
        xs = [v * math.cos(a) for v, a in zip(values, angles, strict=True)]
        ys = [v * math.sin(a) for v, a in zip(values, angles, strict=True)]
        return [*xs, xs[0]], [*ys, ys[0]]

    fig, ax = plt.subplots(figsize=(125 * MM, 105 * MM))
    for ring in (20, 40, 60, 80, 100):
        ax.plot(*xy([ring] * n), color=GRID, linewidth=0.6 if ring < 100 else 1.0, zorder=1)
        ax.text(2, ring + 1.5, str(ring), fontsize=6.5, color=MUTED, ha="left", va="bottom")
    for a in angles:
        ax.plot([0, 100 * math.cos(a)], [0, 100 * math.sin(a)], color=GRID, linewidth=0.6, zorder=1)
    for values, colour, label, width in (
        (median, PEER, "対象市町村の中央値", 1.3),
        (own, OWN, name, 2.2),
    ):
        if all(v is None for v in values):
            continue
        data = [0.0 if v is None else float(v) for v in values]
        xs, ys = xy(data)
        ax.fill(xs, ys, color=colour, alpha=0.13, zorder=2)
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=width,
            label=label,
            zorder=3,
            linestyle="--" if colour == PEER else "-",
        )
        ax.scatter(xs[:-1], ys[:-1], s=10, color=colour, zorder=4)
    for label, a in zip(labels, angles, strict=True):
        c, s = math.cos(a), math.sin(a)
        ha = "center" if abs(c) < 0.2 else ("left" if c > 0 else "right")
        va = "bottom" if s > 0.5 else ("top" if s < -0.5 else "center")
        ax.text(
            112 * c, 110 * s, wrap(label), ha=ha, va=va, fontsize=8, color=INK, linespacing=1.25
        )
    ax.set_xlim(-150, 150)
    ax.set_ylim(-125, 125)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False, fontsize=8)
    return to_data_uri(fig)


def position_boxes_matplotlib(boxes: Sequence[dict[str, Any]], own: float | None, name: str) -> str:
    """(The matplotlib drawing ``position_boxes`` replaced; kept for bench/render_overhead.py.)

    One horizontal box per peer group (min–max whiskers, quartile box, median) with the
    municipality's score as a marker: where it stands without showing any other town's score."""
    plt = setup()
    height = 9 + 7.5 * len(boxes)
    fig, ax = plt.subplots(figsize=(150 * MM, height * MM))
    for i, box in enumerate(boxes):
        y = len(boxes) - 1 - i
        ax.plot([box["min"], box["max"]], [y, y], color=PEER, linewidth=1)
        for end in (box["min"], box["max"]):
            ax.plot([end, end], [y - 0.15, y + 0.15], color=PEER, linewidth=1)
        ax.add_patch(
            plt.Rectangle(
                (box["q1"], y - 0.28),
                box["q3"] - box["q1"],
                0.56,
                facecolor="#e4e8ec",
                edgecolor=PEER,
                linewidth=0.8,
            )
        )
        ax.plot(
            [box["median"], box["median"]],
            [y - 0.28, y + 0.28],
            color=INK,
            linewidth=1.4,
            zorder=4,
            gid=f"median-{i}",
        )
    if own is not None:
        ax.axvline(own, color=OWN, linewidth=1.6, zorder=5)
        ax.text(
            own,
            len(boxes) - 0.35,
            f"{name} {own:.1f}",
            color=OWN,
            fontsize=7.5,
            ha="center",
            va="bottom",
            fontweight="bold",
            zorder=6,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )
    ax.set_yticks(range(len(boxes)))
    ax.set_yticklabels([b["label"] for b in reversed(boxes)], fontsize=7.5)
    ax.set_xlim(*X_LIMITS)
    ax.set_ylim(-0.6, len(boxes) + 0.15)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    for bound in LEVEL_BOUNDS:
        ax.axvline(bound, color=GRID, linewidth=0.5, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return to_data_uri(fig)


# --- the municipality report's charts, written as SVG directly --------------------------------
#
# A municipality report has 8 charts (the radar and 7 position boxes). Drawn with matplotlib
# they cost ~0.55 s of CPU a report (figures, transforms, a tight bounding box, its SVG
# writer) and made SVGs of clip paths and ``<use>`` markers that WeasyPrint then parses and
# draws. These are a few lines, rectangles and texts: written directly they cost a few
# milliseconds, keep their text as text in the bundled font, and look as before. Sizes are in
# millimetres of the printed page (the SVG's user unit).

PT = 25.4 / 72  # millimetres per point


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size_pt: float) -> float:
    """The printed width (mm) of ``text`` at ``size_pt`` in the bundled font, estimated: a
    full-width character is one em, other characters about 0.6 em (used only to leave room
    for labels; the text itself is laid out by the renderer)."""
    em = size_pt * PT
    return sum(em if unicodedata.east_asian_width(c) in "WF" else 0.6 * em for c in text)


def _text(
    x: float,
    y: float,
    text: str,
    size_pt: float,
    *,
    anchor: str = "start",
    colour: str = INK,
    bold: bool = False,
    extra: str = "",
) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size_pt * PT)}" text-anchor="{anchor}" '
        f'fill="{colour}"{weight}{extra}>{_esc(text)}</text>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, colour: str, width_pt: float, extra: str = ""
) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}" '
        f'stroke-width="{_n(width_pt * PT)}"{extra}/>'
    )


def _svg(width: float, height: float, body: Sequence[str], title: str) -> str:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}mm" height="{_n(height)}mm" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="{FONT_FAMILY}">'
        f"<title>{_esc(title)}</title>" + "".join(body) + "</svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def position_boxes(boxes: Sequence[dict[str, Any]], own: float | None, name: str) -> str:
    """One horizontal box per peer group (min–max whiskers, quartile box, median) with the
    municipality's score as a marker: where it stands without showing any other town's score.
    150 mm wide, 7.5 mm a group."""
    width, row, label_pt, tick_pt = 150.0, 7.5, 7.5, 7.5
    left = max((text_width(b["label"], label_pt) for b in boxes), default=0.0) + 2.5
    right = width - 2.0
    top = 6.0  # room for the score's label above the first box
    bottom = top + row * len(boxes)
    x0, x1 = X_LIMITS

    def x(value: float) -> float:
        return left + (value - x0) / (x1 - x0) * (right - left)

    body = [_line(x(bound), top - 1.5, x(bound), bottom, GRID, 0.5) for bound in LEVEL_BOUNDS]
    for i, box in enumerate(boxes):
        y = top + row * (i + 0.5)
        half = row * 0.28
        body.append(_line(x(box["min"]), y, x(box["max"]), y, PEER, 1.0))
        for end in (box["min"], box["max"]):
            body.append(_line(x(end), y - row * 0.15, x(end), y + row * 0.15, PEER, 1.0))
        body.append(
            f'<rect x="{_n(x(box["q1"]))}" y="{_n(y - half)}" '
            f'width="{_n(x(box["q3"]) - x(box["q1"]))}" height="{_n(2 * half)}" fill="#e4e8ec" '
            f'stroke="{PEER}" stroke-width="{_n(0.8 * PT)}"/>'
        )
        body.append(
            _line(
                x(box["median"]), y - half, x(box["median"]), y + half, INK, 1.4,
                f' id="median-{i}"',
            )
        )  # fmt: skip
        body.append(
            _text(left - 1.5, y + 0.35 * label_pt * PT, box["label"], label_pt, anchor="end")
        )
    # the axis: a line, ticks and their values
    body.append(_line(left, bottom, right, bottom, MUTED, 0.8))
    for tick in (0, 20, 40, 60, 80, 100):
        body.append(_line(x(tick), bottom, x(tick), bottom + 1.2, MUTED, 0.8))
        body.append(
            _text(
                x(tick),
                bottom + 1.4 + tick_pt * PT,
                str(tick),
                tick_pt,
                anchor="middle",
                colour=MUTED,
            )
        )
    if own is not None:
        body.append(_line(x(own), top - 1.5, x(own), bottom, OWN, 1.6))
        label = f"{name} {own:.1f}"
        size = 7.5
        w = text_width(label, size) + 1.0
        # centred on the line, but inside the chart (a score near 100 or 0)
        middle = min(max(x(own), w / 2 + 0.5), width - w / 2 - 0.5)
        body.append(
            f'<rect x="{_n(middle - w / 2)}" y="{_n(top - 1.5 - size * PT - 0.9)}" '
            f'width="{_n(w)}" height="{_n(size * PT + 0.9)}" fill="white"/>'
        )
        body.append(_text(middle, top - 2.1, label, size, anchor="middle", colour=OWN, bold=True))
    height = bottom + 2.0 + tick_pt * PT + 0.8
    return _svg(width, height, body, f"{name}の類似団体ごとの分布")


def radar(
    labels: Sequence[str], own: Sequence[float | None], median: Sequence[float | None], name: str
) -> str:
    """Pillar scores of the municipality against the peer median, on a 0–100 radar (rings
    every 20 points, a spoke per pillar, the labels around, a legend below). 125 mm wide."""
    scale = 0.36  # mm per point of score
    k = 1.2  # text and lines as the matplotlib figure had them once scaled to 125 mm
    size = 8.0 * k
    n = len(labels)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    # as wide as the labels need (at least 125 mm), centred
    half = max(
        [62.5]
        + [
            112 * scale * abs(math.cos(a))
            + max(text_width(t, size) for t in wrap(lab).split("\n"))
            + 1
            for lab, a in zip(labels, angles, strict=True)
            if abs(math.cos(a)) >= 0.2
        ]
    )
    width = 2 * half
    cx, cy = half, 48.0

    def xy(value: float, a: float) -> tuple[float, float]:
        return cx + value * scale * math.cos(a), cy - value * scale * math.sin(a)

    def points(values: Sequence[float]) -> str:
        return " ".join(
            f"{_n(px)},{_n(py)}"
            for px, py in (xy(v, a) for v, a in zip(values, angles, strict=True))
        )

    body = []
    for ring in (20, 40, 60, 80, 100):
        body.append(
            f'<polygon points="{points([ring] * n)}" fill="none" stroke="{GRID}" '
            f'stroke-width="{_n((0.6 if ring < 100 else 1.0) * k * PT)}"/>'
        )
    for a in angles:
        body.append(_line(cx, cy, *xy(100, a), GRID, 0.6 * k))
    for ring in (20, 40, 60, 80, 100):
        body.append(
            _text(cx + 2 * scale, cy - (ring + 1.5) * scale, str(ring), 6.5 * k, colour=MUTED)
        )
    legend = []
    for values, colour, label, line_pt, dashed in (
        (median, PEER, "対象市町村の中央値", 1.3 * k, True),
        (own, OWN, name, 2.2 * k, False),
    ):
        legend.append((colour, label, line_pt, dashed))
        if all(v is None for v in values):
            continue
        data = [0.0 if v is None else float(v) for v in values]
        dash = (
            f' stroke-dasharray="{_n(3.7 * line_pt * PT)} {_n(1.6 * line_pt * PT)}"'
            if dashed
            else ""
        )
        body.append(
            f'<polygon points="{points(data)}" fill="{colour}" fill-opacity="0.13" '
            f'stroke="{colour}" stroke-width="{_n(line_pt * PT)}" stroke-linejoin="round"{dash}/>'
        )
        for v, a in zip(data, angles, strict=True):
            px, py = xy(v, a)
            body.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="{_n(0.56 * k)}" fill="{colour}"/>')
    leading = size * 1.25 * PT
    for label, a in zip(labels, angles, strict=True):
        c, s = math.cos(a), math.sin(a)
        anchor = "middle" if abs(c) < 0.2 else ("start" if c > 0 else "end")
        lines = wrap(label).split("\n")
        lx, ly = cx + 112 * scale * c, cy - 110 * scale * s
        block = leading * len(lines)
        if s > 0.5:  # above: the block ends at the point
            first = ly - block + 0.8 * size * PT
        elif s < -0.5:  # below: it starts there
            first = ly + 0.8 * size * PT
        else:
            first = ly - block / 2 + 0.8 * size * PT
        for k, line in enumerate(lines):
            body.append(_text(lx, first + k * leading, line, size, anchor=anchor))
    # the legend, centred below
    entries = [
        (colour, label, line_pt, dashed, text_width(label, size) + 13)
        for colour, label, line_pt, dashed in legend
    ]
    lx = cx - sum(e[4] for e in entries) / 2
    ly = cy + 100 * scale + 14
    for colour, label, line_pt, dashed, w in entries:
        dash = (
            f' stroke-dasharray="{_n(3.7 * line_pt * PT)} {_n(1.6 * line_pt * PT)}"'
            if dashed
            else ""
        )
        body.append(_line(lx, ly, lx + 7, ly, colour, line_pt, dash))
        body.append(_text(lx + 9, ly + 0.35 * size * PT, label, size))
        lx += w
    return _svg(width, ly + 4, body, f"{name}の分野別の得点")


def status_bars(
    regions: Sequence[str], counts: Sequence[dict[str, int]], labels: dict[str, str]
) -> str:
    """Response status per 振興局 as stacked horizontal bars."""
    plt = setup()
    fig, ax = plt.subplots(figsize=(165 * MM, (14 + 5.2 * len(regions)) * MM))
    ys = list(range(len(regions)))[::-1]
    left = [0] * len(regions)
    for status, colour in STATUS_COLOURS.items():
        widths = [c.get(status, 0) for c in counts]
        ax.barh(ys, widths, left=left, color=colour, height=0.7, label=labels[status])
        for y, lft, w in zip(ys, left, widths, strict=True):
            if w:
                ax.text(
                    lft + w / 2,
                    y,
                    str(w),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if status in (Status.SUBMITTED, Status.REOPENED) else INK,
                )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(ys)
    ax.set_yticklabels(regions, fontsize=7.5)
    ax.set_xlabel("市町村数", fontsize=7.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=7.5)
    return to_data_uri(fig)


def distributions(titles: Sequence[str], values: Sequence[Sequence[float]]) -> str:
    """The distribution of each pillar over the final responses: box plots with every score
    as a dot (the regional report is for the prefecture, which sees every score)."""
    plt = setup()
    fig, ax = plt.subplots(figsize=(165 * MM, (12 + 9 * len(titles)) * MM))
    ys = list(range(len(titles)))[::-1]
    data = [list(v) for v in values]
    drawn = [(y, d) for y, d in zip(ys, data, strict=True) if d]
    if drawn:
        ax.boxplot(
            [d for _, d in drawn],
            positions=[y for y, _ in drawn],
            orientation="horizontal",
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#e4e8ec", "edgecolor": PEER},
            medianprops={"color": INK, "linewidth": 1.4},
            whiskerprops={"color": PEER},
            capprops={"color": PEER},
        )
        for y, d in drawn:
            jitter = [y + 0.18 * math.sin(k * 2.399) for k in range(len(d))]
            ax.scatter(d, jitter, s=6, color=OWN, alpha=0.7, linewidths=0, zorder=3)
            # the median also as a mark above the dots: visible at 0 or on a box's edge
            middle = statistics.median(d)
            ax.plot(
                [middle, middle],
                [y - 0.3, y + 0.3],
                color=INK,
                linewidth=1.6,
                zorder=4,
                gid=f"median-{y}",
            )
    ax.set_yticks(ys)
    ax.set_yticklabels([wrap(t, 14) for t in titles], fontsize=7.5)
    ax.set_xlim(*X_LIMITS)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_ylim(-0.7, len(titles) - 0.3)
    for bound in LEVEL_BOUNDS:
        ax.axvline(bound, color=GRID, linewidth=0.5, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("得点（0〜100）", fontsize=7.5)
    return to_data_uri(fig)


def heatmap(
    regions: Sequence[str], titles: Sequence[str], cells: Sequence[Sequence[float | None]]
) -> str:
    """Median score per 振興局 × pillar, coloured on the 0–100 scale, values written in."""
    plt = setup()
    import numpy as np

    grid = np.array([_none_to_nan(row) for row in cells], dtype=float)
    fig, ax = plt.subplots(figsize=(165 * MM, (22 + 6.2 * len(regions)) * MM))
    masked = np.ma.masked_invalid(grid)
    cmap = plt.get_cmap("Blues").with_extremes(bad="#f2f2f2")
    ax.imshow(masked, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid[i, j]
            text = "—" if math.isnan(v) else f"{v:.0f}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if not math.isnan(v) and v >= 60 else INK,
            )
    ax.set_xticks(range(len(titles)))
    ax.set_xticklabels([wrap(t, 6) for t in titles], fontsize=6.5, linespacing=1.2)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(regions)))
    ax.set_yticklabels(regions, fontsize=7.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return to_data_uri(fig)


def charts_for(kind: str, r: dict[str, Any]) -> dict[str, Any]:
    """Every chart a report shows, from its context (in the worker, never in the web request
    that only serves a cached file)."""
    if kind == "confirmation":
        return {}  # 確認票 and 提出控え: answers only
    if kind == "municipality":
        name = r["municipality"]["name"]
        return {
            "radar": radar(r["radar"]["labels"], r["radar"]["own"], r["radar"]["median"], name),
            "overall_boxes": position_boxes(r["overall_boxes"], r["overall"]["score_value"], name)
            if r["overall_boxes"]
            else None,
            "pillars": {
                p["id"]: position_boxes(p["boxes"], p["score_value"], name) if p["boxes"] else None
                for p in r["pillars"]
            },
        }
    status = r["status"]
    with_scores = [d for d in r["distributions"] if d["points"]]
    return {
        "status": status_bars(
            [row["region"] for row in status["rows"]],
            [row["counts"] for row in status["rows"]],
            status["label_map"],
        ),
        "distributions": distributions(
            [d["title"] for d in r["distributions"]], [d["points"] for d in r["distributions"]]
        )
        if with_scores
        else None,
        "heatmap": heatmap(
            [row["region"] for row in r["regions"]],
            r["metrics"],
            [row["medians"] for row in r["regions"]],
        )
        if with_scores
        else None,
    }
