"""The postal_code type through the answering page (no JavaScript): its field, what is
stored, and the Japanese error beside the field for anything else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Response, SurveyRound, User
from dx_assess.services.responses import current_answers
from dx_assess.services.rounds import round_questionnaire
from tests.support import Browser
from tests.support.answers import open_test_round
from tests.support.fixture_files import FIXTURE_QUESTIONNAIRES
from tests.web.answering.survey_fixtures import TOWN

FIELD = "q_office_postal_code"


@pytest.fixture
def postal_round(people: dict[str, User]) -> SurveyRound:
    return open_test_round(
        2025, "2025.1", people["pref"], root=FIXTURE_QUESTIONNAIRES, key="postal-test"
    )


def page(survey_round: SurveyRound) -> str:
    return f"/rounds/{survey_round.id}/responses/{TOWN}/sections/office"


def stored(survey_round: SurveyRound) -> dict[str, object]:
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    if response is None:
        return {}
    return dict(current_answers(response, round_questionnaire(survey_round)))


def test_the_field_is_a_labelled_text_input(
    browser: Browser, postal_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    html = browser.get(page(postal_round)).get_data(as_text=True)
    assert (
        f'<label class="question-text" for="{FIELD}"><span class="qnum">問1-1</span>'
        "担当部署の郵便番号</label>"
    ) in html
    assert (
        f'<input aria-describedby="{FIELD}-hint" autocomplete="off" id="{FIELD}" '
        f'inputmode="numeric" name="{FIELD}" type="text" value="">'
    ) in html
    assert 'data-type="postal_code" data-numeric="0"' in html


@pytest.mark.parametrize("typed", ["0608588", "０６０－８５８８"])
def test_a_postal_code_is_stored_normalised_and_shown_back(
    browser: Browser, postal_round: SurveyRound, people: dict[str, User], typed: str
) -> None:
    browser.login("yamada")
    response = browser.post(page(postal_round), {"base_version": "0", FIELD: typed})
    assert response.status_code == 302
    assert stored(postal_round) == {"office_postal_code": "060-8588"}
    html = browser.get(page(postal_round)).get_data(as_text=True)
    assert f'name="{FIELD}" type="text" value="060-8588"' in html


def test_a_wrong_postal_code_is_refused_beside_the_field_and_kept(
    browser: Browser, postal_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    response = browser.post(
        page(postal_round),
        {"base_version": "0", FIELD: "060-858", "q_office_department": "総務課"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        f'<p class="error-message" id="{FIELD}-error">'
        "郵便番号は 7 桁の数字で、060-8588 か 0608588 の形で入力してください（入力: 060-858）。</p>"
    ) in html
    assert 'aria-invalid="true"' in html
    assert 'value="060-858"' in html  # what was typed is still there
    assert stored(postal_round) == {}  # nothing saved, the other answer neither
