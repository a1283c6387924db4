"""The six 北方領土 villages are drawn apart, never as 「支援対象外」."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dx_assess.core.dashboards.choropleth import HOPPO_FILL, MapClass, render_choropleth
from dx_assess.core.dashboards.geo import map_geometry

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
