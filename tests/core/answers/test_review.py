"""The review of a response (pure): 問番号, counts that stay stable as conditional questions
appear, what is missing, the warnings; and checking the contact person's fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dx_assess.core.answers.contact import check_contact
from dx_assess.core.answers.review import build_review, japanese_datetime
from dx_assess.core.questionnaire import Questionnaire, check_answers, load_bytes
from tests.core.questionnaire.conftest import BASE_YAML

# BASE_YAML: section s1 has population, cards, rate (derived), has_plan, plan_kind (shown when
# has_plan is yes); s2 has systems and tools. Seven questions, six answered by people.
REQUIRED = BASE_YAML.replace("        text: 人口\n", "        text: 人口\n        required: true\n")


@pytest.fixture
def questionnaire() -> Questionnaire:
    return load_bytes(REQUIRED.encode(), "test.yaml")


def review_of(questionnaire: Questionnaire, answers: dict[str, object]):  # type: ignore[no-untyped-def]
    values, issues = check_answers(questionnaire, answers)
    return build_review(questionnaire, values, issues)


def test_numbers_follow_sections_and_positions(questionnaire: Questionnaire) -> None:
    review = review_of(questionnaire, {})
    numbers = [(i.number, i.text) for s in review.sections for i in s.items]
    assert numbers == [
        ("問1-1", "人口"),
        ("問1-2", "枚数"),
        ("問1-3", "保有率"),
        ("問1-4", "計画"),
        ("問1-5", "種類"),
        ("問2-1", "状況"),
        ("問2-2", "ツール"),
    ]


def test_the_total_stays_when_a_conditional_question_appears(
    questionnaire: Questionnaire,
) -> None:
    without = review_of(questionnaire, {"has_plan": False})
    # six questions people answer; plan_kind (問1-5) does not apply when has_plan is no
    assert (without.total, without.not_applicable, without.applicable) == (6, 1, 5)
    assert without.count_text == "全6問（うち条件付き1問は該当しません）"
    kind = next(i for i in without.sections[0].items if i.id == "plan_kind")
    assert (kind.number, kind.applies, kind.answer) == ("問1-5", False, "（該当しません）")

    with_plan = review_of(questionnaire, {"has_plan": True})
    assert (with_plan.total, with_plan.not_applicable) == (6, 0)
    assert with_plan.count_text == "全6問"
    kind = next(i for i in with_plan.sections[0].items if i.id == "plan_kind")
    assert (kind.number, kind.applies) == ("問1-5", True)  # same number: nothing renumbered


def test_missing_and_warnings_are_listed_with_their_question(
    questionnaire: Questionnaire,
) -> None:
    review = review_of(questionnaire, {"cards": 150, "has_plan": False})
    assert review.missing == 1  # population is required and unanswered
    assert [(s.id, i.number) for s, i in review.missing_items()] == [("s1", "問1-1")]
    assert review.answered == 2
    review = review_of(questionnaire, {"population": 100, "cards": 150})
    assert review.missing == 0
    assert review.warning_count == 1  # cards <= population fails
    # the check's message is shown with its question (cards, 問1-2), counted once
    assert [(s.id, i.number, i.warnings) for s, i in review.warning_items()] == [
        ("s1", "問1-2", ("枚数が人口を上回っています",))
    ]
    assert review.warnings == ()


def test_japanese_datetime_is_japan_time_in_the_japanese_calendar() -> None:
    assert japanese_datetime(datetime(2026, 12, 1, 18, 5, tzinfo=UTC)) == "令和8年12月2日 3時05分"


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("0167-56-2121", "0167-56-2121"),
        ("０１６７－５６－２１２１", "0167-56-2121"),
        ("01675621 21", "0167562121"),
        ("(0167)56-2121内線123", "(0167)56-2121内線123"),
        ("090-1234-5678", "090-1234-5678"),
    ],
)
def test_phone_numbers_are_read_forgivingly(phone: str, stored: str) -> None:
    values, errors = check_contact({"phone": phone})
    assert errors == {}
    assert values["phone"] == stored


@pytest.mark.parametrize("phone", ["123-4567", "0167-56-2121-99999", "でんわ", "0167_56_2121"])
def test_bad_phone_numbers_are_refused_in_japanese(phone: str) -> None:
    _values, errors = check_contact({"phone": phone})
    assert errors["phone"].startswith("電話番号は「0123-45-6789」のように")


def test_email_addresses() -> None:
    values, errors = check_contact({"email": " taro＠town.example.lg.jp "})
    assert errors == {}
    assert values["email"] == "taro@town.example.lg.jp"
    for bad in ("taro", "taro@", "taro@localhost", "a@b@c.jp"):
        _values, errors = check_contact({"email": bad})
        assert errors["email"].startswith("メールアドレスの形が正しくありません"), bad


def test_empty_fields_are_stored_as_none_and_lengths_are_limited() -> None:
    values, errors = check_contact({"name": "  ", "section": "課" * 101})
    assert values["name"] is None
    assert errors == {"section": "所属（課・係）は100文字以内で入力してください。"}
