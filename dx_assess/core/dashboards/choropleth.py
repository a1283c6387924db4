"""A choropleth map of Hokkaido's municipalities as an SVG string (pure; no JavaScript).

Each municipality is one ``<path>`` with a ``<title>`` (name and value, shown on hover and read
by screen readers), coloured by the class of its value; municipalities in the programme without
a value (no submitted response yet) are grey, and those outside the programme (and the six
北方領土 villages, which are not in the registry) are hatched; the six 北方領土 villages are
drawn apart (light grey, dotted outline, a legend entry of their own 「北方領土（調査対象外）」),
never as outside the programme. Thicker lines are the borders between the 14 振興局. The legend
is drawn in the sea south-east of the island, so the SVG stands alone (also in a PDF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from dx_assess.core.dashboards.geo import MapGeometry

#: Five sequential colours (ColorBrewer YlGnBu, colour-blind safe), light = low.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_VALUE_FILL = "#bdbdbd"
OUTSIDE_PATTERN = "outside-hatch"
STROKE = "#6e6e6e"
FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"

SCORED = "scored"
NO_VALUE = "no_value"
OUTSIDE = "outside"


@dataclass(frozen=True)
class MapClass:
    """A legend class: values ``>= lower`` (and below the next class's lower bound)."""

    lower: float
    label: str
    fill: str


@dataclass(frozen=True)
class MapEntry:
    """What one municipality shows: its state, value and the text of its ``<title>``."""

    state: str  # SCORED / NO_VALUE / OUTSIDE
    value: float | None = None
    note: str = ""  # e.g. 回答中 (shown in the title when there is no value)


def classes_from_levels(levels: Sequence[tuple[float, str]]) -> tuple[MapClass, ...]:
    """Legend classes from (lower bound, label) pairs, e.g. the maturity levels."""
    if len(levels) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} classes")
    step = len(PALETTE) / len(levels)
    return tuple(
        MapClass(lower, label, PALETTE[min(len(PALETTE) - 1, int(i * step + step - 1))])
        for i, (lower, label) in enumerate(levels)
    )


def class_for(value: float, classes: Sequence[MapClass]) -> MapClass:
    chosen = classes[0]
    for c in classes:
        if value >= c.lower:
            chosen = c
    return chosen


def _fill(entry: MapEntry, classes: Sequence[MapClass]) -> str:
    if entry.state == SCORED and entry.value is not None:
        return class_for(entry.value, classes).fill
    if entry.state == OUTSIDE:
        return f"url(#{OUTSIDE_PATTERN})"
    return NO_VALUE_FILL


def _title(name: str, entry: MapEntry, metric: str, outside_label: str) -> str:
    if entry.state == SCORED and entry.value is not None:
        return f"{name}: {metric} {entry.value:.1f}"
    if entry.state == OUTSIDE:
        return f"{name}: {outside_label}"
    return f"{name}: {entry.note or 'データなし'}"


def _legend(
    geometry: MapGeometry,
    classes: Sequence[MapClass],
    heading: str,
    no_value_label: str,
    outside_label: str,
    counts: Mapping[str, int],
    hoppo: int,
    borders: bool,
) -> str:
    items = [(c.fill, f"{c.label} {counts.get(c.fill, 0)}") for c in reversed(classes)]
    items += [
        (NO_VALUE_FILL, f"{no_value_label} {counts.get(NO_VALUE_FILL, 0)}"),
        (f"url(#{OUTSIDE_PATTERN})", f"{outside_label} {counts.get(OUTSIDE, 0)}"),
    ]
    if hoppo:
        items.append((HOPPO, f"{HOPPO_LABEL} {hoppo}"))
    if borders:
        items.append((BORDER, BORDER_LABEL))
    row = 19.0
    x = geometry.width * 0.65  # east of the 釧路・根室 coast at the heading's height
    y = geometry.height - 12 - row * (len(items) + 1)
    out = [
        f'<g class="legend" transform="translate({x:.0f} {y:.0f})">',
        '<text x="0" y="12" font-size="12.5" font-weight="bold" fill="#1a1a1a">'
        f"{escape(heading)}</text>",
    ]
    for i, (fill, label) in enumerate(items):
        top = row * (i + 1)
        if fill == BORDER:
            swatch = (
                f'<line x1="0" y1="{top + 7:.0f}" x2="22" y2="{top + 7:.0f}" '
                f'stroke="{BORDER_STROKE}" stroke-width="{BORDER_WIDTH}"/>'
            )
        elif fill == HOPPO:
            swatch = (
                f'<rect x="0" y="{top:.0f}" width="22" height="14" fill="{HOPPO_FILL}" '
                f'stroke="#595959" stroke-width="0.8" stroke-dasharray="{HOPPO_DASH}"/>'
            )
        else:
            swatch = (
                f'<rect x="0" y="{top:.0f}" width="22" height="14" fill="{fill}" '
                'stroke="#595959" stroke-width="0.8"/>'
            )
        out.append(
            swatch + f'<text x="30" y="{top + 11.5:.1f}" font-size="12" fill="#1a1a1a">'
            f"{escape(label)}</text>"
        )
    out.append("</g>")
    return "".join(out)


