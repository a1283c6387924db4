"""Hokkaido's municipal boundaries as projected, simplified SVG paths (pure, cached per process).

The boundaries are ``dx_assess/data/geo/hokkaido_municipalities.geojson`` (国土数値情報 行政区域
データ as processed by the Digital Agency; see the README there for source and licence). They
are projected once per process with an equirectangular projection scaled by cos(latitude) at
the middle of the island (good enough at this scale: Hokkaido spans 4° of latitude), simplified
with Douglas–Peucker at a tolerance below one pixel of the drawn map, and written as compact
path data with relative coordinates rounded to 0.1 unit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from dx_assess.core.shipped import PACKAGE_DIR

GEOJSON = PACKAGE_DIR / "data" / "geo" / "hokkaido_municipalities.geojson"
#: Width of the map in SVG user units (the height follows from the projection).
WIDTH = 720.0
#: Margin around the shapes, in user units.
MARGIN = 6.0
#: Douglas–Peucker tolerance in user units (~ pixels at the drawn size).
TOLERANCE = 0.45
#: Rings (islets) smaller than this many square units are dropped, except a shape's largest.
MIN_RING_AREA = 0.6
#: The credit line the licence asks for (CC BY 4.0).
CREDIT = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成（デジタル庁 CC BY 4.0）"

Point = tuple[float, float]
Ring = list[Point]


@dataclass(frozen=True)
class Shape:
    """One municipality's outline as SVG path data in map units."""

    code: str  # 6-digit 全国地方公共団体コード
    name: str
    subprefecture: str  # short name, e.g. 空知
    is_hoppo: bool  # one of the six 北方領土 villages (not in the registry)
    path: str
    centroid: Point


@dataclass(frozen=True)
class MapGeometry:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    #: SVG path data (open lines) of the borders between 振興局: the edges two municipalities
    #: of different 振興局 share.
    subprefecture_borders: str = ""

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def short_subprefecture(official: str) -> str:
    """石狩振興局 -> 石狩, 空知総合振興局 -> 空知."""
    for suffix in ("総合振興局", "振興局"):
        if official.endswith(suffix):
            return official[: -len(suffix)]
    return official


def _rings(geometry: dict[str, Any]) -> list[Ring]:
    coordinates = geometry["coordinates"]
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    return [[(float(p[0]), float(p[1])) for p in ring] for polygon in polygons for ring in polygon]


