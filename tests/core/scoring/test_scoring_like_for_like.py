"""Like-for-like trend: last round's answers re-scored under this round's rules.

The expected values are the hand-worked example of docs/scoring.md, section 7 (上士幌町's
card rate 77.2 → 78.2 % under the FY2024 breakpoints 40/60/80/90 and the FY2025 breakpoints
60/75/90).
"""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import Questionnaire, load_questionnaire
from dx_assess.core.scoring import OVERALL, score_response
from dx_assess.core.scoring.like_for_like import (
    carry_answers,
    like_for_like_table,
    rescore,
    restricted_score,
    rule_changes,
)
from tests.support.paths import REPO

DX = REPO / "questionnaires" / "dx-maturity"

MNC = {
    "mnc_outreach": True,
    "mnc_konbini": True,
    "mnc_kiosk": True,
    "mnc_uses": ("window_id", "library", "shelter"),
    "mnc_extra_hours": False,
}
FY2024 = {"basic_population": 4900, "mnc_cards_held": 3783, **MNC, "mnc_health_insurance": "basic"}
FY2025 = {"basic_population": 4850, "mnc_cards_held": 3793, **MNC}


@pytest.fixture(scope="module")
def versions() -> tuple[Questionnaire, Questionnaire, Questionnaire]:
    return tuple(load_questionnaire(DX / f"fy{y}.yaml") for y in (2024, 2025, 2026))  # type: ignore[return-value]


def test_hand_worked_example(versions: tuple[Questionnaire, ...]) -> None:
    fy24, fy25, _ = versions
    before = score_response(fy24, FY2024).pillar("mynumber").score
    now = score_response(fy25, FY2025).pillar("mynumber").score
    base = rescore(fy24, fy25, FY2024)
    assert base is not None
    # 2024 rules: (2 × (0.4 + 0.4 × 17.2/20) + 1 + 1 + 1 + 1 + 0.5 + 0) / 8 = 74.85
    assert before == pytest.approx(100 * (2 * 0.744 + 4.5) / 8)
    assert before == pytest.approx(74.85)
    # 2025 rules: (2 × (0.5 + 0.5 × 3.2/15) + 4) / 7 = 74.48: the reported change is negative
    assert now == pytest.approx(100 * (2 * (0.5 + 0.5 * 3.2 / 15) + 4) / 7)
    assert now is not None
    assert before is not None
    assert now - before == pytest.approx(-0.374, abs=1e-3)
    # 2024's answers under 2025 rules: (2 × (0.5 + 0.5 × 2.2/15) + 4) / 7 = 73.52
    assert base.pillar("mynumber").score == pytest.approx(
        100 * (2 * (0.5 + 0.5 * 2.2 / 15) + 4) / 7
    )
    table = like_for_like_table(
        fy24, fy25, {"014664": FY2024}, {"014664": score_response(fy25, FY2025)}
    )
    row = table[(table["code"] == "014664") & (table["pillar"] == "mynumber")].iloc[0]
    # like for like: 100 × 2 × (3.2 − 2.2)/15 × 0.5 / 7 = +0.95 points
    assert row["like_for_like"] == pytest.approx(100 * 2 * 0.5 * 1.0 / 15 / 7)
    assert row["like_for_like"] == pytest.approx(0.952, abs=1e-3)
    assert bool(row["rules_changed"]) is True


def test_carry_goes_through_every_version(versions: tuple[Questionnaire, ...]) -> None:
    fy24, fy25, fy26 = versions
    grid = {"juki": "planned", "koseki": "completed"}
    carried = carry_answers(fy24, fy26, {"std_status": grid}, known=(fy25,))
    # 2024 planned → 2025 on_schedule → 2026 in_progress
    assert carried == {"std_status": {"juki": "in_progress", "koseki": "completed"}}
    assert carry_answers(fy26, fy24, {}) is None


def test_rule_changes_2025_to_2026(versions: tuple[Questionnaire, ...]) -> None:
    _, fy25, fy26 = versions
    rules = rule_changes(fy25, fy26)
    assert rules is not None
    assert rules.rules_changed == {
        "standardization": True,  # statuses and ガバメントクラウド scores, value maps
        "mynumber": True,  # mnc_kiosk いいえ 0.2 → 0; mnc_hoken_support new
        "online": True,  # the 26 procedures counted through マイナポータル only
        "opendata": False,
        "ai_rpa": False,
        "governance": True,  # weight 1.5 → 1, security questions moved out
        "security": True,  # new pillar
        OVERALL: True,
    }
    online = {q.id for q in fy26.scored_questions() if q.pillar == "online"}
    assert rules.common["online"] == online - {"onl_26_mp", "onl_moving_onestop", "onl_risai"}
    assert rules.common["standardization"] == {
        q.id for q in fy26.scored_questions() if q.pillar == "standardization"
    }
    assert rules.common["security"] == frozenset()
    assert "mnc_hoken_support" not in rules.common["mynumber"]


def test_unchanged_rules_give_the_reported_change(versions: tuple[Questionnaire, ...]) -> None:
    _, fy25, fy26 = versions
    old = {"od_published": True, "od_datasets": ("ds01", "ds03", "ds08"), "od_license": True}
    new = {
        "od_published": True,
        "od_datasets": ("ds01", "ds03", "ds08", "ds10"),
        "od_license": True,
    }
    card_old, card_new = score_response(fy25, old), score_response(fy26, new)
    table = like_for_like_table(fy25, fy26, {"x": old}, {"x": card_new})
    row = table[table["pillar"] == "opendata"].iloc[0]
    reported = card_new.pillar("opendata").score - card_old.pillar("opendata").score  # type: ignore[operator]
    assert row["like_for_like"] == pytest.approx(reported)
    assert not bool(row["rules_changed"])
    ids = rule_changes(fy25, fy26).common["opendata"]  # type: ignore[union-attr]
    assert restricted_score(card_new, "opendata", ids) == card_new.pillar("opendata").score
