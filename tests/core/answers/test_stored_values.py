"""Stored answers read back in normal form: remembered per question and value, never mixed up."""

from __future__ import annotations

import pytest

from dx_assess.core.answers.values import from_json
from dx_assess.core.questionnaire import AnswerError, Questionnaire, load_questionnaire
from tests.support.paths import REPO

FY2025 = REPO / "questionnaires" / "dx-maturity" / "fy2025.yaml"


@pytest.fixture(scope="module")
def q2025() -> Questionnaire:
    return load_questionnaire(FY2025)


def first_of(q: Questionnaire, qtype: str) -> str:
    return next(x.id for x in q.questions if x.type == qtype)


def test_a_grid_read_twice_is_a_new_dict_each_time(q2025: Questionnaire) -> None:
    grid = q2025.question(first_of(q2025, "status_grid"))
    stored = {grid.rows[0].id: grid.choices[0].value}
    first = from_json(grid, stored)
    assert first == stored
    assert isinstance(first, dict)
    first[grid.rows[1].id] = "changed by a caller"
    assert from_json(grid, stored) == stored  # the caller's change did not leak


def test_values_equal_in_python_stay_apart(q2025: Questionnaire) -> None:
    number = q2025.question(first_of(q2025, "integer"))
    assert from_json(number, 3) == 3
    with pytest.raises(AnswerError):
        from_json(number, True)  # True == 1 in Python, but it is not a number answer
    with pytest.raises(AnswerError):
        from_json(number, True)  # and it is refused again, not remembered as 1


def test_the_same_value_of_another_question_is_read_by_that_question(
    q2025: Questionnaire,
) -> None:
    texts = [x for x in q2025.questions if x.type == "short_text"][:2]
    choice = q2025.question(first_of(q2025, "single_choice"))
    value = choice.choices[0].value
    assert from_json(choice, value) == value
    for text in texts:
        assert from_json(text, value) == value
    unbounded, bounded = q2025.question("basic_staff"), q2025.question("onl_childcare_count")
    assert bounded.max == 26
    assert from_json(unbounded, 40) == 40
    with pytest.raises(AnswerError):
        from_json(bounded, 40)  # the same value, over this question's maximum
