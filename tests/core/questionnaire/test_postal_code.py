"""The postal_code question type (郵便番号): what it accepts, how it is stored and refused,
that the questionnaire file declares it like any other type, and how it carries over."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import (
    AnswerError,
    Questionnaire,
    QuestionnaireError,
    build_mapping,
    carry_forward,
    load_bytes,
    load_questionnaire,
    normalize_answer,
)
from dx_assess.core.questionnaire.mapping import MANUAL
from tests.support.fixture_files import POSTAL_TEST


@pytest.fixture(scope="module")
def postal() -> Questionnaire:
    return load_questionnaire(POSTAL_TEST)


@pytest.mark.parametrize(
    "typed",
    [
        "060-8588",
        "0608588",
        "０６０－８５８８",  # full-width digits and hyphen
        "０６０８５８８",
        " 060-8588 ",
        "〒060-8588",
        "060ー8588",  # the 長音符 an input method gives for "-"
        "060−8588",  # minus sign
    ],
)
def test_accepted_forms_are_stored_as_three_dash_four(postal: Questionnaire, typed: str) -> None:
    q = postal.question("office_postal_code")
    assert normalize_answer(q, typed) == "060-8588"


@pytest.mark.parametrize(
    "typed",
    [
        "060-858",
        "06085889",
        "060-85888",
        "06-08588",
        "060 8588",
        "abc-defg",
        "①②③④⑤⑥⑦",  # digits of another kind
        "060--8588",
    ],
)
def test_anything_else_is_refused_in_japanese(postal: Questionnaire, typed: str) -> None:
    q = postal.question("office_postal_code")
    with pytest.raises(AnswerError) as caught:
        normalize_answer(q, typed)
    assert caught.value.message == (
        f"郵便番号は 7 桁の数字で、060-8588 か 0608588 の形で入力してください（入力: {typed}）。"
    )


def test_a_number_is_not_a_postal_code(postal: Questionnaire) -> None:
    q = postal.question("office_postal_code")
    with pytest.raises(AnswerError):
        normalize_answer(q, 608588)
    assert normalize_answer(q, "") is None  # blank = unanswered


def test_the_file_declares_it_like_any_type() -> None:
    text = POSTAL_TEST.read_text(encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_bytes(
            text.replace("type: postal_code", "type: postal_code\n        unit: 番").encode(),
            "fy2025.yaml",
        )
    assert "種類 postal_code の設問ではキー「unit」は使えません" in str(caught.value)
    with pytest.raises(QuestionnaireError) as caught:
        load_bytes(
            text.replace(
                "type: postal_code", "type: postal_code\n        scoring: {method: choice}"
            ).encode(),
            "fy2025.yaml",
        )
    assert "種類 postal_code（郵便番号）の設問は採点できません" in str(caught.value)


def next_version(postal: Questionnaire, rename_to: str | None = None) -> Questionnaire:
    """The 2026 version of the test questionnaire (the postal code renamed to ``rename_to``,
    or retyped as short text when that is "retyped")."""
    text = POSTAL_TEST.read_text(encoding="utf-8")
    text = text.replace('version: "2025.1"', 'version: "2026.1"').replace(
        "fiscal_year: 2025", 'fiscal_year: 2026\nprevious:\n  version: "2025.1"'
    )
    if rename_to == "retyped":
        text = text.replace("type: postal_code", "type: short_text")
    elif rename_to:
        text = text.replace("id: office_postal_code", f"id: {rename_to}")
        text = text.replace(
            'previous:\n  version: "2025.1"',
            f'previous:\n  version: "2025.1"\n  map:\n'
            f"    - {{question: {rename_to}, from: office_postal_code}}",
        )
    return load_bytes(text.encode(), "fy2026.yaml")


def test_a_postal_code_carries_over_to_the_next_version(postal: Questionnaire) -> None:
    old = {"office_postal_code": "060-8588"}
    same = next_version(postal)
    assert carry_forward(build_mapping(postal, same), same, old) == old
    renamed = next_version(postal, "office_zip")
    assert carry_forward(build_mapping(postal, renamed), renamed, old) == {"office_zip": "060-8588"}


def test_a_postal_code_does_not_carry_into_another_type(postal: Questionnaire) -> None:
    retyped = next_version(postal, "retyped")
    mapping = build_mapping(postal, retyped)
    assert mapping.carry("office_postal_code").mode == MANUAL
    assert carry_forward(mapping, retyped, {"office_postal_code": "060-8588"}) == {}