#: Fill of the six 北方領土 villages (light grey, no hatching: not "outside the programme").
HOPPO_FILL = "#e6e6e6"
HOPPO_DASH = "1.5 1"
HOPPO_LABEL = "北方領土（調査対象外）"
HOPPO = "hoppo"  # legend key
#: The borders between 振興局: drawn over the municipalities, thicker and darker.
BORDER = "border"  # legend key
BORDER_LABEL = "振興局の境界"
BORDER_STROKE = "#262626"
BORDER_WIDTH = 1.3


def render_choropleth(
    geometry: MapGeometry,
    entries: Mapping[str, MapEntry],
    classes: Sequence[MapClass],
    *,
    title: str,
    description: str,
    metric: str,
    legend_heading: str,
    no_value_label: str = "提出された回答なし",
    outside_label: str = "支援対象外",
    id_prefix: str = "map",
) -> str:
    """The SVG markup. ``entries`` maps municipality codes to what they show; a code of the
    geometry that is missing from ``entries`` is drawn as outside the programme."""
    outside = MapEntry(OUTSIDE)
    paths = []
    counts: dict[str, int] = {}
    hoppo = 0
    for shape in geometry.shapes:
        if shape.is_hoppo:  # not a municipality of the registry: drawn apart, never "outside"
            paths.append(
                f'<path role="img" data-code="{shape.code}" data-state="hoppo" '
                f'fill="{HOPPO_FILL}" stroke-dasharray="{HOPPO_DASH}" d="{shape.path}">'
                f"<title>{escape(shape.name)}（北方領土・調査の対象ではありません）</title></path>"
            )
            hoppo += 1
            continue
        entry = entries.get(shape.code, outside)
        key = OUTSIDE if entry.state == OUTSIDE else _fill(entry, classes)
        counts[key] = counts.get(key, 0) + 1
        label = _title(shape.name, entry, metric, outside_label)
        paths.append(
            f'<path role="img" data-code="{shape.code}" data-state="{entry.state}" '
            f'fill="{_fill(entry, classes)}" d="{shape.path}"><title>{escape(label)}</title></path>'
        )
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{geometry.view_box}" '
            f'class="choropleth" role="group" aria-labelledby="{title_id}" '
            f'aria-describedby="{desc_id}" font-family={quoteattr(FONT)}>',
            f'<title id="{title_id}">{escape(title)}</title>',
            f'<desc id="{desc_id}">{escape(description)}</desc>',
            f'<defs><pattern id="{OUTSIDE_PATTERN}" patternUnits="userSpaceOnUse" width="5" '
            'height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="#f4f4f4"/>'
            '<line x1="0" y1="0" x2="0" y2="5" stroke="#a6a6a6" stroke-width="1.4"/>'
            "</pattern></defs>",
            f'<g stroke="{STROKE}" stroke-width="0.35" stroke-linejoin="round">',
            *paths,
            "</g>",
            (
                f'<path class="subprefecture-borders" aria-hidden="true" fill="none" '
                f'stroke="{BORDER_STROKE}" stroke-width="{BORDER_WIDTH}" stroke-linejoin="round" '
                f'stroke-linecap="round" d="{geometry.subprefecture_borders}"/>'
                if geometry.subprefecture_borders
                else ""
            ),
            _legend(
                geometry,
                classes,
                legend_heading,
                no_value_label,
                outside_label,
                counts,
                hoppo,
                bool(geometry.subprefecture_borders),
            ),
            "</svg>",
        ]
    )
