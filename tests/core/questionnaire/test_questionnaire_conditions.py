"""Evaluating show-when and recommendation conditions."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import (
    Questionnaire,
    check_answers,
    effective_answers,
    evaluate,
    visible_question_ids,
)
from dx_assess.core.questionnaire.model import AllOf, AnyOf, Not, PillarScoreTest, QuestionTest

ANSWERS: dict[str, object] = {
    "flag": True,
    "kind": "a",
    "count": 12,
    "tools": ("x", "y"),
    "grid": {"r1": "done", "r2": "todo"},
    "memo": "",
}


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        (QuestionTest("flag", "equals", True), True),
        (QuestionTest("flag", "equals", False), False),
        (QuestionTest("flag", "not_equals", False), True),
        (QuestionTest("kind", "in", ("a", "b")), True),
        (QuestionTest("kind", "not_in", ("a", "b")), False),
        (QuestionTest("count", "gte", 12), True),
        (QuestionTest("count", "gt", 12), False),
        (QuestionTest("count", "lt", 20.5), True),
        (QuestionTest("count", "lte", 11), False),
        (QuestionTest("count", "equals", 12.0), True),
        (QuestionTest("count", "equals", True), False),
        (QuestionTest("tools", "contains", "y"), True),
        (QuestionTest("tools", "contains", "z"), False),
        (QuestionTest("grid", "any_row_in", ("todo",)), True),
        (QuestionTest("grid", "all_rows_in", ("done",)), False),
        (QuestionTest("grid", "all_rows_in", ("done", "todo")), True),
        (QuestionTest("grid", "equals", "done", row="r1"), True),
        (QuestionTest("grid", "in", ("todo",), row="r1"), False),
        (QuestionTest("grid", "answered", True, row="r3"), False),
        (QuestionTest("memo", "answered", True), False),
        (QuestionTest("memo", "answered", False), True),
        (QuestionTest("missing", "answered", False), True),
        (QuestionTest("missing", "equals", "a"), False),
        (QuestionTest("missing", "not_equals", "a"), False),
        (QuestionTest("kind", "gte", 1), False),
    ],
)
def test_question_tests(test: QuestionTest, expected: bool) -> None:
    assert evaluate(test, ANSWERS) is expected


def test_combinators() -> None:
    yes = QuestionTest("flag", "equals", True)
    no = QuestionTest("flag", "equals", False)
    assert evaluate(AllOf((yes, yes)), ANSWERS)
    assert not evaluate(AllOf((yes, no)), ANSWERS)
    assert evaluate(AnyOf((no, yes)), ANSWERS)
    assert not evaluate(AnyOf((no, no)), ANSWERS)
    assert evaluate(Not(no), ANSWERS)
    assert evaluate(AllOf(()), ANSWERS)
    assert not evaluate(AnyOf(()), ANSWERS)


def test_pillar_scores() -> None:
    low = PillarScoreTest("opendata", "lt", 40)
    assert evaluate(low, {}, {"opendata": 39.9})
    assert not evaluate(low, {}, {"opendata": 40})
    assert not evaluate(low, {})  # unknown score -> false
    assert evaluate(PillarScoreTest("p", "gte", 40), {}, {"p": 40})


def test_show_when_hides_questions(fy2024: Questionnaire) -> None:
    answers = {"od_published": False, "od_format": "pdf_only", "mnc_outreach": True}
    shown = visible_question_ids(fy2024, answers)
    assert "od_datasets" not in shown
    assert "od_format" not in shown
    assert "mnc_outreach_count" in shown
    assert "od_format" not in effective_answers(fy2024, answers)
    shown = visible_question_ids(fy2024, {"od_published": True})
    assert {"od_datasets", "od_format", "od_update"} <= set(shown)
    grid = {"juki": "special_support"}
    assert "std_special_reason" in visible_question_ids(fy2024, {"std_status": grid})
    assert "std_special_reason" not in visible_question_ids(fy2024, {})


def test_recommendations_fire_on_answers(fy2025: Questionnaire) -> None:
    answers, issues = check_answers(
        fy2025,
        {
            "basic_population": 1000,
            "mnc_cards_held": 700,
            "mnc_kiosk": "いいえ",
            "gen_ai_use": "some_units",
            "gen_ai_rules": "none",
            "std_status": {"juki": "delayed", "koseki": "completed"},
        },
    )
    assert issues == []
    assert answers["mnc_holding_rate"] == 70.0
    fired = {r.id for r in fy2025.recommendations if evaluate(r.when, answers, {"opendata": 10})}
    assert {"rec_mnc_rate", "rec_mnc_kiosk", "rec_gen_ai_rules", "rec_std_delayed"} <= fired
    assert "rec_gen_ai_start" not in fired
    assert "rec_od_quality" not in fired  # od_published unanswered
