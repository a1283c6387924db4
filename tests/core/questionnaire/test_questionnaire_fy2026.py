"""The 令和8年度 questionnaire (2026.1): what the prefecture asks, and its map from 2025.1."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import (
    Questionnaire,
    build_mapping,
    carry_forward,
    check_mapping,
    diff_versions,
    evaluate,
    format_diff,
    load_questionnaire,
    visible_question_ids,
)
from dx_assess.core.questionnaire.mapping import CONVERT, DIRECT, NEW
from tests.support.paths import REPO

DX = REPO / "questionnaires" / "dx-maturity"


@pytest.fixture(scope="module")
def fy2026() -> Questionnaire:
    return load_questionnaire(DX / "fy2026.yaml")


@pytest.fixture(scope="module")
def fy2025_q() -> Questionnaire:
    return load_questionnaire(DX / "fy2025.yaml")


def test_header_and_reference_date(fy2026: Questionnaire) -> None:
    assert (fy2026.version, fy2026.fiscal_year) == ("2026.1", 2026)
    assert "令和8年4月1日" in fy2026.description
    assert not fy2026.has_question("basic_answer_date")  # no date each town picks
    assert not any(q.type == "date" for q in fy2026.questions)


def test_26_procedures_split_and_counted_through_mynaportal(fy2026: Questionnaire) -> None:
    kosodate, kaigo = fy2026.question("onl_kosodate_mp"), fy2026.question("onl_kaigo_mp")
    assert (kosodate.max, kaigo.max) == (15, 11)
    for q in (kosodate, kaigo):
        assert "マイナポータル" in q.text
        assert "マイナポータル" in q.help
    assert "デジタル庁のダッシュボード" in kosodate.help
    assert "数えません" in kosodate.help  # own e-application systems do not count
    assert fy2026.question("onl_26_mp").formula is not None
    assert fy2026.question("onl_moving_onestop").scored
    assert "罹災証明書" in fy2026.question("onl_risai").text


def test_security_pillar_asks_what_the_soumu_survey_asks(fy2026: Questionnaire) -> None:
    ids = {q.id for q in fy2026.questions_for_pillar("security")}
    assert ids == {
        "sec_ciso",
        "sec_policy",
        "sec_policy_review",
        "sec_incident_plan",
        "sec_bcp",
        "sec_audit",
        "sec_three_layer",
        "sec_cloud",
        "sec_training",
    }
    assert "三層の対策" in fy2026.question("sec_three_layer").text
    assert "自治体情報セキュリティクラウド" in fy2026.question("sec_cloud").text
    assert "ICT-BCP" in fy2026.question("sec_bcp").text


def test_my_number_health_insurance_as_insurer(fy2026: Questionnaire) -> None:
    assert "国民健康保険" in fy2026.question("mnc_hoken_support").text
    assert "資格確認書" in fy2026.question("mnc_shikaku_kakuninsho").text
    assert not fy2026.question("mnc_shikaku_kakuninsho").scored


def test_completion_year_asked_only_for_special_systems(fy2026: Questionnaire) -> None:
    grid = fy2026.question("std_status")
    for row in grid.rows:
        q = fy2026.question(f"std_year_{row.id}")
        assert (q.type, q.min, q.max) == ("integer", 2026, 2035)
        assert row.label in q.text
    shown = visible_question_ids(fy2026, {"std_status": {"juki": "special_extended"}})
    assert "std_year_juki" in shown
    assert "std_year_koseki" not in shown
    assert "std_year_juki" not in visible_question_ids(
        fy2026, {"std_status": {"juki": "completed"}}
    )


def test_open_data_list_names_the_definition_edition(fy2026: Questionnaire) -> None:
    q = fy2026.question("od_datasets")
    assert "第3.09版" in q.text
    assert len(q.choices) == 27


def test_scoring_oddities_fixed(fy2026: Questionnaire) -> None:
    kiosk = fy2026.question("mnc_kiosk").scoring
    assert kiosk is not None
    assert (kiosk.yes, kiosk.no) == (1, 0)
    cloud = {c.value: c.score for c in fy2026.question("std_gov_cloud").choices}
    assert cloud["undecided"] == 0
    assert cloud["undecided"] < cloud["other_environment"] <= cloud["planned"] < cloud["using"]


def test_map_from_2025_is_sound_and_carries(fy2025_q: Questionnaire, fy2026: Questionnaire) -> None:
    assert check_mapping(fy2025_q, fy2026) == []
    m = build_mapping(fy2025_q, fy2026)
    assert m.carry("std_status").mode == CONVERT
    assert m.carry("sec_policy_review").sources == ("gov_security_policy",)
    assert m.carry("sec_training").mode == DIRECT
    assert m.carry("onl_kosodate_mp").mode == NEW  # counted differently: asked again
    carried = carry_forward(
        m,
        fy2026,
        {
            "std_status": {"juki": "on_schedule", "koseki": "delayed", "inkan": "completed"},
            "std_gov_cloud": "not_using",
            "onl_childcare_count": 10,
            "gov_security_training": True,
        },
    )
    assert carried == {
        "std_status": {"juki": "in_progress", "koseki": "in_progress", "inkan": "completed"},
        "std_gov_cloud": "other_environment",
        "sec_training": True,
    }


def test_diff_lists_every_scoring_change(fy2025_q: Questionnaire, fy2026: Questionnaire) -> None:
    d = diff_versions(fy2025_q, fy2026)
    assert {s.question for s in d.scoring_changed} == {
        "std_status",
        "std_gov_cloud",
        "mnc_kiosk",
        "sec_policy_review",
        "sec_training",
    }
    assert {w.pillar: (w.before, w.after) for w in d.pillar_weights} == {
        "governance": (1.5, 1),
        "security": (None, 1),
    }
    assert {
        (v.question, v.old_value, v.new_value, v.old_score, v.new_score) for v in d.value_maps
    } == {
        ("std_status", "on_schedule", "in_progress", 0.7, 0.3),
        ("std_status", "delayed", "in_progress", 0.3, 0.3),
        ("std_gov_cloud", "not_using", "other_environment", 0.3, 0.6),
    }
    assert [s.question for s in d.scoring_removed] == ["onl_26_total"]
    assert "onl_26_mp" in {s.question for s in d.scoring_added}
    text = "\n".join(format_diff(d))
    assert "  governance: 1.5 → 1" in text
    assert "  std_status: on_schedule（0.7） → in_progress（0.3）" in text
    assert "はい 1 / いいえ 0.2" in text  # mnc_kiosk before


def test_recommendations_fit_the_answers(fy2026: Questionnaire) -> None:
    held = {"mnc_holding_rate": 70.0, "mnc_outreach": True}
    fired = {r.id for r in fy2026.recommendations if evaluate(r.when, held, {})}
    assert "rec_mnc_rate" not in fired  # outreach already held: not recommended again
    not_held = {**held, "mnc_outreach": False}
    assert "rec_mnc_rate" in {
        r.id for r in fy2026.recommendations if evaluate(r.when, not_held, {})
    }
    cashless = next(r for r in fy2026.recommendations if r.id == "rec_cashless")
    assert cashless.cases == ()  # 芦別市's case is RPA, not cashless payment
    assert "事例集" in fy2026.case("tomakomai_ai_rpa").source


def test_yearly_figures_carry_over_only_as_a_reference(fy2026: Questionnaire) -> None:
    """Population, staff, cards held and outreach counts change every year: last round's answer
    is shown beside the field, never filled in as this round's answer (issue 10, item 5)."""
    yearly = {
        "basic_population",
        "basic_staff",
        "basic_it_staff",
        "mnc_cards_held",
        "mnc_outreach_count",
    }
    assert {q.id for q in fy2026.questions if q.carry == "reference"} == yearly
