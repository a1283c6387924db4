"""The six 北方領土 villages are drawn apart, never as 「支援対象外」."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dx_assess.core.dashboards.choropleth import HOPPO_FILL, MapClass, render_choropleth
from dx_assess.core.dashboards.geo import border_lines, line_data, map_geometry

SVG = "{http://www.w3.org/2000/svg}"


def test_hoppo_villages_are_drawn_distinctly() -> None:
    geometry = map_geometry()
    svg = render_choropleth(
        geometry,
        {},
        [MapClass(0, "全部", "#000000")],
        title="t",
        description="d",
        metric="総合",
        legend_heading="総合",
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    hoppo = {s.code for s in geometry.shapes if s.is_hoppo}
    assert len(hoppo) == 6
    paths = [p for p in root.findall(f".//{SVG}path") if p.get("data-code") in hoppo]
    assert len(paths) == 6
    for p in paths:
        assert p.get("data-state") == "hoppo"
        assert p.get("fill") == HOPPO_FILL
        title = p.find(f"{SVG}title")
        assert title is not None
        assert title.text is not None
        assert "北方領土・調査の対象ではありません" in title.text
        assert "支援対象外" not in title.text
    legend = "".join(root.find(f".//{SVG}g[@class='legend']").itertext())  # type: ignore[union-attr]
    assert "支援対象外 179" in legend  # the 179 municipalities only


def test_the_legend_names_the_hoppo_villages_and_the_subprefecture_borders() -> None:
    svg = render_choropleth(
        map_geometry(),
        {},
        [MapClass(0, "全部", "#000000")],
        title="t",
        description="d",
        metric="総合",
        legend_heading="総合",
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    legend = "".join(root.find(f".//{SVG}g[@class='legend']").itertext())  # type: ignore[union-attr]
    assert "北方領土（調査対象外） 6" in legend
    assert "振興局の境界" in legend
    borders = root.find(f".//{SVG}path[@class='subprefecture-borders']")
    assert borders is not None
    assert borders.get("fill") == "none"
    assert float(borders.get("stroke-width") or 0) > 1  # thicker than the 0.35 of the towns
    assert (borders.get("d") or "").count("M") >= 14  # lines between the 14 振興局


def test_border_lines_are_the_edges_regions_share() -> None:
    """Three unit squares in a row: A | A | B. Only the edge between the second (A) and the
    third (B) is a border; the A-A edge is not, nor any coast."""
    a1 = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    a2 = [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    b = [(2.0, 1.0), (2.0, 0.0), (3.0, 0.0), (3.0, 1.0), (2.0, 1.0)]  # drawn the other way
    lines = border_lines([("A", [a1]), ("A", [a2]), ("B", [b])])
    assert [sorted(line) for line in lines] == [[(2.0, 0.0), (2.0, 1.0)]]
    assert line_data(lines) in {"M2 0l0 1", "M2 1l0-1"}  # x = 2.0, from y 0 to 1 (or back)
    assert border_lines([("A", [a1]), ("A", [a2])]) == []


def test_border_lines_chain_into_one_polyline() -> None:
    left = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0), (0.0, 0.0)]
    right = [(1.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0), (1.0, 0.0)]
    lines = border_lines([("L", [left]), ("R", [right])])
    assert len(lines) == 1
    assert sorted(lines[0]) == [(1.0, 0.0), (1.0, 1.0), (1.0, 2.0)]
