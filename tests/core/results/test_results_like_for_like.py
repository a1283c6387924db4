"""The round results carry the like-for-like change (docs/scoring.md, section 7) to the
pages, the PDF report data and the exports."""

from __future__ import annotations

import pytest

from dx_assess.core.dashboards.export_frames import scores_frame
from dx_assess.core.questionnaire import load_questionnaire
from dx_assess.core.reports.data import trend_info
from dx_assess.core.results import ResponseInput, RoundResults, build_round_results
from dx_assess.core.scoring import MunicipalityInfo, score_response
from tests.support.paths import REPO

DX = REPO / "questionnaires" / "dx-maturity"
CODE = "016365"  # 上士幌町
MNC = {
    "mnc_outreach": True,
    "mnc_konbini": True,
    "mnc_kiosk": True,
    "mnc_uses": ("window_id", "library", "shelter"),
    "mnc_extra_hours": False,
}


def _round(year: int, answers: dict[str, object], previous: RoundResults | None) -> RoundResults:
    q = load_questionnaire(DX / f"fy{year}.yaml")
    info = MunicipalityInfo(CODE, "上士幌町", "町", 4850, "十勝")
    return build_round_results(
        round_id=year,
        fiscal_year=year,
        round_label=f"FY{year}",
        title="t",
        is_demo=True,
        questionnaire=q,
        municipalities=[info],
        responses={CODE: ResponseInput("submitted", 1, answers)},  # type: ignore[arg-type]
        scorecards={CODE: score_response(q, answers)},
        previous=previous,
    )


@pytest.fixture(scope="module")
def results() -> RoundResults:
    before = _round(
        2024,
        {"basic_population": 4900, "mnc_cards_held": 3783, **MNC, "mnc_health_insurance": "basic"},
        None,
    )
    return _round(2025, {"basic_population": 4850, "mnc_cards_held": 3793, **MNC}, before)


def test_trend_has_the_reported_and_the_like_for_like_change(results: RoundResults) -> None:
    m = results.municipality(CODE)
    assert m is not None
    trend = next(p.trend for p in m.pillars if p.id == "mynumber")
    assert trend is not None
    assert trend.change == pytest.approx(-0.374, abs=1e-3)
    assert trend.rescored_base == pytest.approx(73.524, abs=1e-3)
    assert trend.like_for_like == pytest.approx(0.952, abs=1e-3)
    assert trend.rules_changed
    info = trend_info(trend)
    assert info is not None
    assert (info["rules_changed"], info["same_rules_change"]) == (True, "+1.0")


def test_scores_export_has_the_like_for_like_columns(results: RoundResults) -> None:
    frame = scores_frame(results)
    row = frame[frame["pillar"] == "mynumber"].iloc[0]
    assert row["like_for_like_change"] == pytest.approx(0.952, abs=1e-3)
    assert row["rescored_base"] == pytest.approx(73.524, abs=1e-3)
    assert bool(row["rules_changed"])
