"""What the reports say (issue 16), without rendering a PDF: 「伸ばしたい分野」 is never empty,
the answers that moved a pillar are named by 問番号 and a short label, the cover names a
contact, a box plot's median at 0 is drawn inside the axes, one 参考値 marker (※)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from dx_assess.core.reports import charts
from dx_assess.core.reports.assets import REPO_TEMPLATES
from dx_assess.core.reports.data import growth_areas, municipality_context
from dx_assess.core.results import MunicipalityResult, PeerPosition, PillarResult, RoundResults
from tests.support.rounds import fixed_round


@pytest.fixture(scope="module")
def results() -> RoundResults:
    return fixed_round()


def _with_positions(
    m: MunicipalityResult, gaps: dict[str, tuple[float, float]]
) -> MunicipalityResult:
    """``m`` with its 「all」 peer position per pillar set to (gap to median, gap to q3)."""
    pillars: list[PillarResult] = []
    for p in m.pillars:
        to_median, to_q3 = gaps[p.id]
        score = p.score if p.score is not None else 50.0
        peer = PeerPosition(
            group_type="all",
            group_type_label="対象市町村全体",
            group="対象市町村全体",
            n=20,
            median=score + to_median,
            q3=score + to_q3,
            rank=5,
            percentile=60.0,
            gap_to_median=to_median,
            gap_to_top_quartile=to_q3,
            too_small=False,
        )
        pillars.append(dataclasses.replace(p, score=score, peers=(peer,)))
    return dataclasses.replace(m, pillars=tuple(pillars), gaps=())


def test_growth_areas_below_the_top_quartile_when_none_is_below_the_median(
    results: RoundResults,
) -> None:
    m = results.municipality("900001")
    assert m is not None
    ids = [p.id for p in m.pillars]
    # every pillar at or above the median; two below the top quartile by 4.0 and 9.5 points
    gaps = {pid: (-1.0, -0.5) for pid in ids}
    gaps[ids[1]] = (-2.0, 4.0)
    gaps[ids[3]] = (0.0, 9.5)
    growth = growth_areas(_with_positions(m, gaps))
    assert growth["basis"] == "q3"
    assert [g["title"] for g in growth["items"]] == [m.pillars[3].title, m.pillars[1].title]
    assert [g["gap"] for g in growth["items"]] == ["−9.5", "−4.0"]
    assert "上位25%" in growth["note"]


def test_growth_areas_are_the_lowest_pillars_when_every_pillar_is_in_the_top_quartile(
    results: RoundResults,
) -> None:
    m = results.municipality("900001")
    assert m is not None
    top = _with_positions(m, {p.id: (-10.0, -1.0) for p in m.pillars})
    growth = growth_areas(top)
    assert growth["basis"] == "lowest"
    lowest = sorted(top.pillars, key=lambda p: p.score or 0.0)[:2]
    assert [g["title"] for g in growth["items"]] == [p.title for p in lowest]


def test_context_names_answers_by_number_and_short_label(results: RoundResults) -> None:
    m = results.municipality("900001")
    assert m is not None
    context = municipality_context(results, m, date(2025, 7, 1), department="テスト部 テスト課")
    assert context["contact"] == context["issuer"] == "テスト部 テスト課"
    assert context["generated_on"] == "令和7年7月1日"
    assert context["growth"]["items"]  # never empty
    rows = [d for p in context["pillars"] for d in p["raised"] + p["held_back"]]
    assert rows
    for row in rows:
        assert re.match(r"^問\d+-\d+ \S", row["text"]), row
        assert not row["text"].endswith("ください。")
        assert len(row["text"]) <= 32
    other = municipality_context(
        results, m, date(2025, 7, 1), department="テスト課", contact="道庁 DX推進課 011-000-0000"
    )
    assert other["contact"] == "道庁 DX推進課 011-000-0000"


def test_a_median_of_zero_is_drawn_inside_the_axes() -> None:
    box = {"label": "全体", "min": 0.0, "q1": 0.0, "median": 0.0, "q3": 20.0, "max": 40.0}
    svg = charts.position_boxes([box], 10.0, "テスト町")
    assert 'id="median-0"' in svg or "median-0" in _decoded(svg)
    assert charts.X_LIMITS[0] < 0 < 100 < charts.X_LIMITS[1]
    dist = charts.distributions(["オープンデータ"], [[0.0, 0.0, 0.0, 10.0]])
    assert "median-0" in _decoded(dist)


def _decoded(uri: str) -> str:
    import base64

    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_one_reference_value_marker() -> None:
    """※ marks a 参考値 on the pages and in the PDFs; † is not used anywhere."""
    for path in [
        *REPO_TEMPLATES.glob("*.html"),
        *REPO_TEMPLATES.parent.glob("dx_assess/web/templates/**/*.html"),
    ]:
        text = path.read_text(encoding="utf-8")
        assert "†" not in text, path
        assert "＊" not in text, path


def test_appendix_names_every_answer_by_its_question_number(results: RoundResults) -> None:
    """The report's 回答の一覧 shows the same 問番号 as the web pages and the review."""
    m = results.municipality("900001")
    assert m is not None
    context = municipality_context(results, m, date(2025, 7, 1), department="テスト部 テスト課")
    rows = [row for section in context["appendix"] for row in section["rows"]]
    assert rows
    assert all(re.match(r"^問\d+-\d+$", row["number"]) for row in rows)
    assert rows[0]["number"] == "問1-1"


def test_the_towns_label_stays_inside_the_position_chart_at_0_and_100() -> None:
    box = {
        "label": "全体（5団体）",
        "min": 0.0,
        "q1": 10.0,
        "median": 50.0,
        "q3": 90.0,
        "max": 100.0,
    }
    for score in (0.0, 100.0):
        svg = _decoded(charts.position_boxes([box], score, "南富良野町"))
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
        rect = re.search(r'<rect x="([\d.-]+)" y="[\d.-]+" width="([\d.]+)" [^>]*fill="white"', svg)
        assert rect is not None
        left, w = float(rect.group(1)), float(rect.group(2))
        assert left >= 0
        assert left + w <= width
        assert f"南富良野町 {score:.1f}" in svg