def _perpendicular(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    return abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / math.hypot(dx, dy)


def simplify(points: Sequence[Point], tolerance: float) -> Ring:
    """Douglas–Peucker on an open polyline (iterative; keeps both ends)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """A closed ring simplified in two halves (so that its start point does not anchor it)."""
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 4:
        return ring
    middle = len(ring) // 2
    first = simplify(ring[: middle + 1], tolerance)
    second = simplify([*ring[middle:], ring[0]], tolerance)
    return first[:-1] + second[:-1]


def ring_area(ring: Ring) -> float:
    return abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def path_data(rings: Iterable[Ring]) -> str:
    """Compact SVG path data: absolute move, relative lines, coordinates to 0.1 unit."""
    parts: list[str] = []
    for ring in rings:
        q = [(round(x * 10), round(y * 10)) for x, y in ring]
        deduped = [p for i, p in enumerate(q) if i == 0 or p != q[i - 1]]
        if len(deduped) < 3:
            continue
        x0, y0 = deduped[0]
        steps = [f"M{_num(x0)} {_num(y0)}l"]
        coords = []
        for (ax, ay), (bx, by) in pairwise(deduped):
            coords.append(f"{_num(bx - ax)} {_num(by - ay)}")
        steps.append(" ".join(coords).replace(" -", "-"))
        steps.append("z")
        parts.append("".join(steps))
    return "".join(parts)


def _num(tenths: int) -> str:
    """An integer count of tenths as the shortest decimal text: 15 -> 1.5, -3 -> -.3, 20 -> 2."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{frac}"


def border_lines(
    rings_by_region: Iterable[tuple[str, Sequence[Sequence[Point]]]],
) -> list[list[Point]]:
    """The lines between regions: every edge (pair of consecutive points) that rings of two
    different regions share, chained into polylines. The boundary data share the vertices of
    common borders (they come from one topology), so equal edges are the common border."""
    regions_of: dict[tuple[Point, Point], set[str]] = {}
    for region, rings in rings_by_region:
        for ring in rings:
            for a, b in pairwise(ring):
                if a != b:
                    key = (a, b) if a <= b else (b, a)
                    regions_of.setdefault(key, set()).add(region)
    edges = {key for key, regions in regions_of.items() if len(regions) > 1}
    neighbours: dict[Point, list[Point]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    used: set[tuple[Point, Point]] = set()

    def walk(start: Point, nxt: Point) -> list[Point]:
        line = [start]
        previous, current = start, nxt
        while True:
            used.add((previous, current) if previous <= current else (current, previous))
            line.append(current)
            onward = [
                p
                for p in neighbours[current]
                if ((current, p) if current <= p else (p, current)) not in used
            ]
            if len(neighbours[current]) != 2 or not onward:
                return line
            previous, current = current, onward[0]

    lines: list[list[Point]] = []
    # start at the ends and junctions first, then what is left are closed loops
    starts = sorted(p for p, ns in neighbours.items() if len(ns) != 2)
    for start in [*starts, *sorted(neighbours)]:
        for nxt in sorted(neighbours[start]):
            if ((start, nxt) if start <= nxt else (nxt, start)) not in used:
                lines.append(walk(start, nxt))
    return lines


def line_data(lines: Iterable[Sequence[Point]]) -> str:
    """Compact SVG path data of open lines (absolute move, relative lines, 0.1 unit)."""
    parts: list[str] = []
    for line in lines:
        q = [(round(x * 10), round(y * 10)) for x, y in line]
        deduped = [p for i, p in enumerate(q) if i == 0 or p != q[i - 1]]
        if len(deduped) < 2:
            continue
        x0, y0 = deduped[0]
        coords = " ".join(
            f"{_num(bx - ax)} {_num(by - ay)}" for (ax, ay), (bx, by) in pairwise(deduped)
        )
        parts.append(f"M{_num(x0)} {_num(y0)}l" + coords.replace(" -", "-"))
    return "".join(parts)


@cache
def map_geometry(path: Path = GEOJSON, width: float = WIDTH) -> MapGeometry:
    """The projected, simplified shapes of every feature in ``path`` (computed once)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data["features"]
    all_points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    lon_min = min(p[0] for p in all_points)
    lon_max = max(p[0] for p in all_points)
    lat_min = min(p[1] for p in all_points)
    lat_max = max(p[1] for p in all_points)
    k = math.cos(math.radians((lat_min + lat_max) / 2))
    scale = (width - 2 * MARGIN) / ((lon_max - lon_min) * k)
    height = round((lat_max - lat_min) * scale + 2 * MARGIN, 1)

    def project(p: Point) -> Point:
        return (MARGIN + (p[0] - lon_min) * k * scale, MARGIN + (lat_max - p[1]) * scale)

    shapes: list[Shape] = []
    borders = border_lines(
        (
            str(f["properties"]["subprefecture"]),
            [[(p[0], p[1]) for p in r] for r in _rings(f["geometry"])],
        )
        for f in features
    )
    border_path = line_data(simplify([project(p) for p in line], TOLERANCE) for line in borders)
    for f in features:
        props = f["properties"]
        rings = [[project(p) for p in ring] for ring in _rings(f["geometry"])]
        simplified = [_simplify_ring(r, TOLERANCE) for r in rings]
        areas = [ring_area(r) for r in simplified]
        largest = max(range(len(areas)), key=areas.__getitem__)
        kept = [
            r
            for i, (r, a) in enumerate(zip(simplified, areas, strict=True))
            if len(r) >= 3 and (i == largest or a >= MIN_RING_AREA)
        ]
        biggest = rings[largest]
        cx = sum(p[0] for p in biggest) / len(biggest)
        cy = sum(p[1] for p in biggest) / len(biggest)
        shapes.append(
            Shape(
                code=str(props["lg_code"]),
                name=str(props["name"]),
                subprefecture=short_subprefecture(str(props["subprefecture"])),
                is_hoppo=bool(props.get("is_hoppo")),
                path=path_data(kept),
                centroid=(round(cx, 1), round(cy, 1)),
            )
        )
    return MapGeometry(
        width=width, height=height, shapes=tuple(shapes), subprefecture_borders=border_path
    )
