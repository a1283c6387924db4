"""The choropleth map (pure): geometry, projection, simplification, SVG content and size."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET

import pytest

from dx_assess.core.dashboards import regional
from dx_assess.core.dashboards.choropleth import (
    NO_VALUE,
    NO_VALUE_FILL,
    OUTSIDE,
    PALETTE,
    SCORED,
    MapEntry,
    class_for,
    render_choropleth,
)
from dx_assess.core.dashboards.geo import (
    GEOJSON,
    map_geometry,
    path_data,
    ring_area,
    short_subprefecture,
    simplify,
)
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring import OVERALL
from tests.support.paths import REPO
from tests.support.rounds import fixed_round

SVG = "{http://www.w3.org/2000/svg}"
REGISTRY = REPO / "dx_assess/data/registry/hokkaido_municipalities.csv"
#: Budget for the map's SVG (bytes): the whole page should stay light on a slow connection.
SVG_BUDGET = 100_000


@pytest.fixture(scope="module")
def results() -> RoundResults:
    return fixed_round()


def registry_codes() -> dict[str, str]:
    with REGISTRY.open(encoding="utf-8") as f:
        return {row["lg_code"]: row["subprefecture_short"] for row in csv.DictReader(f)}


def test_geometry_covers_the_registry_inside_the_view_box() -> None:
    geometry = map_geometry()
    assert map_geometry() is geometry  # computed once per process
    codes = {s.code: s for s in geometry.shapes}
    registry = registry_codes()
    assert len(geometry.shapes) == 185
    assert set(registry) <= set(codes)
    assert sum(s.is_hoppo for s in geometry.shapes) == 6
    for code, sub in registry.items():
        assert codes[code].subprefecture == sub
    numbers = [
        float(n) for s in geometry.shapes for n in re.findall(r"M([\d.]+) ([\d.]+)", s.path)[0]
    ]
    assert all(0 <= n <= geometry.width for n in numbers)
    # Hokkaido is wider than tall in this projection (about 1.6 : 1)
    assert 1.4 < geometry.width / geometry.height < 1.8
    assert GEOJSON.parent.name == "geo"
    assert "dx_assess" in GEOJSON.parts  # the product reads its own copy


def test_simplify_keeps_ends_and_corners_and_drops_collinear_points() -> None:
    line = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 5.0)]
    assert simplify(line, 0.1) == [(0.0, 0.0), (2.0, 0.0), (2.0, 5.0)]
    assert ring_area([(0.0, 0.0), (4.0, 0.0), (4.0, 3.0), (0.0, 3.0)]) == 12.0


def test_path_data_is_compact_and_relative() -> None:
    square = [(1.0, 1.0), (3.0, 1.0), (3.0, 2.5), (1.0, 2.5)]
    assert path_data([square]) == "M1 1l2 0 0 1.5-2 0z"
    assert short_subprefecture("空知総合振興局") == "空知"
    assert short_subprefecture("石狩振興局") == "石狩"


def test_svg_shows_values_no_value_and_outside(results: RoundResults) -> None:
    table = regional.regional_table(results)
    entries = regional.map_entries(results, OVERALL)
    assert entries["900003"].state == NO_VALUE  # a draft
    assert entries["900006"].state == OUTSIDE  # not in the programme
    assert entries["900001"].state == SCORED
    real = {
        "011002": MapEntry(SCORED, 85.0),  # 札幌市
        "012025": MapEntry(NO_VALUE, note="回答中"),  # 函館市
    }
    svg = render_choropleth(
        map_geometry(),
        real,
        table.classes,
        title="テストの地図",
        description="説明",
        metric="総合",
        legend_heading="総合",
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output: well-formed XML
    paths = [p for p in root.findall(f".//{SVG}path") if p.get("data-code")]
    assert len(paths) == 185  # and one more path: the borders between 振興局
    titles = {p.get("data-code"): p.find(f"{SVG}title").text for p in paths}  # type: ignore[union-attr]
    assert all(titles.values())
    assert titles["011002"] == "札幌市: 総合 85.0"
    assert titles["012025"] == "函館市: 回答中"
    assert titles["012033"] == "小樽市: 支援対象外"
    fills = {p.get("data-code"): p.get("fill") for p in paths}
    assert fills["011002"] == PALETTE[-1]
    assert fills["012025"] == NO_VALUE_FILL
    assert fills["012033"] == "url(#outside-hatch)"
    assert root.get("role") == "group"
    assert root.find(f"{SVG}title").text == "テストの地図"  # type: ignore[union-attr]
    legend = "".join(root.find(f".//{SVG}g[@class='legend']").itertext())  # type: ignore[union-attr]
    assert "支援対象外 177" in legend  # 179 minus the two with an entry
    assert "提出された回答なし 1" in legend
    assert "5 先進（80以上） 1" in legend


def test_svg_size_is_within_budget(results: RoundResults) -> None:
    table = regional.regional_table(results)
    every = {s.code: MapEntry(SCORED, 55.5) for s in map_geometry().shapes}
    svg = render_choropleth(
        map_geometry(),
        every,
        table.classes,
        title="t",
        description="d",
        metric="総合",
        legend_heading="総合",
    )
    size = len(svg.encode("utf-8"))
    print(f"map SVG: {size:,} bytes")  # about 75 KB
    assert size < SVG_BUDGET


def test_level_classes_follow_the_questionnaire(results: RoundResults) -> None:
    classes = regional.level_classes(results)
    assert [c.lower for c in classes] == [0, 20, 40, 60, 80]
    assert classes[0].label == "1 着手前（0以上20未満）"
    assert classes[-1].label == "5 先進（80以上）"
    assert class_for(59.99, classes).lower == 40
    assert class_for(60.0, classes).lower == 60
    assert [c.fill for c in classes] == list(PALETTE)
